"""FIX: the codec (bytes <-> messages), and — next — the session layer and the gateway."""
