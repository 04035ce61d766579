"""The pure FIX session: its transition table and what it answers, with no sockets or clocks."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest

from openoms.adapters.fix.codec import FixMessage, FixParser, Value, encode
from openoms.adapters.fix.config import Role, SessionConfig
from openoms.adapters.fix.journal import SessionNumbers, StoredMessage
from openoms.adapters.fix.session import Session
from openoms.adapters.fix.session_messages import timestamp
from openoms.adapters.fix.session_states import (
    TRANSITIONS,
    Action,
    Connected,
    Deliver,
    Disconnect,
    Disconnected,
    GapDetected,
    GapFilled,
    LoggedOn,
    LogonAccepted,
    LogonSent,
    LogoutSent,
    NumbersReset,
    Record,
    Resend,
    Send,
    SessionReset,
    SessionState,
)
from openoms.core.errors import InvalidTransition

NOW = 1_800_000_000.0
S = SessionState
EVENTS = (Connected, LogonSent, LogonAccepted, SessionReset, GapDetected, GapFilled, LogoutSent,
          Disconnected, NumbersReset)
EXPECTED = {
    (S.DISCONNECTED, Connected): S.CONNECTED, (S.DISCONNECTED, NumbersReset): S.DISCONNECTED,
    (S.CONNECTED, LogonSent): S.LOGON_SENT, (S.CONNECTED, LogonAccepted): S.ACTIVE,
    (S.LOGON_SENT, LogonAccepted): S.ACTIVE, (S.ACTIVE, GapDetected): S.RESENDING,
    (S.RESENDING, GapDetected): S.RESENDING, (S.RESENDING, GapFilled): S.ACTIVE,
    (S.ACTIVE, SessionReset): S.ACTIVE, (S.RESENDING, SessionReset): S.ACTIVE,
    (S.ACTIVE, LogoutSent): S.LOGOUT_SENT, (S.RESENDING, LogoutSent): S.LOGOUT_SENT,
    (S.LOGON_SENT, LogoutSent): S.LOGOUT_SENT,
    **{(state, Disconnected): S.DISCONNECTED
       for state in (S.CONNECTED, S.LOGON_SENT, S.ACTIVE, S.RESENDING, S.LOGOUT_SENT)},
}


@pytest.mark.parametrize(("state", "event"), list(itertools.product(SessionState, EVENTS)))
def test_transition_table_every_pair_is_allowed_or_refused_as_specified(
        state: SessionState, event: type) -> None:
    if (state, event) in EXPECTED:
        assert TRANSITIONS.next(state, event) is EXPECTED[(state, event)]
    else:
        with pytest.raises(InvalidTransition):
            TRANSITIONS.next(state, event)


def test_transition_table_every_state_reachable_from_disconnected() -> None:
    reached, frontier = {S.DISCONNECTED}, [S.DISCONNECTED]
    while frontier:
        state = frontier.pop()
        for event in EVENTS:
            if TRANSITIONS.allows(state, event):
                target = TRANSITIONS.next(state, event)
                assert isinstance(target, SessionState)
                if target not in reached:
                    reached.add(target)
                    frontier.append(target)
    assert reached == set(SessionState)


# ------------------------------------------------------------------------- helpers

def config(**changes: object) -> SessionConfig:
    settings: dict[str, object] = dict(begin_string="FIX.4.4", sender_comp_id="ISLD",
                                       target_comp_id="TW", heartbeat_interval=30)
    settings.update(changes)
    return SessionConfig(**settings)  # type: ignore[arg-type]


def message(msg_type: str, seq: int, body: Sequence[tuple[int, Value]] = (), *,
            at: float = NOW, header: Sequence[tuple[int, Value]] = (),
            sender: str = "TW") -> FixMessage:
    raw = encode("FIX.4.4", msg_type, [(34, seq), (49, sender), (52, timestamp(at)),
                                       (56, "ISLD"), *header, *body])
    parser = FixParser()
    parser.feed(raw)
    item = next(iter(parser))
    assert isinstance(item, FixMessage)
    return item


def sent(actions: list[Action]) -> list[FixMessage]:
    out = []
    for action in actions:
        if isinstance(action, Send):
            parser = FixParser()
            parser.feed(action.raw)
            item = next(iter(parser))
            assert isinstance(item, FixMessage)
            out.append(item)
    return out


def logged_on(**changes: object) -> Session:
    session = Session(config(**changes), SessionNumbers())
    session.connect(NOW)
    actions = session.receive(message("A", 1, [(98, 0), (108, 30)]), NOW)
    assert any(isinstance(a, LoggedOn) for a in actions)
    return session


ORDER: list[tuple[int, Value]] = [(11, "ID"), (21, 1), (40, 1), (54, 1), (55, "IBM"),
                                  (60, timestamp(NOW, millis=False))]


# ------------------------------------------------------------------------- logon

def test_logon_valid_replies_with_logon_and_goes_active() -> None:
    session = Session(config(), SessionNumbers())
    session.connect(NOW)
    actions = session.receive(message("A", 1, [(98, 0), (108, 30)]), NOW)
    reply = sent(actions)
    assert [m.msg_type for m in reply] == ["A"]
    assert reply[0].get(108) == b"30" and reply[0].get(34) == b"1"
    assert session.state is S.ACTIVE and session.numbers.next_in == 2
    assert isinstance(actions[0], Record)


def test_logon_wrong_comp_id_disconnects_without_reply() -> None:
    session = Session(config(), SessionNumbers())
    session.connect(NOW)
    actions = session.receive(message("A", 1, [(98, 0), (108, 30)], sender="XX"), NOW)
    assert sent(actions) == [] and any(isinstance(a, Disconnect) for a in actions)


def test_logon_bad_sending_time_disconnects_without_reply() -> None:
    session = Session(config(), SessionNumbers())
    session.connect(NOW)
    actions = session.receive(message("A", 1, [(98, 0), (108, 30)], at=NOW - 500), NOW)
    assert sent(actions) == [] and any(isinstance(a, Disconnect) for a in actions)


def test_logon_wrong_password_sends_logout_and_disconnects() -> None:
    session = Session(config(username="u", password="p"), SessionNumbers())
    session.connect(NOW)
    actions = session.receive(message("A", 1, [(98, 0), (108, 30), (553, "u"), (554, "x")]),
                              NOW)
    assert [m.msg_type for m in sent(actions)] == ["5"]
    assert any(isinstance(a, Disconnect) for a in actions) and not session.logged_on


def test_logon_first_message_not_logon_disconnects() -> None:
    session = Session(config(), SessionNumbers())
    session.connect(NOW)
    actions = session.receive(message("0", 1), NOW)
    assert any(isinstance(a, Disconnect) for a in actions) and sent(actions) == []


def test_logon_seq_too_high_accepts_then_sends_resend_request() -> None:
    session = Session(config(), SessionNumbers())
    session.connect(NOW)
    reply = sent(session.receive(message("A", 5, [(98, 0), (108, 30)]), NOW))
    assert [m.msg_type for m in reply] == ["A", "2"]
    assert reply[1].get(7) == b"1" and reply[1].get(16) == b"0"
    assert session.state is S.RESENDING


def test_logon_reset_on_logon_starts_new_epoch_at_one() -> None:
    session = Session(config(reset_on_logon=True), SessionNumbers(7, 9, 3))
    session.connect(NOW)
    reply = sent(session.receive(message("A", 1, [(98, 0), (108, 30)]), NOW))
    assert reply[0].get(34) == b"1"
    assert session.numbers == SessionNumbers(2, 2, 4)


def test_initiator_connect_sends_logon_and_waits() -> None:
    session = Session(config(role=Role.INITIATOR, port=1, username="u"), SessionNumbers())
    logon = sent(session.connect(NOW))
    assert logon[0].msg_type == "A" and logon[0].get(553) == b"u"
    assert session.state is S.LOGON_SENT
    session.receive(message("A", 1, [(98, 0), (108, 30)]), NOW)
    assert session.state is S.ACTIVE


# ------------------------------------------------------------------------- sequence numbers

def test_seq_too_high_queues_and_processes_in_order_after_gap_fill() -> None:
    session = logged_on()
    session.receive(message("D", 4, ORDER), NOW)
    assert session.state is S.RESENDING and 4 in session.queue
    delivered = [a for a in session.receive(message("D", 2, ORDER), NOW)
                 if isinstance(a, Deliver)]
    delivered += [a for a in session.receive(message("D", 3, ORDER), NOW)
                  if isinstance(a, Deliver)]
    while (actions := session.next_queued(NOW)) is not None:
        delivered += [a for a in actions if isinstance(a, Deliver)]
    assert [a.message.get(34) for a in delivered] == [b"2", b"3", b"4"]
    assert session.state is S.ACTIVE and session.numbers.next_in == 5


def test_resend_request_beyond_a_gap_is_answered_and_its_number_consumed_in_turn() -> None:
    """After a restart both sides ask for gaps: the peer's ResendRequest (4) and its gap fill
    over it (4 -> 6) must not leave us waiting for number 4 forever."""
    session = logged_on()
    session.receive(message("D", 3, ORDER), NOW)  # 2 missing: gap
    answered = session.receive(message("2", 4, [(7, 1), (16, 0)]), NOW)
    assert any(isinstance(a, Resend) for a in answered)
    session.receive(message("D", 6, ORDER), NOW)
    delivered = [a for a in session.receive(message("D", 2, ORDER, header=[
        (43, "Y"), (122, timestamp(NOW))]), NOW) if isinstance(a, Deliver)]
    while (actions := session.next_queued(NOW)) is not None:
        delivered += [a for a in actions if isinstance(a, Deliver)]
    gap_fill = message("4", 5, [(123, "Y"), (36, 6)], header=[(43, "Y"), (122, timestamp(NOW))])
    session.receive(gap_fill, NOW)  # covers 5 only: 4 was the ResendRequest itself
    while (actions := session.next_queued(NOW)) is not None:
        delivered += [a for a in actions if isinstance(a, Deliver)]
    assert [a.message.get(34) for a in delivered] == [b"2", b"3", b"6"]
    assert session.state is S.ACTIVE and session.numbers.next_in == 7


def test_seq_too_low_without_poss_dup_logs_out_and_disconnects() -> None:
    session = logged_on()
    session.receive(message("0", 2), NOW)
    actions = session.receive(message("0", 2), NOW)
    logout = sent(actions)[0]
    assert logout.msg_type == "5" and b"expecting 3 but received 2" in (logout.get(58) or b"")
    assert any(isinstance(a, Disconnect) for a in actions)


def test_seq_too_low_poss_dup_is_ignored() -> None:
    session = logged_on()
    session.receive(message("0", 2), NOW)
    actions = session.receive(message("0", 2, header=[(43, "Y"), (122, timestamp(NOW))]), NOW)
    assert sent(actions) == [] and session.numbers.next_in == 3


def test_seq_too_low_poss_dup_without_orig_sending_time_is_rejected() -> None:
    session = logged_on()
    session.receive(message("D", 2, ORDER), NOW)
    reject = sent(session.receive(message("D", 2, ORDER, header=[(43, "Y")]), NOW))[0]
    assert reject.msg_type == "3" and reject.get(371) == b"122" and reject.get(373) == b"1"


def test_seq_too_low_poss_dup_orig_after_sending_time_rejects_and_logs_out() -> None:
    session = logged_on()
    session.receive(message("D", 2, ORDER), NOW)
    later = timestamp(NOW + 10)
    out = sent(session.receive(message("D", 2, ORDER, header=[(43, "Y"), (122, later)]), NOW))
    assert [m.msg_type for m in out] == ["3", "5"] and out[0].get(373) == b"10"
    assert session.state is S.LOGOUT_SENT


def test_gap_fill_received_moves_next_in() -> None:
    session = logged_on()
    session.receive(message("4", 2, [(36, 20), (123, "Y")]), NOW)
    assert session.numbers.next_in == 20


def test_sequence_reset_lower_than_expected_is_rejected_without_ref_tag() -> None:
    session = logged_on()
    reject = sent(session.receive(message("4", 0, [(36, 1)]), NOW))[0]
    assert reject.msg_type == "3" and reject.get(373) == b"5" and reject.get(371) is None
    assert session.numbers.next_in == 2


# ------------------------------------------------------------------------- resend

def test_resend_request_answers_stored_messages_and_collapses_admin_into_gap_fills() -> None:
    session = logged_on()  # our Logon is 1
    session.receive(message("1", 2, [(112, "A")]), NOW)  # our Heartbeat 2
    session.receive(message("1", 3, [(112, "B")]), NOW)  # our Heartbeat 3
    record = session.send_application("D", ORDER, NOW)[0]  # our order 4
    assert isinstance(record, Record)
    session.receive(message("1", 4, [(112, "C")]), NOW)  # our Heartbeat 5
    request = session.receive(message("2", 5, [(7, 1), (16, 0)]), NOW)
    resend = next(a for a in request if isinstance(a, Resend))
    assert (resend.begin, resend.end) == (1, 5)
    out = sent(session.resend(resend.begin, resend.end, record.sent, NOW))
    assert [(m.msg_type, m.get(34), m.get(36)) for m in out] == [
        ("4", b"1", b"4"), ("D", b"4", None), ("4", b"5", b"6")]
    assert out[1].get(43) == b"Y" and out[1].get(122) is not None
    assert out[0].get(123) == b"Y" and session.numbers.next_out == 6


def test_send_application_while_disconnected_numbers_and_stores_without_sending() -> None:
    session = Session(config(), SessionNumbers())
    actions = session.send_application("8", [(37, "O1")], NOW)
    record = actions[0]
    assert isinstance(record, Record) and record.sent[0] == StoredMessage(
        1, "8", record.sent[0].raw)
    assert sent(actions) == [] and session.numbers.next_out == 2


# ------------------------------------------------------------------------- heartbeats

def test_tick_after_heartbeat_interval_sends_heartbeat() -> None:
    session = logged_on()
    session.receive(message("0", 2, at=NOW + 29), NOW + 29)
    assert [m.msg_type for m in sent(session.tick(NOW + 30))] == ["0"]


def test_tick_silent_peer_gets_test_request_then_disconnect() -> None:
    session = logged_on()
    assert [m.msg_type for m in sent(session.tick(NOW + 36))] == ["1"]
    assert sent(session.tick(NOW + 66)) == []  # quiet while the TestRequest is unanswered
    assert any(isinstance(a, Disconnect) for a in session.tick(NOW + 72))


def test_test_request_received_is_answered_with_its_id() -> None:
    session = logged_on()
    reply = sent(session.receive(message("1", 2, [(112, "HELLO")]), NOW))
    assert reply[0].msg_type == "0" and reply[0].get(112) == b"HELLO"


# ------------------------------------------------------------------------- rejects, logout

def test_malformed_message_is_rejected_with_reason_and_ref_tag() -> None:
    session = logged_on()
    reject = sent(session.receive(message("0", 2, [(55, "IBM")]), NOW))[0]
    assert (reject.get(45), reject.get(371), reject.get(372), reject.get(373)) == (
        b"2", b"55", b"0", b"2")
    assert session.numbers.next_in == 3


def test_reject_reverses_routing_fields() -> None:
    session = logged_on()
    bad = message("D", 2, [*ORDER[:2], (40, "w"), *ORDER[3:]], header=[(115, "JCD")])
    reject = sent(session.receive(bad, NOW))[0]
    assert reject.get(128) == b"JCD" and reject.get(115) is None


def test_comp_id_problem_rejects_then_logs_out() -> None:
    session = logged_on()
    out = sent(session.receive(message("0", 2, sender="WT"), NOW))
    assert [m.msg_type for m in out] == ["3", "5"] and out[0].get(373) == b"9"


def test_wrong_begin_string_logs_out_and_disconnects() -> None:
    session = logged_on()
    other = FixParser()
    other.feed(encode("FIX.4.1", "0", [(34, 2), (49, "TW"), (52, timestamp(NOW)), (56, "ISLD")]))
    actions = session.receive(next(iter(other)), NOW)  # type: ignore[arg-type]
    assert [m.msg_type for m in sent(actions)] == ["5"]
    assert any(isinstance(a, Disconnect) for a in actions)


def test_logout_received_is_answered_and_disconnects() -> None:
    session = logged_on()
    actions = session.receive(message("5", 2), NOW)
    assert [m.msg_type for m in sent(actions)] == ["5"]
    assert any(isinstance(a, Disconnect) for a in actions)


def test_application_message_is_delivered_once() -> None:
    session = logged_on()
    actions = session.receive(message("D", 2, ORDER), NOW)
    assert [type(a) for a in actions if isinstance(a, Deliver)] == [Deliver]


def test_reset_numbers_while_connected_is_refused() -> None:
    session = logged_on()
    with pytest.raises(InvalidTransition):
        session.reset_numbers()
    session.disconnected("test")
    session.reset_numbers()
    assert session.numbers == SessionNumbers(1, 1, 2)
