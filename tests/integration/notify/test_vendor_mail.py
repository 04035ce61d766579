"""A vendor's purchase-order mail is written directly when it is plain (one ASCII text part,
nothing to quote, encode or fold), and by the email package otherwise: either way the message
is, byte for byte, the one the email package makes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openoms.adapters.notify.vendors import _mail, _mime_mail, _plain_mail

WHEN = datetime(2026, 11, 23, 17, 5, 9, tzinfo=UTC)
TEXT = ("Purchase order R12-3 from OPENOMS (our order R12).\n\nPlease ship directly to our "
        "customer:\n  Ann Example\n  1 Main St\n  Anytown, MN 55000\n  US\n\n"
        "Line  Your item  Our SKU   Description  Qty  Unit cost\n"
        "1     V-1500     SKU01500  Lamp         3    12.50\n\nTotal units: 3\n\n"
        "Please acknowledge this purchase order and send the carrier and tracking\n"
        "number when it ships. Quote the purchase order number in every reply.")


def _both(sender: str = "orders@shop.example", to: str = "po@vend0.example",
          subject: str = "Purchase order R12-3", text: str = TEXT,
          mid: str = "oms-1234-po-R12-3-email", when: datetime = WHEN) -> tuple[str, str]:
    """The message as _mail writes it and as the email package does (or the name of the
    error each raises)."""
    def outcome(write: Callable[..., str]) -> str:
        try:
            return write(sender, to, subject, text, mid, when, None)
        except Exception as exc:  # the email package refuses some addresses
            return type(exc).__name__

    return outcome(_mail), outcome(_mime_mail)


def test_vendor_mail_plain_purchase_order_written_directly_same_bytes() -> None:
    direct, package = _both()
    assert direct == package
    domain = "shop.example"
    assert _plain_mail("orders@shop.example", "po@vend0.example", "Purchase order R12-3", TEXT,
                       "oms-1234-po-R12-3-email", domain, "Mon, 23 Nov 2026 17:05:09 +0000") \
        == package


@pytest.mark.parametrize("case", [
    {"text": ""},
    {"text": "one line"},
    {"text": "ends with blank lines\n\n"},
    {"text": "\nstarts with one"},
    {"text": "a line of exactly seventy-eight characters ............................ 78"},
    {"text": "a line of seventy-nine characters, one too many for 7bit ................. 79"},
    {"text": "Please acknowledge this purchase order and send the carrier and tracking number "
             "when it ships."},
    {"text": "tab\tinside"},
    {"text": "short lines\nonly: 7bit"},
    {"text": "=" * 200},
    {"text": "\n".join(["a long line that needs soft line breaks, " * 3] * 12)},
    {"text": "carriage\rreturn and crlf\r\nmixed"},
    {"text": "form\x0cfeed"},
    {"text": "Gr\u00fc\u00dfe aus M\u00fcnchen"},
    {"subject": "Purchase order R12-3 changed: units canceled"},
    {"subject": "Purchase order " + "R" * 58},
    {"subject": "Purchase order " + "R" * 70},
    {"subject": "=?utf-8?q?looks_encoded?="},
    {"subject": "two  spaces"},
    {"subject": " leading space"},
    {"subject": "Bestellung f\u00fcr Sie"},
    {"to": "Vendor Zero <po@vend0.example>"},
    {"to": "first.last+po@vend0.example"},
    {"to": "a..b@vend0.example"},
    {"to": "\"quoted local\"@vend0.example"},
    {"sender": "no-at-sign"},
    {"sender": "OpenOMS <orders@shop.example>"},
    {"mid": "oms-1234-po-R12-3-email-" + "x" * 60},
    {"when": datetime(2026, 7, 1, 8, 0, tzinfo=timezone(timedelta(hours=-5)))},
])
def test_vendor_mail_any_input_same_bytes_as_email_package(case: dict[str, object]) -> None:
    direct, package = _both(**case)  # type: ignore[arg-type]
    assert direct == package


_TEXTY = st.text(st.sampled_from("ab Z09.,:-=?@<>\"'\t\r\n\u00e9\u2028"), max_size=120)


@settings(max_examples=300, deadline=None)
@given(subject=_TEXTY, text=_TEXTY,
       to=st.sampled_from(["po@vend0.example", "x.y@a-b.example", "bad@", "@bad", "a b@c.d"]))
def test_vendor_mail_random_text_same_bytes_as_email_package(subject: str, text: str,
                                                             to: str) -> None:
    direct, package = _both(subject=subject, text=text, to=to)
    assert direct == package
