"""Building blocks shared by every area: errors, ids, decimals, clock, state tables, the engine."""
