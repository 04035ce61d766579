"""Pure domain of the trading desk: model, events, commands, transition tables, decide/evolve."""
