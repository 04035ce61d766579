"""UTCTimestamp text, both ways, at the rate a busy session needs it.

Every message carries at least one timestamp (SendingTime 52, TransactTime 60), and formatting
or parsing one with ``strftime``/``strptime`` costs more than the rest of the field's handling.
Within one second every timestamp shares the text up to the fraction, so each function keeps
the last second it saw and only renders (or reads) the milliseconds. The caches are one slot
each: the session layer runs on one event loop thread.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_format_second = -1
_format_text = ""


def _second_text(second: int) -> str:
    global _format_second, _format_text
    if second != _format_second:
        _format_text = (_EPOCH + timedelta(seconds=second)).strftime("%Y%m%d-%H:%M:%S")
        _format_second = second
    return _format_text


def utc_text(now: float, millis: bool = True) -> str:
    """Format now (seconds since the epoch) as a UTCTimestamp: 20261123-15:00:00.123."""
    second = int(now // 1)
    text = _second_text(second)
    if not millis:
        return text
    return f"{text}.{min(int((now - second) * 1000), 999):03d}"


def datetime_text(at: datetime) -> str:
    """Format an aware datetime as a UTCTimestamp with milliseconds."""
    return f"{_second_text(int(at.timestamp() // 1))}.{at.microsecond // 1000:03d}"


_log_second = -1
_log_text = ""


def log_stamp(now: float) -> str:
    """Format now for a log line: 2026-11-23T15:00:00.123456Z."""
    global _log_second, _log_text
    second = int(now // 1)
    if second != _log_second:
        _log_text = (_EPOCH + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%S")
        _log_second = second
    return f"{_log_text}.{min(int((now - second) * 1_000_000), 999_999):06d}Z"


_UTC_TIMESTAMP = re.compile(rb"(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?")
_parse_prefix = b""
_parse_base: datetime | None = None


def parse_utc(value: bytes | None) -> datetime | None:
    """Return a UTCTimestamp (to the second, milli-, micro- or nanosecond) as an aware
    datetime, or None if it is not one."""
    global _parse_prefix, _parse_base
    if value is None:
        return None
    if _parse_base is not None and value[:17] == _parse_prefix:
        rest = value[17:]  # the same second as the last one: read the fraction only
        if not rest:
            return _parse_base
        if 2 <= len(rest) <= 10 and rest[:1] == b"." and rest[1:].isdigit():
            micros = int(rest[1:7].ljust(6, b"0"))
            return _parse_base.replace(microsecond=micros) if micros else _parse_base
        return None
    match = _UTC_TIMESTAMP.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = map(int, match.groups()[:6])
    try:
        base = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None
    _parse_prefix, _parse_base = value[:17], base
    fraction = match.group(7)
    micros = int(fraction.ljust(6, b"0")[:6]) if fraction else 0
    return base.replace(microsecond=micros) if micros else base


_seconds_prefix = b""
_seconds_base = 0.0


def parse_seconds(value: bytes | None) -> float | None:
    """Return a UTCTimestamp as seconds since the epoch, or None if it is not one."""
    global _seconds_prefix, _seconds_base
    if value is not None and value[:17] == _seconds_prefix:
        rest = value[17:]
        if not rest:
            return _seconds_base
        if 2 <= len(rest) <= 10 and rest[:1] == b"." and rest[1:].isdigit():
            return _seconds_base + int(rest[1:7].ljust(6, b"0")) / 1_000_000
        return None
    at = parse_utc(value)
    if at is None:
        return None
    assert value is not None
    _seconds_prefix, _seconds_base = value[:17], at.replace(microsecond=0).timestamp()
    return _seconds_base + at.microsecond / 1_000_000
