"""Venues: where child orders go — the built-in simulated exchange, and FIX counterparties."""
