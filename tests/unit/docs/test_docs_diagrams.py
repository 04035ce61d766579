"""The state diagrams in the docs are the transition tables, not a drawing that drifted."""

from __future__ import annotations

from pathlib import Path

from openoms.core.diagram import mermaid
from openoms.trading.domain.states import CHILD_TRANSITIONS, TICKET_TRANSITIONS

DOC = Path(__file__).resolve().parents[3] / "docs" / "trading-desk.md"


def test_trading_desk_doc_diagrams_equal_the_transition_tables() -> None:
    text = DOC.read_text()
    for table in (TICKET_TRANSITIONS, CHILD_TRANSITIONS):
        assert mermaid(table) in text, (
            f"docs/trading-desk.md is out of date for the {table.entity} table: paste the "
            "output of openoms.core.diagram.mermaid(table)")
