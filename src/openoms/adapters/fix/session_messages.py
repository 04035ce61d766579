"""How a session writes its messages: header order, timestamps, rejects and resends.

The header is 8, 9 and 35, then the other header fields in tag order (34, 43, 49, 52, 56, 97,
122, the routing fields), as QuickFIX writes it, so counterparties and the acceptance suite see
the familiar layout. Rejects carry the counterparty's routing fields reversed (OnBehalfOf ->
DeliverTo and back). Resent application messages keep their number and body, get PossDupFlag
(43=Y), OrigSendingTime (122) from the original SendingTime and a fresh SendingTime (52).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from openoms.adapters.fix.codec import FixMessage, FixParser, Value
from openoms.adapters.fix.dictionary import Dictionary
from openoms.adapters.fix.fixtime import parse_seconds, utc_text

# Header fields the session writes itself; an application's copy of them is ignored.
OWN_HEADER = frozenset({8, 9, 10, 34, 35, 43, 49, 52, 56, 122})
# OnBehalfOfCompID/DeliverToCompID, ...SubID, ...LocationID: a reply swaps each pair.
REVERSE_ROUTE = ((115, 128), (116, 129), (144, 145), (128, 115), (129, 116), (145, 144))


def timestamp(now: float, millis: bool = True) -> str:
    """Format now (seconds since the epoch) as a FIX UTCTimestamp."""
    return utc_text(now, millis)


def parse_timestamp(value: bytes | None) -> float | None:
    """Return a UTCTimestamp as seconds since the epoch, or None if it is not one."""
    return parse_seconds(value)


def seq_of(message: FixMessage) -> int | None:
    """Return the MsgSeqNum (34) of message, or None if it is missing or not a number."""
    value = message.get(34)
    if value is None or not value.isdigit():
        return None
    return int(value)


def reverse_route(message: FixMessage) -> list[tuple[int, Value]]:
    """Return the routing fields of a reply to message (empty values are not routes)."""
    route: list[tuple[int, Value]] = []
    for tag, reply_tag in REVERSE_ROUTE:
        value = message.get(tag)
        if value:
            route.append((reply_tag, value))
    return route


def split_header(dictionary: Dictionary,
                 fields: Iterable[tuple[int, Value]]) -> tuple[list[tuple[int, Value]],
                                                               list[tuple[int, Value]]]:
    """Split fields into extra header fields and body fields (the session's own are dropped)."""
    header: list[tuple[int, Value]] = []
    body: list[tuple[int, Value]] = []
    header_tags = dictionary.header.tags
    for tag, value in fields:
        if tag in OWN_HEADER:
            continue
        (header if tag in header_tags else body).append((tag, value))
    return header, body


def session_reject_fields(dictionary: Dictionary, message: FixMessage, reason: int,
                          tag: int | None, text: str) -> list[tuple[int, Value]]:
    """Return the body of a session-level Reject (35=3) of message."""
    fields: list[tuple[int, Value]] = [(45, message.get(34) or b"0"), (58, text)]
    if tag is not None:
        fields.append((371, tag))
    fields.append((372, message.msg_type))
    # SessionRejectReason values above 11 came with FIX 4.3: a FIX 4.2 peer gets only the text.
    enums = dictionary.fields[373][2]
    if enums is None or str(reason).encode() in enums:
        fields.append((373, reason))
    return fields


def business_reject_fields(message: FixMessage, reason: int, text: str,
                           ref_tag: int | None) -> list[tuple[int, Value]]:
    """Return the body of a BusinessMessageReject (35=j) of message."""
    fields: list[tuple[int, Value]] = [(45, message.get(34) or b"0"), (58, text),
                                       (372, message.msg_type)]
    ref_value = message.get(ref_tag) if ref_tag is not None else None
    if ref_value:
        fields.append((379, ref_value))
    fields.append((380, reason))
    return fields


def resent_parts(raw: bytes, dictionary: Dictionary) -> tuple[str, bytes | None,
                                                               list[tuple[int, Value]],
                                                               list[tuple[int, Value]]]:
    """Return msg type, original SendingTime, extra header and body of a stored message."""
    parser = FixParser(max_message_size=max(len(raw) + 1, 1 << 20))
    parser.feed(raw)
    message = next((item for item in parser if isinstance(item, FixMessage)), None)
    if message is None:
        raise ValueError("stored message is unreadable")
    header, body = split_header(dictionary, message.fields)
    return message.msg_type, message.get(52), header, body


def gap_fill_body(new_seq: int) -> Sequence[tuple[int, Value]]:
    """Return the body of a SequenceReset-GapFill to new_seq."""
    return [(36, new_seq), (123, "Y")]
