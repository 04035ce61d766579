"""The sign-in throttle: five failures for a name from an address pause that pair, and a
flood of failures for other names cannot wipe the count."""

from __future__ import annotations

import pytest

from openoms.web import pages
from openoms.web.pages import Throttle

TARGET = ("ann", "10.0.0.9")


def test_five_failures_pause_the_pair_and_a_success_clears_it() -> None:
    throttle = Throttle(attempts=5, window=300)
    for _ in range(4):
        throttle.failed(TARGET)
    assert throttle.wait(TARGET) == 0
    throttle.failed(TARGET)
    assert 299 < throttle.wait(TARGET) <= 300
    assert throttle.wait(("ann", "10.0.0.10")) == 0  # another address is not paused
    throttle.succeeded(TARGET)
    assert throttle.wait(TARGET) == 0


def test_a_flood_of_made_up_names_does_not_reset_the_name_under_attack() -> None:
    throttle = Throttle(attempts=5, window=300, keep=100)
    for _ in range(5):
        throttle.failed(TARGET)
    for n in range(500):  # far more pairs than the table keeps
        throttle.failed((f"junk{n}", "10.0.0.9"))
    assert throttle.wait(TARGET) > 299


def test_pairs_whose_window_passed_make_room(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(pages.time, "monotonic", lambda: clock[0])
    throttle = Throttle(attempts=5, window=300, keep=3)
    for n in range(3):
        throttle.failed((f"old{n}", "10.0.0.9"))
    clock[0] += 301  # their windows have passed
    for _ in range(5):
        throttle.failed(TARGET)
    assert throttle.wait(TARGET) > 0  # counted: an expired pair gave up its place
