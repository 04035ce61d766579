"""A session's schedule: the daily window, one that wraps past midnight, and its weekdays."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from openoms.adapters.fix.config import Schedule

WEEKDAYS = (0, 1, 2, 3, 4)
# 2026-11-23 is a Monday.
MONDAY, FRIDAY, SATURDAY, SUNDAY = 23, 27, 28, 29


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(("moment", "open_"), [
    (at(MONDAY, 7, 59), False),
    (at(MONDAY, 8, 0), True),
    (at(MONDAY, 16, 59), True),
    (at(MONDAY, 17, 0), False),  # the end is exclusive
    (at(SATURDAY, 12), False),
])
def test_a_daytime_window_on_weekdays(moment: datetime, open_: bool) -> None:
    schedule = Schedule(start=time(8), end=time(17), weekdays=WEEKDAYS)
    assert schedule.is_open(moment) is open_


@pytest.mark.parametrize(("moment", "open_"), [
    (at(MONDAY, 3), False),  # Sunday's window: Sunday is not a trading day
    (at(MONDAY, 22), True),
    (at(FRIDAY, 23), True),
    (at(SATURDAY, 5, 59), True),  # Friday's window runs on past midnight
    (at(SATURDAY, 6), False),
    (at(SATURDAY, 22), False),
    (at(SUNDAY, 23), False),
])
def test_a_window_past_midnight_belongs_to_the_day_it_starts(moment: datetime,
                                                             open_: bool) -> None:
    schedule = Schedule(start=time(22), end=time(6), weekdays=WEEKDAYS)
    assert schedule.is_open(moment) is open_


def test_a_whole_day_window_follows_the_weekdays() -> None:
    schedule = Schedule(weekdays=WEEKDAYS)
    assert schedule.is_open(at(FRIDAY, 23, 59))
    assert not schedule.is_open(at(SUNDAY, 12))


def test_the_window_is_read_in_its_time_zone() -> None:
    schedule = Schedule(start=time(8), end=time(17), timezone="America/New_York")
    assert not schedule.is_open(at(MONDAY, 12))  # 07:00 in New York
    assert schedule.is_open(at(MONDAY, 14))  # 09:00 in New York
