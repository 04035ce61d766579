"""Draw a transition table as a Mermaid state diagram, so the docs are drawn from the data."""

from __future__ import annotations

from enum import Enum

from openoms.core.fsm import Derived, TransitionTable


def mermaid(table: TransitionTable[Enum]) -> str:
    """Return a ``stateDiagram-v2`` block with one arrow per (from, to) and its events."""
    arrows: dict[tuple[str, str], list[str]] = {}
    for (current, event), target in table.rows.items():
        source = "[*]" if current is None else current.value
        goal = "working" if isinstance(target, Derived) else target.value
        arrows.setdefault((source, goal), []).append(event.__name__)
    lines = ["stateDiagram-v2"]
    for (source, goal), names in sorted(arrows.items()):
        lines.append(f"    {source} --> {goal}: {', '.join(sorted(names))}")
    return "\n".join(lines) + "\n"
