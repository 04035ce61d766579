"""One FIX session as a pure state machine: messages and time in, actions out.

Like h11 for HTTP, ``Session`` never touches a socket, a clock or the disk: the gateway feeds
it the counterparty's messages, its timer's ticks and the application's sends, each with
``now`` (seconds since the epoch), and carries out the actions it returns (see
``session_states``): record numbers, write bytes once durable, deliver a message, fetch stored
messages for a resend, disconnect. This module holds what the counterparty's messages do:
Logon validation, MsgSeqNum checks (a gap is asked for and later messages are queued, then
processed in order), PossDup handling, SequenceReset, ResendRequest, TestRequest, Logout, and
session-level rejects of malformed messages. ``session_base`` holds the sending half.
"""

from __future__ import annotations

from openoms.adapters.fix import dictionary as fd
from openoms.adapters.fix import session_messages as sm
from openoms.adapters.fix.codec import FixMessage
from openoms.adapters.fix.config import Role
from openoms.adapters.fix.session_base import SessionBase
from openoms.adapters.fix.session_states import (
    Action,
    Deliver,
    Event,
    GapDetected,
    GapFilled,
    LoggedOn,
    LogonAccepted,
    Resend,
    SessionReset,
    SessionState,
)

__all__ = ["Session"]

INFINITY_42 = 999_999  # FIX 4.2 peers may ask for "all messages" with EndSeqNo 999999
_SEQ_CHECKED_ADMIN = frozenset({"0", "1", "3", "4"})
# SessionRejectReason (373) values the dictionary does not name.
COMP_ID_PROBLEM = 9
SENDING_TIME_ACCURACY = 10


class Session(SessionBase):
    """The session layer of one configured FIX session."""

    def receive(self, message: FixMessage, now: float) -> list[Action]:
        """Handle one message from the counterparty."""
        self.last_received = now
        self.test_request_sent_at = None
        if [tag for tag, _ in message.fields[:3]] != [8, 9, 35]:
            # Not recognisable as a FIX message: garbled, ignored, its number not consumed.
            self._out.append(Event("Message ignored: 8, 9, 35 are not the first three fields"))
        elif message.begin_string != self.config.begin_string:
            if self.logged_on:
                self._logout("Incorrect BeginString", now, disconnect=True)
            else:
                self._disconnect(f"wrong BeginString {message.begin_string!r}")
        elif self.state is SessionState.LOGOUT_SENT and message.msg_type == "5":
            self._out.append(Event("Logout confirmed"))
            self._disconnect("logged out")
        elif not self.logged_on and self.state is not SessionState.LOGOUT_SENT:
            self._before_logon(message, now)
        else:
            self._logged_on(message, now)
        return self._flush()

    def next_queued(self, now: float) -> list[Action] | None:
        """Process the next queued message if its turn has come; None when there is none."""
        if not self.queue:
            return None
        for seq in [seq for seq in self.queue if seq < self.numbers.next_in]:
            del self.queue[seq]  # filled by a gap fill or a reset meanwhile
        message = self.queue.pop(self.numbers.next_in, None)
        if message is None:
            if not self.queue and self.state is SessionState.RESENDING:
                self._gap_filled()
                return self._flush()
            return None
        if self.logged_on or self.state is SessionState.LOGOUT_SENT:
            if message.msg_type in ("A", "2"):  # already acted upon when it arrived
                self._set_numbers(next_in=self.numbers.next_in + 1)
            else:
                self._process(message, now)
        if not self.queue and self.state is SessionState.RESENDING:
            self._gap_filled()
        return self._flush()

    def _gap_filled(self) -> None:
        self._move(GapFilled)
        self._out.append(Event("Gap filled"))

    # ----------------------------------------------------------------- Logon

    def _before_logon(self, message: FixMessage, now: float) -> None:
        if message.msg_type != "A":
            if message.msg_type == "5":
                self._out.append(Event(f"Logout received: {message.text(58) or ''}"))
            self._disconnect(f"first message is {message.msg_type!r}, not Logon")
            return
        problem = self._logon_problem(message, now)
        if problem is not None:
            self._out.append(Event(f"Logon refused: {problem}"))
            self._disconnect(f"Logon refused: {problem}")
            return
        if not self._credentials_ok(message):
            self._out.append(Event("Logon refused: wrong username or password"))
            self._logout("Logon refused", now, disconnect=True)
            return
        self.heartbeat_interval = int(message.get(108) or b"0")
        asked_reset = message.get(141) == b"Y"
        if self.config.role is Role.ACCEPTOR and (asked_reset or self.config.reset_on_logon):
            self._new_epoch()
        self._accept_logon(message, now, reply=self.config.role is Role.ACCEPTOR,
                           reset=asked_reset)

    def _logon_problem(self, message: FixMessage, now: float) -> str | None:
        if self.config.validate:
            problem = self.dictionary.check(message)
            if problem is not None:
                return f"{problem.text} (tag {problem.tag})"
        if not self._comp_ids_ok(message):
            return "CompID problem"
        if not self._sending_time_ok(message, now):
            return "SendingTime accuracy problem"
        interval = message.get(108) or b""
        if not interval.isdigit():
            return "HeartBtInt (108) missing or negative"
        if sm.seq_of(message) is None:
            return "MsgSeqNum (34) missing"
        return None

    def _credentials_ok(self, message: FixMessage) -> bool:
        if self.config.role is not Role.ACCEPTOR:
            return True
        if self.config.username is not None and message.text(553) != self.config.username:
            return False
        return self.config.password is None or message.text(554) == self.config.password

    def _accept_logon(self, message: FixMessage, now: float, *, reply: bool,
                      reset: bool) -> None:
        seq = sm.seq_of(message) or 0
        if seq < self.numbers.next_in:
            self._logout(f"MsgSeqNum too low, expecting {self.numbers.next_in} but received "
                         f"{seq}", now, disconnect=True)
            return
        self._move(LogonAccepted)
        if reply:
            self._emit("A", self._logon_body(reset), now)
        self._out.append(Event(f"Logged on (HeartBtInt {self.heartbeat_interval})"))
        self._out.append(LoggedOn())
        if seq > self.numbers.next_in:
            self._gap(message, seq, now)
        else:
            self._set_numbers(next_in=seq + 1)

    # ----------------------------------------------------------------- logged on

    def _logged_on(self, message: FixMessage, now: float) -> None:
        seq = sm.seq_of(message)
        msg_type = message.msg_type
        if seq is None:
            self._logout("MsgSeqNum (34) missing", now, disconnect=True)
        elif msg_type == "5":
            self._out.append(Event(f"Logout received: {message.text(58) or ''}"))
            self._logout(None, now, disconnect=True)
            self._consume(seq)
        elif msg_type == "2":
            self._resend_request(message, seq, now)
        elif msg_type == "4" and message.get(123) != b"Y":
            self._sequence_reset(message, now)
        elif msg_type == "A":
            if self.logged_on:
                self._logon_while_logged_on(message, now)
        elif seq > self.numbers.next_in:
            self._gap(message, seq, now)
        elif seq < self.numbers.next_in:
            self._too_low(message, seq, now)
        else:
            self._process(message, now)

    def _consume(self, seq: int) -> None:
        if seq == self.numbers.next_in:
            self._set_numbers(next_in=seq + 1)

    def _gap(self, message: FixMessage, seq: int, now: float) -> None:
        """Queue a message from beyond a gap; ask for the gap unless we already did."""
        self.queue[seq] = message
        if self.state is SessionState.ACTIVE:
            begin = self.numbers.next_in
            self._emit("2", [(7, begin), (16, 0)], now)
            self._out.append(Event(f"Gap: expected {begin}, received {seq}; ResendRequest sent"))
            self._move(GapDetected)

    def _too_low(self, message: FixMessage, seq: int, now: float) -> None:
        if message.get(43) != b"Y":
            self._logout(f"MsgSeqNum too low, expecting {self.numbers.next_in} but received "
                         f"{seq}", now, disconnect=True)
            return
        original = message.get(122)
        if original is None:
            if message.msg_type != "4":
                self._reject(message, fd.REQUIRED_TAG_MISSING, 122, "Required tag missing", now)
            return
        sent = sm.parse_timestamp(message.get(52))
        original_at = sm.parse_timestamp(original)
        if sent is not None and original_at is not None and original_at > sent:
            self._reject(message, SENDING_TIME_ACCURACY, None,
                         "SendingTime accuracy problem", now)
            self._logout(None, now, disconnect=False)
        # Otherwise a duplicate we already processed: ignored.

    def _process(self, message: FixMessage, now: float) -> None:
        """Process a message whose MsgSeqNum is the expected one."""
        seq = self.numbers.next_in
        if not self._well_formed(message, now):
            return
        msg_type = message.msg_type
        if msg_type == "4":  # SequenceReset-GapFill
            new_seq = int(message.get(36) or b"0")
            if new_seq > seq:
                self._set_numbers(next_in=new_seq)
            elif new_seq < seq:
                self._reject(message, fd.VALUE_OUT_OF_RANGE, 36,
                             "Value is incorrect (out of range) for this tag", now)
            return
        self._set_numbers(next_in=seq + 1)
        if msg_type == "1":
            self._emit("0", [(112, message.get(112) or b"")], now)
        elif msg_type == "3":
            self._out.append(Event(f"Reject received for MsgSeqNum {message.text(45)}: "
                                   f"{message.text(58) or ''}"))
        elif msg_type not in _SEQ_CHECKED_ADMIN and not self.dictionary.is_admin(msg_type):
            self._out.append(Deliver(message))

    def _well_formed(self, message: FixMessage, now: float) -> bool:
        """Reject a malformed message (consuming its number); tell whether it is good."""
        if self.config.validate:
            problem = self.dictionary.check(message)
            if problem is not None:
                reason, text = problem.reason, problem.text
                if reason == fd.UNDEFINED_TAG:
                    # A tag no dictionary knows is "Invalid tag number" (0) to the FIX session
                    # test cases (14a) and to QuickFIX peers.
                    reason, text = fd.INVALID_TAG_NUMBER, "Invalid tag number"
                tag = problem.tag
                if reason == fd.INVALID_MSG_TYPE:
                    tag, text = None, "Invalid MsgType"  # 372 already names it
                self._reject(message, reason, tag, text, now)
                self._consume_rejected(message)
                return False
        if not self._comp_ids_ok(message):
            self._reject(message, COMP_ID_PROBLEM, None, "CompID problem", now)
            self._consume_rejected(message)
            self._logout(None, now, disconnect=False)
            return False
        if not self._sending_time_ok(message, now):
            self._reject(message, SENDING_TIME_ACCURACY, None, "SendingTime accuracy problem",
                         now)
            self._consume_rejected(message)
            self._logout(None, now, disconnect=False)
            return False
        return True

    def _consume_rejected(self, message: FixMessage) -> None:
        if message.msg_type != "4":  # a rejected SequenceReset does not move the numbers
            self._consume(sm.seq_of(message) or 0)

    def _comp_ids_ok(self, message: FixMessage) -> bool:
        return (message.text(49) == self.config.target_comp_id
                and message.text(56) == self.config.sender_comp_id)

    def _sending_time_ok(self, message: FixMessage, now: float) -> bool:
        sent = sm.parse_timestamp(message.get(52))
        return sent is not None and abs(sent - now) <= self.config.sending_time_tolerance

    def _resend_request(self, message: FixMessage, seq: int, now: float) -> None:
        """Answer a ResendRequest at once, whatever its number (QuickFIX does the same)."""
        if not self._well_formed(message, now):
            return
        begin = int(message.get(7) or b"0")
        end = int(message.get(16) or b"0")
        last = self.numbers.next_out - 1
        if end == 0 or end >= last or end == INFINITY_42:
            end = last
        self._out.append(Event(f"ResendRequest received for {begin}..{end}"))
        if 1 <= begin <= end:
            self._out.append(Resend(begin, end, self.numbers.epoch))
        if seq > self.numbers.next_in:
            # Its number is still ours to account for: queue it (next_queued consumes it in
            # turn) or a gap fill the counterparty sends over it later is taken for a duplicate
            # and the session waits forever.
            self._gap(message, seq, now)
        else:
            self._consume(seq)

    def _sequence_reset(self, message: FixMessage, now: float) -> None:
        """SequenceReset-Reset: the counterparty's numbers jump, whatever the MsgSeqNum."""
        if not self._well_formed(message, now):
            return
        new_seq = int(message.get(36) or b"0")
        if new_seq < self.numbers.next_in:
            self._reject(message, fd.VALUE_OUT_OF_RANGE, None,
                         "Value is incorrect (out of range) for this tag", now)
        elif new_seq > self.numbers.next_in:
            self._out.append(Event(f"SequenceReset to {new_seq}"))
            self._set_numbers(next_in=new_seq)

    def _logon_while_logged_on(self, message: FixMessage, now: float) -> None:
        if message.get(141) != b"Y":
            self._logout("Logon received while logged on", now, disconnect=True)
            return
        problem = self._logon_problem(message, now)
        if problem is not None:
            self._logout(f"Logon refused: {problem}", now, disconnect=True)
            return
        self._move(SessionReset)
        self.queue.clear()
        self._new_epoch()
        self.heartbeat_interval = int(message.get(108) or b"0")
        self._out.append(Event("Session reset by the counterparty (141=Y)"))
        if self.config.role is Role.ACCEPTOR:
            self._emit("A", self._logon_body(True), now)
        self._consume(sm.seq_of(message) or 0)

