"""Structured logs (structlog) for the server: one JSON-ish line per event, UTC timestamps."""

from __future__ import annotations

import logging

import structlog


def configure_logging(level: str = "info") -> None:
    """Route stdlib and structlog output through one renderer at the given level."""
    numeric = getattr(logging, level.upper(), logging.INFO)
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso", utc=True),
                    structlog.dev.ConsoleRenderer(colors=False)],
        wrapper_class=structlog.make_filtering_bound_logger(numeric))
    logging.basicConfig(level=numeric, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
