"""The FIX hot path's shortcuts agree with the plain computations they replace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from openoms.adapters.fix import fixtime
from openoms.adapters.fix.codec import FixMessage, FixParser, byte_sum, encode, split_fields
from openoms.adapters.fix.dictionary import INCORRECT_DATA_FORMAT, VALUE_OUT_OF_RANGE, dictionary

SECONDS = st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False)  # up to 2100


@given(st.binary(max_size=2_000))
def test_byte_sum_is_the_sum_of_the_bytes_modulo_256(data: bytes) -> None:
    assert byte_sum(data) == sum(data) % 256
    assert byte_sum(memoryview(bytearray(data))) == sum(data) % 256


def test_byte_sum_of_a_long_run_of_high_bytes() -> None:
    data = b"\xff" * 100_000  # every 256-byte chunk at its largest sum
    assert byte_sum(data) == sum(data) % 256


@given(SECONDS)
def test_utc_text_is_the_time_to_the_millisecond(now: float) -> None:
    text = fixtime.utc_text(now)
    assert len(text) == 21
    read = fixtime.parse_seconds(text.encode())
    assert read is not None and now - 0.001 - 1e-6 <= read <= now + 1e-6
    assert fixtime.utc_text(now, millis=False) == text[:17]


def test_utc_text_across_a_second_boundary() -> None:
    second = datetime(2026, 11, 23, 15, 0, 59, tzinfo=UTC).timestamp()
    assert fixtime.utc_text(second + 0.9994) == "20261123-15:00:59.999"
    assert fixtime.utc_text(second + 1.0001) == "20261123-15:01:00.000"
    assert fixtime.utc_text(second + 0.5) == "20261123-15:00:59.500"


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2099, 12, 31),
                    timezones=st.just(UTC)))
def test_datetime_text_matches_strftime(at: datetime) -> None:
    expected = at.strftime("%Y%m%d-%H:%M:%S.") + f"{at.microsecond // 1000:03d}"
    assert fixtime.datetime_text(at) == expected


def test_datetime_text_of_another_time_zone_is_utc() -> None:
    at = datetime(2026, 11, 23, 10, 0, 0, 250_000, tzinfo=UTC).astimezone(
        ZoneInfo("America/Chicago"))
    assert fixtime.datetime_text(at) == "20261123-10:00:00.250"


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2099, 12, 31),
                    timezones=st.just(UTC)), st.sampled_from(["", ".%03d", ".%06d"]))
def test_parse_utc_reads_back_what_was_written(at: datetime, fraction: str) -> None:
    text = at.strftime("%Y%m%d-%H:%M:%S")
    micros = 0
    if fraction == ".%03d":
        text += fraction % (at.microsecond // 1000)
        micros = at.microsecond // 1000 * 1000
    elif fraction:
        text += fraction % at.microsecond
        micros = at.microsecond
    expected = at.replace(microsecond=micros)
    # Twice: the second read takes the same-second shortcut.
    for _ in range(2):
        assert fixtime.parse_utc(text.encode()) == expected
        assert fixtime.parse_seconds(text.encode()) == expected.timestamp()


def test_the_same_second_shortcut_still_refuses_bad_fractions() -> None:
    assert fixtime.parse_utc(b"20261123-15:00:01.123") is not None
    for bad in (b"20261123-15:00:01.", b"20261123-15:00:01.12a", b"20261123-15:00:01x",
                b"20261123-15:00:01.1234567890", b"20261123-15:00:01.+12"):
        assert fixtime.parse_utc(bad) is None, bad
        assert fixtime.parse_seconds(bad) is None, bad
    assert fixtime.parse_utc(b"20261323-15:00:01") is None  # month 13
    assert fixtime.parse_utc(b"20261123-15:00:01.9") == datetime(
        2026, 11, 23, 15, 0, 1, 900_000, tzinfo=UTC)


def test_log_stamp_is_iso_with_microseconds() -> None:
    now = datetime(2026, 11, 23, 15, 0, 1, 123_456, tzinfo=UTC)
    assert fixtime.log_stamp(now.timestamp()) == "2026-11-23T15:00:01.123456Z"
    later = now + timedelta(seconds=61)
    assert fixtime.log_stamp(later.timestamp()) == "2026-11-23T15:01:02.123456Z"


def test_split_fields_refuses_a_field_without_equals_even_for_a_known_tag() -> None:
    assert split_fields(b"35=D\x0111=A\x01") == [(35, b"D"), (11, b"A")]
    for body in (b"35=D\x0111\x01", b"35=D\x01x1=A\x01", b"35=D\x0111=A"):
        try:
            split_fields(body)
        except ValueError:
            continue
        raise AssertionError(f"{body!r} was accepted")


def test_message_get_returns_the_first_of_repeated_tags() -> None:
    message = FixMessage([(8, b"FIX.4.4"), (55, b"AAPL"), (55, b"MSFT")])
    assert message.get(55) == b"AAPL"
    assert message.all(55) == [b"AAPL", b"MSFT"]
    assert message.get(99) is None
    assert message.get(99, b"x") == b"x"


def _order(price: str, side: str = "1", msg_type: str = "D") -> FixMessage:
    raw = encode("FIX.4.4", msg_type, [
        (34, 2), (49, "CLIENT"), (52, "20261123-15:00:01.000"), (56, "OPENOMS"), (11, "A1"),
        (55, "AAPL"), (54, side), (60, "20261123-15:00:01.000"), (38, 100), (40, "2"),
        (44, price)])
    parser = FixParser()
    parser.feed(raw)
    (parsed,) = list(parser)
    assert isinstance(parsed, FixMessage)
    return parsed


def test_a_known_layout_still_gets_its_values_checked() -> None:
    fix44 = dictionary("FIX.4.4")
    assert fix44.check(_order("190.00")) is None
    assert fix44.check(_order("190.00")) is None  # the layout is known now
    problem = fix44.check(_order("abc"))
    assert problem is not None and (problem.reason, problem.tag) == (INCORRECT_DATA_FORMAT, 44)
    problem = fix44.check(_order("190.00", side="Z"))
    assert problem is not None and (problem.reason, problem.tag) == (VALUE_OUT_OF_RANGE, 54)


def test_a_layout_sound_for_one_message_type_is_not_taken_for_another() -> None:
    fix44 = dictionary("FIX.4.4")
    assert fix44.check(_order("190.00")) is None
    # The same tags as an ExecutionReport (35=8) miss its required fields.
    problem = fix44.check(_order("190.00", msg_type="8"))
    assert problem is not None
