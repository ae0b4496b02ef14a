"""Lost in transit: the customer is never charged for the carrier's loss. With pay_quote the
trade-in is declared lost at once and paid as quoted; with investigate the claim waits for
staff, who resolve it lost (then paid as quoted) or found (the parcel continues)."""

from __future__ import annotations

from sqlalchemy import func, select

from revalue.logistics.models import TransitClaim
from tests import factories
from tests.api.support import PHONE, PROGRAM, assert_error, expected_offer, ok, read, snapshot
from tests.api.test_shipments_api import add_hub, event, label, mail_in, post_events

T0 = "2026-06-15T16:00:00Z"
CASH = expected_offer(PHONE)
CREDIT = expected_offer(PHONE, method="store_credit")


def shipped(client, sessions, *, method: str = "store_credit", **settings) -> tuple[str, dict]:
    add_hub(client, sessions, **settings)
    tid = mail_in(client, method=method)
    (parcel,) = label(client, tid)
    assert post_events(client, event(parcel["tracking_number"], "in_transit", T0, f"s-{tid}")) == [
        "applied"
    ]
    return tid, parcel


def claims(client) -> list[dict]:
    r = client.get(f"/programs/{PROGRAM}/claims")
    assert r.status_code == 200, r.text
    return r.json()


def test_a_parcel_the_carrier_lost_is_paid_as_quoted_at_once_under_pay_quote(
    client, seeded, sessions
):
    tid, parcel = shipped(client, sessions, loss_protection="pay_quote")
    lost = event(parcel["tracking_number"], "lost", "2026-06-18T10:00:00Z", "lost-1")
    assert post_events(client, lost) == ["applied"]
    t = read(client, tid)
    assert t["state"] == "lost_in_transit"
    assert (t["payable"]["amount"], t["payable"]["currency"]) == (CREDIT, "USD")
    (claim,) = claims(client)
    assert (claim["status"], claim["protection"], claim["shipment_id"]) == (
        "open",
        "pay_quote",
        parcel["id"],
    )
    assert (claim["amount"], claim["currency"], claim["trade_in_id"]) == (CREDIT, "USD", tid)
    assert claim["reason"] == "the carrier reported the parcel lost"
    last = t["custody"][-1]
    assert (last["action"], last["from_state"], last["to_state"]) == (
        "declare_lost",
        "in_transit",
        "lost_in_transit",
    )
    assert last["data"]["claim_id"] == claim["id"]
    (view,) = client.get(f"/trade-ins/{tid}/shipments").json()
    assert view["status"] == "lost"

    paid = ok(client, tid, "pay")
    assert (paid["payment"]["amount"], paid["payment"]["status"]) == (CREDIT, "paid")
    # The carrier's repeat of its message opens nothing more.
    assert post_events(client, lost) == ["duplicate"]
    assert len(claims(client)) == 1


def test_under_investigate_the_claim_waits_and_resolving_it_lost_pays_as_quoted(
    client, seeded, sessions, clock
):
    tid, _ = shipped(
        client, sessions, method="cash", loss_protection="investigate", transit_loss_days=10
    )
    clock.advance(days=10)  # exactly the days: not yet suspected
    swept = client.post(f"/programs/{PROGRAM}/logistics/sweep").json()
    assert swept["claims_opened"] == []
    clock.advance(hours=5)
    swept = client.post(f"/programs/{PROGRAM}/logistics/sweep").json()
    (claim,) = claims(client)
    assert swept["claims_opened"] == [claim["id"]]
    assert (claim["status"], claim["protection"], claim["amount"]) == ("open", "investigate", CASH)
    assert claim["reason"] == "in transit since 2026-06-15, more than 10 days"
    t = read(client, tid)
    assert t["state"] == "in_transit" and t["custody"][-1]["action"] == "claim_opened"
    assert_error(client.post(f"/trade-ins/{tid}/pay"), 409, "not_payable")
    # Sweeping again opens no second claim.
    assert client.post(f"/programs/{PROGRAM}/logistics/sweep").json()["claims_opened"] == []

    r = client.post(
        f"/claims/{claim['id']}/resolve",
        json={"outcome": "lost", "note": "search failed", "carrier_reference": "CLM-77"},
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["status"], done["carrier_reference"], done["note"]) == (
        "lost",
        "CLM-77",
        "search failed",
    )
    assert done["resolved_by"].startswith("staff:")
    assert read(client, tid)["state"] == "lost_in_transit"
    paid = ok(client, tid, "pay", {"rail": "bank_transfer", "account": "GB33BUKB20201555555555"})
    assert paid["payment"]["amount"] == CASH

    before = snapshot(client, tid)
    again = client.post(f"/claims/{claim['id']}/resolve", json={"outcome": "found"})
    assert_error(again, 409, "claim_resolved")
    assert snapshot(client, tid) == before


def test_a_claim_resolved_found_leaves_the_parcel_on_its_way(client, seeded, sessions, clock):
    tid, parcel = shipped(client, sessions, loss_protection="investigate", transit_loss_days=3)
    clock.advance(days=4)
    client.post(f"/programs/{PROGRAM}/logistics/sweep")
    (claim,) = claims(client)
    before = snapshot(client, tid)
    r = client.post(f"/claims/{claim['id']}/resolve", json={"outcome": "stolen"})
    assert_error(r, 422, "validation_error", field="outcome")
    assert snapshot(client, tid) == before and claims(client) == [claim]
    r = client.post(f"/claims/{claim['id']}/resolve", json={"outcome": "found"})
    assert r.json()["status"] == "found"
    t = read(client, tid)
    assert t["state"] == "in_transit"
    assert (t["custody"][-1]["action"], t["custody"][-1]["data"]["outcome"]) == (
        "claim_resolved",
        "found",
    )
    assert post_events(
        client, event(parcel["tracking_number"], "delivered", "2026-06-20T09:00:00Z", "f1")
    ) == ["applied"]
    assert ok(client, tid, "receive")["state"] == "received"


def test_a_parcel_declared_lost_that_turns_up_is_received_and_its_claim_reviewed(
    client, seeded, sessions
):
    tid, parcel = shipped(client, sessions, loss_protection="pay_quote")
    tn = parcel["tracking_number"]
    post_events(client, event(tn, "lost", "2026-06-18T10:00:00Z", "l1"))
    ok(client, tid, "pay")
    assert post_events(client, event(tn, "delivered", "2026-06-25T10:00:00Z", "l2")) == ["review"]
    (claim,) = claims(client)
    assert claim["status"] == "review"
    assert "delivered (l2) after the loss" in claim["note"]
    t = read(client, tid)
    assert (t["state"], t["custody"][-1]["action"]) == ("lost_in_transit", "scan_after_loss")
    # The lifecycle takes a device back from lost_in_transit; the customer keeps the payout.
    received = ok(client, tid, "receive")
    assert received["state"] == "received"
    assert received["payment"]["amount"] == CREDIT
    r = client.post(f"/claims/{claim['id']}/resolve", json={"outcome": "found"})
    assert r.status_code == 200 and r.json()["status"] == "found"
    # Found worse than declared, the quote stands all the same: the customer was owed it from
    # the loss on, and has it.
    worse = factories.answers(screen_cracked=True)
    t = ok(client, tid, "inspect", {"condition": worse})
    assert (t["state"], t["requote"]) == ("inspected", None)
    assert read(client, tid)["custody"][-1]["data"]["outcome"] == "honoured"
    assert t["payable"]["amount"] == CREDIT


def test_a_parcel_never_shipped_gets_no_transit_claim(client, seeded, sessions, clock):
    add_hub(client, sessions, transit_loss_days=2)
    tid = mail_in(client)
    label(client, tid)
    clock.advance(days=5)
    swept = client.post(f"/programs/{PROGRAM}/logistics/sweep").json()
    assert swept["claims_opened"] == []
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(TransitClaim)) == 0


def test_resolving_needs_a_known_claim(client, seeded, sessions):
    assert_error(
        client.post("/claims/clm_nothing/resolve", json={"outcome": "lost"}),
        404,
        "claim_not_found",
    )
