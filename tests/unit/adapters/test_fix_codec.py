"""The FIX codec: what a counterparty's bytes turn into, however the stream is cut."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from openoms.adapters.fix.codec import FixMessage, FixParser, Garbled, checksum, encode

SOH = b"\x01"


def _order(n: int) -> bytes:
    return encode("FIX.4.4", "D", [(49, "CLIENT"), (56, "OMS"), (34, n), (11, f"ORD{n}"),
                                   (38, Decimal("100")), (44, Decimal("10.25"))])


def _parse(*chunks: bytes, max_size: int = 1 << 20) -> list[FixMessage | Garbled]:
    parser = FixParser(max_message_size=max_size)
    out: list[FixMessage | Garbled] = []
    for chunk in chunks:
        parser.feed(chunk)
        out.extend(parser)
    return out


def test_encode_puts_header_first_and_a_correct_checksum_last() -> None:
    raw = _order(7)
    assert raw.startswith(b"8=FIX.4.4\x019=")
    body_start = raw.index(SOH, raw.index(b"9=")) + 1
    trailer = raw.rindex(b"10=")
    assert int(raw[raw.index(b"9=") + 2:body_start - 1]) == trailer - body_start
    assert raw[trailer + 3:trailer + 6] == checksum(raw[:trailer])
    assert raw[body_start:body_start + 5] == b"35=D\x01"


def test_parse_round_trip_keeps_fields_in_order() -> None:
    [message] = _parse(_order(1))
    assert isinstance(message, FixMessage)
    assert message.msg_type == "D" and message.begin_string == "FIX.4.4"
    assert [t for t, _ in message.fields] == [8, 9, 35, 49, 56, 34, 11, 38, 44, 10]
    assert message.text(44) == "10.25" and message.get(11) == b"ORD1"


@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=30))
def test_parse_any_cut_of_the_stream_gives_the_same_messages(cuts: list[int]) -> None:
    stream = b"".join(_order(n) for n in range(1, 6))
    chunks, pos = [], 0
    for size in cuts:
        chunks.append(stream[pos:pos + size])
        pos += size
    chunks.append(stream[pos:])
    messages = _parse(*chunks)
    assert [m.get(34) for m in messages] == [b"1", b"2", b"3", b"4", b"5"]


def test_garbage_between_messages_is_reported_and_skipped() -> None:
    items = _parse(b"hello" + _order(1) + b"\x00\xffnoise" + _order(2))
    assert [type(i).__name__ for i in items] == ["Garbled", "FixMessage", "Garbled",
                                                 "FixMessage"]
    assert items[0].data == b"hello"  # type: ignore[union-attr]


def test_wrong_checksum_is_garbled_and_the_next_message_still_parses() -> None:
    bad = bytearray(_order(1))
    bad[-4:-1] = b"000" if bad[-4:-1] != b"000" else b"001"
    items = _parse(bytes(bad) + _order(2))
    assert isinstance(items[0], Garbled) and "CheckSum" in items[0].reason
    assert isinstance(items[-1], FixMessage) and items[-1].get(34) == b"2"


def test_wrong_body_length_is_garbled_and_the_next_message_still_parses() -> None:
    good = _order(1)
    bad = good.replace(b"9=" + good.split(b"9=")[1].split(SOH)[0], b"9=12", 1)
    items = _parse(bad + _order(2))
    assert isinstance(items[0], Garbled) and "BodyLength" in items[0].reason
    assert isinstance(items[-1], FixMessage) and items[-1].get(34) == b"2"


def test_message_over_the_size_limit_is_refused_before_it_is_buffered() -> None:
    huge = encode("FIX.4.4", "D", [(58, "x" * 2000)])
    parser = FixParser(max_message_size=1024)
    parser.feed(huge[:100])  # only the header has arrived
    items = list(parser)
    assert isinstance(items[0], Garbled) and "larger than 1024" in items[0].reason
    parser.feed(huge[100:] + _order(3))
    rest = list(parser)
    assert isinstance(rest[-1], FixMessage) and rest[-1].get(34) == b"3"
    assert parser.buffered == 0


def test_data_field_may_contain_soh() -> None:
    raw = encode("FIX.4.2", "A", [(95, 5), (96, b"a\x01b=c"), (108, 30)])
    [message] = _parse(raw)
    assert isinstance(message, FixMessage)
    assert message.get(96) == b"a\x01b=c" and message.get(108) == b"30"


def test_partial_begin_string_waits_for_more_bytes() -> None:
    parser = FixParser()
    parser.feed(b"8=FI")
    assert list(parser) == [] and parser.buffered == 4
    parser.feed(_order(1)[4:])
    assert [m.get(34) for m in parser] == [b"1"]  # type: ignore[union-attr]
