"""The interop tests start OpenOMS with tests/e2e's ``Server``."""

from __future__ import annotations

import sys
from pathlib import Path

E2E = str(Path(__file__).resolve().parents[1] / "e2e")
if E2E not in sys.path:
    sys.path.insert(0, E2E)
