"""A box holding another device than the one declared: the inspector names the variant found,
it is priced as found at the date of the customer's quote, and the customer answers the
re-quote, whatever it is worth; declining sends the device back."""

from __future__ import annotations

from tests import factories
from tests.api.support import (
    PHONE,
    PHONE_256,
    TABLET,
    act,
    assert_error,
    expected_offer,
    ok,
    read,
    snapshot,
    start,
)


def received_as(client, sku: str) -> str:  # type: ignore[no-untyped-def]
    tid = start(client, sku)
    ok(client, tid, "accept", {"payout_method": "cash", "pathway": "in_store"})
    ok(client, tid, "receive")
    return tid


def cash(quote: dict) -> int:
    return next(o["amount"]["amount"] for o in quote["offers"] if o["method"] == "cash")


def test_a_cheaper_device_than_declared_is_re_quoted_as_found(client, seeded):
    tid = received_as(client, PHONE_256)
    assert read(client, tid)["payable"]["amount"] == expected_offer(PHONE_256)
    body = {"condition": factories.answers(), "variant_sku": PHONE}
    t = ok(client, tid, "inspect", body)
    assert (t["state"], t["variant_sku"]) == ("requote_offered", PHONE)
    assert cash(t["requote"]) == expected_offer(PHONE)
    custody = read(client, tid)["custody"]
    inspected = next(e for e in custody if e["action"] == "inspect")["data"]
    assert (inspected["declared_variant"], inspected["found_variant"]) == (PHONE_256, PHONE)
    assert (inspected["quoted"], inspected["found"]) == (
        expected_offer(PHONE_256),
        expected_offer(PHONE),
    )
    t = ok(client, tid, "accept-requote")
    assert (t["state"], t["payable"]["amount"]) == ("requote_accepted", expected_offer(PHONE))


def test_a_better_device_than_declared_is_re_quoted_too_and_may_be_declined(client, seeded):
    tid = received_as(client, PHONE)
    t = ok(client, tid, "inspect", {"condition": factories.answers(), "variant_sku": PHONE_256})
    assert t["state"] == "requote_offered"
    assert cash(t["requote"]) == expected_offer(PHONE_256) > expected_offer(PHONE)
    t = ok(client, tid, "decline-requote")
    assert t["state"] == "requote_declined"
    assert "return" in t["allowed_actions"]


def test_the_declared_variant_named_again_is_an_ordinary_inspection(client, seeded):
    tid = received_as(client, PHONE)
    t = ok(client, tid, "inspect", {"condition": factories.answers(), "variant_sku": PHONE})
    assert (t["state"], t["requote"]) == ("inspected", None)


def test_another_category_or_an_unknown_variant_is_refused_and_changes_nothing(client, seeded):
    tid = received_as(client, PHONE)
    before = snapshot(client, tid)
    tablet = act(client, tid, "inspect", {"condition": factories.answers(), "variant_sku": TABLET})
    body = assert_error(tablet, 422, "category_differs", field="variant_sku")
    assert "not the declared device" in body["message"]
    unknown = act(client, tid, "inspect", {"condition": factories.answers(), "variant_sku": "x-1"})
    assert unknown.status_code == 404 and unknown.json()["details"]["field"] == "variant_sku"
    assert snapshot(client, tid) == before
    assert read(client, tid)["variant_sku"] == PHONE
