"""Details of the API contract: what is owed, what may be done next, how times and lists read."""

from revalue.programs.models import Program
from tests import factories
from tests.api.support import (
    accepted,
    assert_error,
    ok,
    paid,
    read,
    received,
    rejected,
    requote_offered,
    start,
)


def test_payable_is_what_is_owed_and_nothing_once_the_deal_is_off(client, seeded):
    quoted = start(client)
    assert read(client, quoted)["payable"] is None
    cancelled = accepted(client)
    owed = read(client, cancelled)["payable"]
    assert owed["amount"] > 0
    ok(client, cancelled, "cancel")
    assert read(client, cancelled)["payable"] is None
    returned = rejected(client)
    assert read(client, returned)["payable"] is None
    ok(client, returned, "return")
    assert read(client, returned)["payable"] is None
    recycled = rejected(client)
    ok(client, recycled, "dispose", {"route": "recycle"})
    assert read(client, recycled)["payable"] is None


def test_payable_after_disposal_is_the_payment(client, seeded):
    tid = paid(client)
    ok(client, tid, "dispose", {"route": "refurbish_resell"})
    t = read(client, tid)
    assert t["payable"]["amount"] == t["payment"]["amount"] > 0


def test_a_declined_requote_owes_nothing(client, seeded):
    tid = requote_offered(client)
    offered = read(client, tid)
    assert offered["payable"]["amount"] == offered["quote"]["offers"][0]["amount"]["amount"]
    ok(client, tid, "decline-requote")
    assert read(client, tid)["payable"] is None


def test_allowed_actions_are_the_callable_next_steps_for_the_pathway(client, seeded):
    by_mail = accepted(client, pathway="mail_in")
    assert read(client, by_mail)["allowed_actions"] == ["await_shipment", "cancel", "expire"]
    body = assert_error(client.post(f"/trade-ins/{by_mail}/receive"), 409, "illegal_transition")
    assert body["details"]["allowed"] == ["await_shipment", "cancel", "expire"]
    in_store = accepted(client, pathway="in_store")
    assert read(client, in_store)["allowed_actions"] == ["cancel", "receive"]
    inspected = received(client)
    ok(client, inspected, "inspect", {"condition": factories.answers()})
    assert read(client, inspected)["allowed_actions"] == ["reject", "sanitize", "second_opinion"]


def test_promotion_times_come_back_in_utc(client, seeded):
    r = client.post(
        "/programs/acme/promotions",
        json={
            "name": "Tokyo",
            "amount": 100,
            "starts_at": "2026-06-01T09:00:00+09:00",
            "ends_at": "2026-07-01T00:00:00+09:00",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["starts_at"] == "2026-06-01T00:00:00Z"
    assert r.json()["ends_at"] == "2026-06-30T15:00:00Z"


def test_duplicate_payout_methods_are_refused_naming_the_field(client, seeded):
    twice = [{"method": "cash"}, {"method": "cash", "bonus_bp": 100}]
    r = client.patch("/programs/acme", json={"payout_options": twice})
    assert_error(r, 422, "validation_error", field="payout_options")
    body = factories.program_in(id="other").model_dump(mode="json")
    r = client.post("/programs", json={**body, "payout_options": twice})
    assert_error(r, 422, "validation_error", field="payout_options")
    assert client.get("/programs/other").status_code == 404


def test_models_are_listed_by_brand_and_name_ignoring_case(client, seeded):
    names = [(m["brand"], m["name"]) for m in client.get("/catalog/models").json()]
    assert names == sorted(names, key=lambda bn: (bn[0].lower(), bn[1].lower()))
    assert names.index(("Apple", "iPad (10th generation)")) < names.index(
        ("Apple", "MacBook Air 13 (M2)")
    )


def test_reads_are_answered_while_a_write_is_open_and_see_only_committed_data(
    client, seeded, sessions
):
    with sessions.begin() as writer:  # a write transaction holds the lock meanwhile
        writer.get(Program, "acme").name = "Renamed, not yet committed"
        writer.flush()
        r = client.get("/programs/acme")
        assert r.status_code == 200, r.text
        assert r.json()["name"] == "Acme Trade-In"
    assert client.get("/programs/acme").json()["name"] == "Renamed, not yet committed"
