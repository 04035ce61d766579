"""FIX tag=value codec: encode messages, and parse a byte stream into messages in linear time.

Like h11 for HTTP, this is pure: bytes go in, messages (or notices that some bytes were
garbled) come out; no sockets, no clocks. The parser keeps one buffer and a read offset,
locates each message by its BodyLength (9) and verifies its CheckSum (10), so every byte is
looked at a constant number of times however the stream is cut into reads — unlike a parser
that rescans the whole buffer on each read, which slows quadratically with buffered input.

Garbled input (bytes before ``8=``, a BodyLength that does not land on ``10=``, a wrong
CheckSum, a message over the size limit) is reported and skipped, per the FIX session spec:
the receiver ignores it and resynchronises on the next ``8=FIX``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from zlib import adler32

SOH = b"\x01"
_BEGIN = b"8=FIX"
_DEFAULT_MAX = 1 << 20  # 1 MiB

# Length field -> data field whose value may contain SOH (FIX 4.2/4.4 "data" fields).
DATA_FIELDS: dict[int, int] = {90: 91, 93: 89, 95: 96, 212: 213, 348: 349, 350: 351,
                               352: 353, 354: 355, 356: 357, 358: 359, 360: 361, 362: 363,
                               364: 365, 445: 446, 618: 619, 621: 622}


class FixMessage:
    """A parsed message: its fields in wire order (tag, raw value bytes)."""

    __slots__ = ("_first", "fields", "raw")

    def __init__(self, fields: list[tuple[int, bytes]], raw: bytes = b"") -> None:
        self.fields = fields
        self.raw = raw
        self._first: dict[int, bytes] | None = None

    def get(self, tag: int, default: bytes | None = None) -> bytes | None:
        """Return the first value of tag, or default."""
        first = self._first
        if first is None:
            # Built on the first lookup; reversed, so the first occurrence of a tag wins.
            first = self._first = dict(reversed(self.fields))
        return first.get(tag, default)

    def text(self, tag: int, default: str | None = None) -> str | None:
        value = self.get(tag)
        return default if value is None else value.decode("latin-1")

    def all(self, tag: int) -> list[bytes]:
        return [value for field_tag, value in self.fields if field_tag == tag]

    @property
    def msg_type(self) -> str:
        return self.text(35, "") or ""

    @property
    def begin_string(self) -> str:
        return self.text(8, "") or ""

    def __repr__(self) -> str:
        shown = "|".join(f"{t}={v.decode('latin-1')}" for t, v in self.fields)
        return f"FixMessage({shown})"


@dataclass(frozen=True, slots=True)
class Garbled:
    """Bytes the parser skipped, and why (for the message log; never answered)."""

    reason: str
    data: bytes


Value = str | bytes | int | Decimal


def checksum(data: bytes | bytearray | memoryview) -> bytes:
    """Return the three-digit CheckSum (10) of data: the byte sum modulo 256."""
    return b"%03d" % byte_sum(data)


def byte_sum(data: bytes | bytearray | memoryview) -> int:
    """Return the sum of data's bytes modulo 256, in C rather than byte by byte.

    Adler-32's low half is 1 + the byte sum modulo 65521; over at most 256 bytes the sum is
    at most 65,280, so the modulo never applies and the low half minus one is the exact sum.
    """
    total = 0
    for start in range(0, len(data), 256):
        total += (adler32(data[start:start + 256]) & 0xFFFF) - 1
    return total % 256


_TAG_TEXT: dict[int, str] = {}  # tag -> "tag=", rendered once


def encode(begin_string: str, msg_type: str, fields: Iterable[tuple[int, Value]]) -> bytes:
    """Render one message: 8, 9 and 35 first, the fields in order, 10 last."""
    # One str joined and encoded once is about three times faster than joining bytes pieces.
    parts = ["35=", msg_type, "\x01"]
    tags = _TAG_TEXT
    for tag, value in fields:
        prefix = tags.get(tag)
        if prefix is None:
            prefix = tags[tag] = f"{int(tag)}="
        if isinstance(value, str):
            text = value
        elif isinstance(value, bytes):
            text = value.decode("latin-1")
        elif isinstance(value, Decimal):
            text = format(value, "f")
        else:
            text = str(value)
        parts += (prefix, text, "\x01")
    body = "".join(parts).encode("latin-1")
    message = b"8=%s\x019=%d\x01%s" % (begin_string.encode("latin-1"), len(body), body)
    return message + b"10=%03d\x01" % byte_sum(message)


def split_fields(body: bytes) -> list[tuple[int, bytes]]:
    """Split tag=value fields, honouring length-prefixed data fields that may hold SOH.

    Raises:
        ValueError: a field without '=' or with a non-numeric tag.
    """
    fields: list[tuple[int, bytes]] = []
    parts = body.split(SOH)
    if parts[-1] != b"":
        raise ValueError("the last field is not terminated by SOH")
    known = _TAG_NUMBER
    for part in parts[:-1]:
        tag_text, eq, value = part.partition(b"=")
        if not eq:
            raise ValueError(f"field {part[:20]!r} has no '='")
        tag = known.get(tag_text)
        if tag is None:
            tag = int(tag_text)
            if tag in DATA_FIELDS:  # a data field follows: it may hold SOH, so walk by length
                return _split_with_data(body)
            if len(known) < 4_096 and tag_text.isdigit():
                known[tag_text] = tag  # never a data length: those take the branch above
        fields.append((tag, value))
    return fields


_TAG_NUMBER: dict[bytes, int] = {}  # tag text -> number: a lookup is cheaper than int()


def _split_with_data(body: bytes) -> list[tuple[int, bytes]]:
    fields: list[tuple[int, bytes]] = []
    pos, end = 0, len(body)
    data_length: tuple[int, int] | None = None  # (data tag expected, its length)
    while pos < end:
        eq = body.index(b"=", pos)
        tag = int(body[pos:eq])
        if data_length is not None and tag == data_length[0]:
            value_end = eq + 1 + data_length[1]
            if body[value_end:value_end + 1] != SOH:
                raise ValueError(f"data field {tag} does not match its length")
        else:
            value_end = body.index(SOH, eq + 1)
        value = body[eq + 1:value_end]
        fields.append((tag, value))
        data_length = (DATA_FIELDS[tag], int(value)) if tag in DATA_FIELDS else None
        pos = value_end + 1
    return fields


class FixParser:
    """Turns a byte stream into FixMessage and Garbled items; feed bytes, then drain."""

    def __init__(self, max_message_size: int = _DEFAULT_MAX) -> None:
        self._buffer = bytearray()
        self._pos = 0
        self._max = max_message_size

    def feed(self, data: bytes) -> None:
        self._buffer += data

    @property
    def buffered(self) -> int:
        return len(self._buffer) - self._pos

    def __iter__(self) -> Iterator[FixMessage | Garbled]:
        while True:
            item = self._next()
            if item is None:
                self._compact()
                return
            yield item

    def _compact(self) -> None:
        if self._pos:
            del self._buffer[:self._pos]
            self._pos = 0

    def _skip(self, upto: int, reason: str) -> Garbled:
        data = bytes(self._buffer[self._pos:upto])
        self._pos = upto
        return Garbled(reason, data)

    def _resync(self, start: int, reason: str) -> Garbled:
        following = self._buffer.find(_BEGIN, start + 1)
        upto = following if following >= 0 else len(self._buffer)
        return self._skip(upto, reason)

    def _next(self) -> FixMessage | Garbled | None:
        buf = self._buffer
        start = buf.find(_BEGIN, self._pos)
        if start < 0:
            # Keep a possible partial "8=FIX" at the end; drop the rest as garbage.
            keep = max(self._pos, len(buf) - len(_BEGIN) + 1)
            if keep > self._pos:
                return self._skip(keep, "bytes outside a message")
            return None
        if start > self._pos:
            return self._skip(start, "bytes outside a message")
        begin_end = buf.find(SOH, start)
        if begin_end < 0:
            return self._resync(start, "BeginString too long") \
                if len(buf) - start > 64 else None
        if buf[begin_end + 1:begin_end + 3] != b"9=":
            if len(buf) < begin_end + 3:
                return None
            return self._resync(start, "BodyLength (9) is not the second field")
        length_end = buf.find(SOH, begin_end + 3, begin_end + 3 + 12)
        if length_end < 0:
            if len(buf) - begin_end > 15:
                return self._resync(start, "BodyLength (9) is not a number")
            return None
        digits = bytes(buf[begin_end + 3:length_end])
        if not digits.isdigit():
            return self._resync(start, "BodyLength (9) is not a number")
        body_start = length_end + 1
        body_end = body_start + int(digits)
        total = body_end + 7  # "10=nnn" SOH
        if total - start > self._max:
            return self._resync(start, f"message larger than {self._max} bytes")
        if len(buf) < total:
            return None
        trailer = buf[body_end:total]
        if trailer[:3] != b"10=" or trailer[6:7] != SOH:
            return self._resync(start, "BodyLength (9) does not end at CheckSum (10)")
        if bytes(trailer[3:6]) != checksum(memoryview(buf)[start:body_end]):
            return self._resync(start, "wrong CheckSum (10)")
        raw = bytes(buf[start:total])
        self._pos = total
        try:
            fields = split_fields(raw[:body_end - start])
        except ValueError as exc:
            return Garbled(f"unreadable field: {exc}", raw)
        fields.append((10, bytes(trailer[3:6])))
        return FixMessage(fields, raw)
