"""The echo application the QuickFIX acceptance suite assumes behind the acceptor.

It sends every NewOrderSingle (35=D) back unchanged in its body, except a PossResend (97=Y)
repeat of a ClOrdID it has already seen; it echoes SecurityDefinition (35=d); it answers any
other application message with BusinessMessageReject (380=3). Like QuickFIX's, it writes the
body fields in tag order unless the message carries repeating groups. For tests only.
"""

from __future__ import annotations

from openoms.adapters.fix.application import BUSINESS_UNSUPPORTED_MESSAGE_TYPE, SessionHandle
from openoms.adapters.fix.codec import FixMessage, Value
from openoms.adapters.fix.dictionary import dictionary

# Header fields the session writes itself, and the trailer.
_SESSION_FIELDS = frozenset({8, 9, 10, 34, 35, 43, 49, 52, 56, 122})


def echo_fields(message: FixMessage) -> list[tuple[int, Value]]:
    """Return the fields of message to send back: all but the session's own."""
    fields: list[tuple[int, Value]] = [(tag, value) for tag, value in message.fields
                                       if tag not in _SESSION_FIELDS]
    entry = dictionary(message.begin_string).messages.get(message.msg_type)
    groups = entry[2].groups if entry else {}
    if not any(tag in groups and value not in (b"0", b"") for tag, value in fields):
        fields.sort(key=lambda field: field[0])
    return fields


class EchoApplication:
    """Echo NewOrderSingle and SecurityDefinition; reject other application messages."""

    def __init__(self) -> None:
        self.orders: dict[str, set[bytes]] = {}
        self.logons = 0
        self.logouts = 0

    def on_logon(self, session: SessionHandle) -> None:
        self.logons += 1

    def on_logout(self, session: SessionHandle) -> None:
        self.logouts += 1

    def on_message(self, session: SessionHandle, message: FixMessage) -> None:
        msg_type = message.msg_type
        if msg_type == "D":
            seen = self.orders.setdefault(session.session_id, set())
            cl_ord_id = message.get(11) or b""
            if message.get(97) == b"Y" and cl_ord_id in seen:
                return
            seen.add(cl_ord_id)
            session.send("D", echo_fields(message))
        elif msg_type == "d":
            session.send("d", echo_fields(message))
        else:
            session.reject_business(message, BUSINESS_UNSUPPORTED_MESSAGE_TYPE,
                                    "Unsupported Message Type")
