"""Adapters: the only code that touches the disk, the database or the network."""
