"""The portal's plain words: each custody event a customer sees becomes a sentence, the staff's
own working steps stay out, and an action nobody named still reads as words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from revalue.web import portal_words as words
from revalue.web import render


@pytest.mark.parametrize(
    ("action", "place", "data", "said"),
    [
        ("receive", "processing-center-1", {}, "Received at processing-center-1"),
        ("inspect", "lab", {"grade": "B"}, "Inspected: graded B by an inspector"),
        (
            "offer_requote",
            "lab",
            {"quoted": 18700, "found": 9500, "currency": "USD"},
            "We found a difference and made a new offer: 95.00 USD instead of 187.00 USD",
        ),
        ("sanitize", "lab", {"level": "purge"}, "Your data was erased (NIST purge)"),
        (
            "pay",
            "web",
            {"amount": 9600, "currency": "USD", "method": "store_credit", "points": None},
            "Paid: 96.00 USD as store credit",
        ),
        (
            "pay",
            "web",
            {"amount": 9600, "currency": "USD", "points": 9600},
            "Paid: 9,600 loyalty points",
        ),
        ("dispose", "lab", {"route": "wholesale"}, "Sent on for reuse"),
        ("dispose", "lab", {"route": "recycle"}, "Sent for responsible recycling"),
        ("sold", "web", {"price": 12812, "channel": "wholesale-tier1"}, "Found a new owner"),
        ("reject", "lab", {"reason": "not_declared_device"}, "Not accepted: not declared device"),
        ("something_new", "lab", {}, "Something new"),
    ],
)
def test_each_event_reads_as_a_sentence(action, place, data, said):
    assert words.sentence(action, place, data) == said


def test_the_staffs_own_steps_are_not_shown_to_the_customer():
    for action in ("check", "identify", "move", "photo", "listed", "qc_passed", "payout_held"):
        assert not words.shown(action)
    for action in ("receive", "sold", "something_new"):
        assert words.shown(action)


def test_times_read_as_day_month_year_and_utc():
    assert render.when(datetime(2026, 11, 6, 14, 5, tzinfo=UTC)) == "6 Nov 2026, 14:05 UTC"
    assert render.when(None) == ""


def test_quote_lines_name_payout_methods_in_words():
    assert words.plain_label("Bonus for store_credit: +10%") == "Bonus for store credit: +10%"
