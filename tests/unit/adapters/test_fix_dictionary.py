"""Session-level checks against the FIX 4.2/4.4 data dictionaries (the acceptance suite's
14a-14i cases): each problem gives the SessionRejectReason and RefTagID the spec asks for."""

from __future__ import annotations

import pytest

from openoms.adapters.fix import dictionary as fd
from openoms.adapters.fix.codec import FixMessage, FixParser, Value, encode

HEADER: list[tuple[int, Value]] = [(49, "CLIENT"), (56, "OMS"), (34, 2),
                                   (52, "20261123-10:00:00.000")]
ORDER: list[tuple[int, Value]] = [(11, "A1"), (21, 1), (55, "AAPL"), (54, 1),
                                  (60, "20261123-10:00:00"), (38, 100), (40, 2), (44, "10.5")]


def _message(fields: list[tuple[int, Value]], msg_type: str = "D",
             version: str = "FIX.4.4") -> FixMessage:
    parser = FixParser()
    parser.feed(encode(version, msg_type, fields))
    [message] = list(parser)
    assert isinstance(message, FixMessage)
    return message


@pytest.mark.parametrize("version", ["FIX.4.2", "FIX.4.4"])
def test_well_formed_order_and_heartbeat_pass(version: str) -> None:
    d = fd.dictionary(version)
    assert d.check(_message(HEADER + ORDER, version=version)) is None
    assert d.check(_message(HEADER, "0", version)) is None
    assert d.is_admin("0") and not d.is_admin("D")


@pytest.mark.parametrize(("fields", "reason", "tag"), [
    (HEADER + ORDER + [(9999, "x")], fd.UNDEFINED_TAG, 9999),                      # 14a
    (HEADER + [(11, "A1"), (21, 1), (55, "AAPL"), (60, "20261123-10:00:00"), (38, 100),
               (40, 2)], fd.REQUIRED_TAG_MISSING, 54),                               # 14b
    (HEADER + ORDER + [(108, 30)], fd.TAG_NOT_DEFINED_FOR_MESSAGE, 108),           # 14c
    (HEADER + ORDER + [(58, "")], fd.TAG_WITHOUT_VALUE, 58),                         # 14d
    (HEADER + [(11, "A1"), (21, 1), (55, "AAPL"), (54, "Z"), (60, "20261123-10:00:00"),
               (38, 100), (40, 2)], fd.VALUE_OUT_OF_RANGE, 54),                      # 14e
    (HEADER + [(11, "A1"), (21, 1), (55, "AAPL"), (54, 1), (60, "20261123-10:00:00"),
               (38, "abc"), (40, 2)], fd.INCORRECT_DATA_FORMAT, 38),                 # 14f
    (HEADER + ORDER + [(49, "AGAIN")], fd.TAG_OUT_OF_ORDER, 49),                     # 14g
    (HEADER + ORDER + [(55, "MSFT")], fd.TAG_APPEARS_MORE_THAN_ONCE, 55),            # 14h
])
def test_problem_gives_reason_and_ref_tag(fields: list[tuple[int, Value]], reason: int,
                                          tag: int) -> None:
    problem = fd.dictionary("FIX.4.4").check(_message(fields))
    assert problem is not None and (problem.reason, problem.tag) == (reason, tag), problem


def test_repeating_group_count_must_match_its_instances() -> None:  # 14i
    d = fd.dictionary("FIX.4.4")
    parties = [(453, 2), (448, "BROKER1"), (447, "D"), (452, 1), (448, "CLIENT1"), (447, "D"),
               (452, 3)]
    assert d.check(_message(HEADER + ORDER + parties)) is None
    wrong = [(453, 3), *parties[1:]]
    problem = d.check(_message(HEADER + ORDER + wrong))
    assert problem is not None and (problem.reason, problem.tag) == (fd.INCORRECT_NUM_IN_GROUP,
                                                                      453)


def test_unknown_msg_type_is_invalid() -> None:
    problem = fd.dictionary("FIX.4.4").check(_message(HEADER, "ZZ"))
    assert problem is not None and (problem.reason, problem.tag) == (fd.INVALID_MSG_TYPE, 35)
