"""The carrier interface and the built-in carrier: tracking numbers with a check digit, the
event JSON parsed all or nothing, the registry; and the weight rule for weighed parcels."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revalue.domain.logistics import weight_flag
from revalue.logistics import carriers, labels
from revalue.logistics.carriers import RevaluePost, Status, luhn_digit

POST = RevaluePost()


def test_luhn_check_digits_are_the_textbook_ones():
    assert luhn_digit("7992739871") == "3"  # the classic example: 79927398713
    assert luhn_digit("0000000000") == "0"


def test_new_tracking_numbers_are_rv_ten_digits_and_a_check_digit():
    for _ in range(200):
        number = RevaluePost.new_tracking_number()
        assert number.startswith("RV") and len(number) == 13 and number[2:].isdigit()
        assert RevaluePost.valid_tracking_number(number)


@given(
    st.text(alphabet="0123456789", min_size=10, max_size=10), st.integers(0, 10), st.integers(1, 9)
)
def test_any_single_mistyped_digit_is_caught(digits: str, position: int, shift: int):
    number = f"RV{digits}{luhn_digit(digits)}"
    body = list(number[2:])
    body[position] = str((int(body[position]) + shift) % 10)
    assert not RevaluePost.valid_tracking_number("RV" + "".join(body))


# The last is eleven Arabic-Indic digits: digits to str.isdigit, but not ASCII ones.
@pytest.mark.parametrize(
    "value", ["RV123", "XX12345678903", "RV1234567890a", "RV" + "\u0661" * 11, ""]
)
def test_malformed_tracking_numbers_are_not_valid(value: str):
    assert not RevaluePost.valid_tracking_number(value)


def test_events_are_normalized_to_utc():
    (e,) = POST.parse_events(
        {
            "events": [
                {
                    "event_id": "ev-1",
                    "tracking_number": "RV79927398713",
                    "status": "in_transit",
                    "occurred_at": "2026-06-16T11:30:00+02:00",
                    "location": "Leeds hub",
                }
            ]
        }
    )
    assert (e.event_id, e.status, e.location) == ("ev-1", Status.IN_TRANSIT, "Leeds hub")
    assert e.occurred_at == datetime(2026, 6, 16, 9, 30, tzinfo=UTC)


def test_a_bad_event_anywhere_refuses_the_whole_delivery_naming_it():
    good = {"event_id": "a", "tracking_number": "RV79927398713", "status": "delivered",
            "occurred_at": "2026-06-16T09:30:00Z"}  # fmt: skip
    with pytest.raises(carriers.MalformedEvents) as caught:
        POST.parse_events({"events": [good, {**good, "event_id": ""}]})
    assert caught.value.details["field"] == "events[1].event_id"


def test_the_registry_names_what_it_knows():
    assert carriers.get("revalue-post") is carriers.REGISTRY["revalue-post"]
    with pytest.raises(carriers.CarrierNotFound) as caught:
        carriers.get("owl")
    assert caught.value.details == {"field": "carrier", "known": ["revalue-post"]}


def test_the_built_in_carrier_draws_no_label_of_its_own():
    label = POST.create_label(
        carriers.LabelRequest(
            shipment_id="shp_1", reference="t_1", sender=["A"], recipient=["B"], weight_g=350
        )
    )
    assert label.pdf is None and RevaluePost.valid_tracking_number(label.tracking_number)
    assert POST.label_pdf(label.tracking_number) is None


def test_a_label_renders_two_pages_for_an_inbound_parcel_and_one_for_a_kit():
    doc = labels.LabelDocument(
        carrier="revalue-post", service="", tracking_number="RV79927398713", shipment_id="shp_1",
        reference="t_1", sender=["Ada"], recipient=["Hub", "1 Road", "LS1 1AA Leeds", "GB"],
        tracking_url="https://x.example/trade-ins/t_1", weight_g=350,
    )  # fmt: skip
    inbound = labels.render(doc)
    assert inbound.startswith(b"%PDF") and inbound.count(b"/Type /Page\n") == 2
    kit = labels.render(labels.LabelDocument(**{**_fields(doc), "direction": "kit"}))
    assert kit.count(b"/Type /Page\n") == 1


def _fields(doc: labels.LabelDocument) -> dict:
    return {name: getattr(doc, name) for name in doc.__dataclass_fields__}


@pytest.mark.parametrize(
    ("declared", "weighed", "flag"),
    [
        (350, 350, None),
        (350, 470, None),  # within the tolerance, either way
        (350, 230, None),
        (350, 229, "weighed 229 g, declared 350 g: 121 g lighter (tolerance 120 g)"),
        (350, 2950, "weighed 2950 g, declared 350 g: 2600 g heavier (tolerance 120 g)"),
        (None, 50, None),  # nothing declared: nothing to compare
    ],
)
def test_a_weighed_parcel_is_flagged_beyond_the_tolerance(declared, weighed, flag):
    assert weight_flag(declared, weighed, 120) == flag


@given(st.integers(1, 50_000), st.integers(1, 50_000), st.integers(0, 5_000))
def test_the_weight_flag_is_raised_exactly_beyond_the_tolerance(declared, weighed, tolerance):
    assert (weight_flag(declared, weighed, tolerance) is None) == (
        abs(weighed - declared) <= tolerance
    )
