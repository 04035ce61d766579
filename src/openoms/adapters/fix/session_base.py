"""The outgoing half of a FIX session and its life cycle: numbering, sending, time.

``SessionBase`` holds a session's state and numbers, writes every message it sends (header,
number, journal record), answers resends, and reacts to connects, disconnects and timer ticks.
``openoms.adapters.fix.session.Session`` adds what the counterparty's messages do.
"""

from __future__ import annotations

from collections.abc import Sequence

from openoms.adapters.fix import dictionary as fd
from openoms.adapters.fix import session_messages as sm
from openoms.adapters.fix.codec import FixMessage, Garbled, Value, encode
from openoms.adapters.fix.config import Role, SessionConfig
from openoms.adapters.fix.journal import SessionNumbers, StoredMessage
from openoms.adapters.fix.session_states import (
    CONNECTED_STATES,
    LOGGED_ON_STATES,
    TRANSITIONS,
    Action,
    Connected,
    Disconnect,
    Disconnected,
    Event,
    LogonSent,
    LogoutSent,
    NumbersReset,
    Record,
    Send,
    SessionState,
)

LOGOUT_TIMEOUT = 2.0  # seconds we wait for the counterparty's Logout after ours
TEST_REQUEST_FACTOR = 1.2  # silence, in heartbeat intervals, before we send a TestRequest
TIMEOUT_FACTOR = 2.4  # silence, in heartbeat intervals, before we give up on the peer


class SessionBase:
    """A session's state, numbers and everything it sends."""

    def __init__(self, config: SessionConfig, numbers: SessionNumbers) -> None:
        self.config = config
        self.dictionary = fd.dictionary(config.begin_string)
        self.state = SessionState.DISCONNECTED
        self.numbers = numbers
        self.heartbeat_interval = config.heartbeat_interval
        self.connected_at = 0.0
        self.last_sent = 0.0
        self.last_received = 0.0
        self.test_request_sent_at: float | None = None
        self.logout_sent_at = 0.0
        self.queue: dict[int, FixMessage] = {}
        self._out: list[Action] = []
        self._stored: list[StoredMessage] = []
        self._dirty = False

    # ----------------------------------------------------------------- state and numbers

    @property
    def logged_on(self) -> bool:
        return self.state in LOGGED_ON_STATES

    @property
    def connected(self) -> bool:
        return self.state in CONNECTED_STATES

    def _move(self, event: type) -> None:
        next_state = TRANSITIONS.next(self.state, event)
        assert isinstance(next_state, SessionState)
        self.state = next_state

    def _set_numbers(self, *, next_in: int | None = None, next_out: int | None = None,
                     epoch: int | None = None) -> None:
        old = self.numbers
        self.numbers = SessionNumbers(
            next_in=old.next_in if next_in is None else next_in,
            next_out=old.next_out if next_out is None else next_out,
            epoch=old.epoch if epoch is None else epoch)
        self._dirty = True

    def _flush(self) -> list[Action]:
        """Return the actions gathered by this call, the numbers' Record first."""
        actions = self._out
        if self._dirty or self._stored:
            actions.insert(0, Record(self.numbers, tuple(self._stored)))
        self._out, self._stored, self._dirty = [], [], False
        return actions

    # ----------------------------------------------------------------- outgoing

    def _emit(self, msg_type: str, body: Sequence[tuple[int, Value]], now: float, *,
              header: Sequence[tuple[int, Value]] = (), seq: int | None = None,
              store: bool = False, write: bool = True) -> None:
        """Number (unless seq is given), encode, maybe store, and queue one message."""
        if seq is None:
            seq = self.numbers.next_out
            self._set_numbers(next_out=seq + 1)
        fields: list[tuple[int, Value]] = [(34, seq), (49, self.config.sender_comp_id),
                                           (52, sm.timestamp(now)),
                                           (56, self.config.target_comp_id), *header]
        fields.sort(key=lambda field: field[0])
        raw = encode(self.config.begin_string, msg_type, [*fields, *body])
        if store:
            self._stored.append(StoredMessage(seq, msg_type, raw))
        if write:
            self._out.append(Send(raw, seq, msg_type))
            self.last_sent = now

    def _logout(self, text: str | None, now: float, *, disconnect: bool) -> None:
        """Send Logout; disconnect at once or wait for the counterparty's answer."""
        if self.state is SessionState.LOGOUT_SENT:
            if disconnect:
                self._disconnect(text or "logged out")
            return
        self._emit("5", [(58, text)] if text else [], now)
        self._out.append(Event(f"Logout sent{': ' + text if text else ''}"))
        if disconnect:
            self._disconnect(text or "logged out")
        else:
            self._move(LogoutSent)
            self.logout_sent_at = now

    def _disconnect(self, reason: str) -> None:
        self._out.append(Disconnect(reason))

    def _reject(self, message: FixMessage, reason: int, tag: int | None, text: str,
                now: float) -> None:
        body = sm.session_reject_fields(self.dictionary, message, reason, tag, text)
        self._emit("3", body, now, header=sm.reverse_route(message))
        self._out.append(Event(f"Reject sent for MsgSeqNum {message.text(34)}: {text}"))

    def send_application(self, msg_type: str, fields: Sequence[tuple[int, Value]],
                         now: float) -> list[Action]:
        """Number, store and (if logged on) send an application message."""
        header, body = sm.split_header(self.dictionary, fields)
        self._emit(msg_type, body, now, header=header, store=True, write=self.logged_on)
        return self._flush()

    def reject_business(self, message: FixMessage, reason: int, text: str,
                        ref_tag: int | None, now: float) -> list[Action]:
        """Answer message with a BusinessMessageReject (35=j)."""
        body = sm.business_reject_fields(message, reason, text, ref_tag)
        self._emit("j", body, now, header=sm.reverse_route(message), store=True,
                   write=self.logged_on)
        self._out.append(Event(f"BusinessMessageReject sent for MsgSeqNum "
                               f"{message.text(34)}: {text}"))
        return self._flush()

    def resend(self, begin: int, end: int, stored: Sequence[StoredMessage],
               now: float) -> list[Action]:
        """Answer a ResendRequest for begin..end with stored messages and gap fills."""
        if not self.connected:
            return []
        cursor = begin
        for message in sorted(stored, key=lambda m: m.seq):
            if message.seq < cursor or message.seq > end:
                continue
            try:
                msg_type, sent_at, header, body = sm.resent_parts(message.raw, self.dictionary)
            except ValueError:
                continue  # an unreadable stored message is gap-filled below
            if message.seq > cursor:
                self._gap_fill(cursor, message.seq, now)
            original = sent_at if sent_at is not None else sm.timestamp(now)
            self._emit(msg_type, body, now, seq=message.seq,
                       header=[(43, "Y"), (122, original), *header])
            cursor = message.seq + 1
        if cursor <= end:
            self._gap_fill(cursor, end + 1, now)
        self._out.append(Event(f"Resent {begin}..{end}"))
        return self._flush()

    def _gap_fill(self, seq: int, new_seq: int, now: float) -> None:
        self._emit("4", sm.gap_fill_body(new_seq), now, seq=seq,
                   header=[(43, "Y"), (122, sm.timestamp(now))])

    def _logon_body(self, reset: bool) -> list[tuple[int, Value]]:
        body: list[tuple[int, Value]] = [(98, 0), (108, self.heartbeat_interval)]
        if reset:
            body.append((141, "Y"))
        if self.config.role is Role.INITIATOR:
            if self.config.username:
                body.append((553, self.config.username))
            if self.config.password:
                body.append((554, self.config.password))
        return body

    # ----------------------------------------------------------------- connection

    def connect(self, now: float) -> list[Action]:
        """A connection came up: an initiator sends its Logon."""
        self._move(Connected)
        self.connected_at = self.last_received = self.last_sent = now
        self.test_request_sent_at = None
        self.queue.clear()
        self.heartbeat_interval = self.config.heartbeat_interval
        self._out.append(Event("Connected"))
        if self.config.role is Role.INITIATOR:
            if self.config.reset_on_logon:
                self._new_epoch()
            self._emit("A", self._logon_body(self.config.reset_on_logon), now)
            self._move(LogonSent)
        return self._flush()

    def disconnected(self, reason: str) -> list[Action]:
        """The connection closed."""
        if self.connected:
            self._move(Disconnected)
            self._out.append(Event(f"Disconnected: {reason}"))
        self.queue.clear()
        return self._flush()

    def reset_numbers(self) -> list[Action]:
        """Start a new epoch at 1/1 (an operator's reset).

        Raises:
            InvalidTransition: the session is connected.
        """
        self._move(NumbersReset)
        self._new_epoch()
        self._out.append(Event("Sequence numbers reset by an operator"))
        return self._flush()

    def _new_epoch(self) -> None:
        self._set_numbers(next_in=1, next_out=1, epoch=self.numbers.epoch + 1)

    def logout(self, text: str, now: float) -> list[Action]:
        """Log out politely: send Logout and wait for the counterparty's."""
        if self.logged_on:
            self._logout(text, now, disconnect=False)
        elif self.connected and self.state is not SessionState.LOGOUT_SENT:
            self._disconnect(text)
        return self._flush()

    def garbled(self, item: Garbled, now: float) -> list[Action]:
        """Ignore garbled input (the spec says so); before Logon, drop the connection."""
        self.last_received = now
        self._out.append(Event(f"Garbled input ignored: {item.reason}"))
        if self.state in (SessionState.CONNECTED, SessionState.LOGON_SENT):
            self._disconnect(f"garbled Logon: {item.reason}")
        return self._flush()

    def tick(self, now: float) -> list[Action]:
        """Let time pass: logon and logout timeouts, heartbeats, TestRequest, dead peers."""
        state = self.state
        if state in (SessionState.CONNECTED, SessionState.LOGON_SENT):
            if now - self.connected_at >= self.config.logon_timeout:
                self._disconnect("no Logon in time")
        elif state is SessionState.LOGOUT_SENT:
            if now - self.logout_sent_at >= LOGOUT_TIMEOUT:
                self._disconnect("no answer to our Logout")
        elif self.logged_on and self.heartbeat_interval > 0:
            interval = self.heartbeat_interval
            silent = now - self.last_received
            if silent >= TIMEOUT_FACTOR * interval:
                self._disconnect(f"nothing received for {silent:.0f} s")
                return self._flush()
            if silent >= TEST_REQUEST_FACTOR * interval and self.test_request_sent_at is None:
                self._emit("1", [(112, "TEST")], now)
                self.test_request_sent_at = now
            # While our TestRequest is unanswered we stay quiet, as QuickFIX does.
            if now - self.last_sent >= interval and self.test_request_sent_at is None:
                self._emit("0", [], now)
        return self._flush()
