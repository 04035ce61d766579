"""The built-in simulated exchange: a price-time-priority order book per instrument."""
