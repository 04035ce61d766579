"""The engine's business areas in one place: the trading desk and the retail business.

Everything that stores or reads the journal decodes events of both, so it takes its codec
registry from here.
"""

from __future__ import annotations

from openoms.commerce import module as commerce
from openoms.core.codec import Registry
from openoms.trading import module as trading


def registry() -> Registry:
    """Codec registry of every event and command of every area."""
    combined = trading.registry()
    for cls in commerce.registry_classes():
        combined.add(cls)
    return combined
