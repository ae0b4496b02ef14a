"""The custody log over HTTP: one event per transition (two for an inspection that opens a
re-quote), each linked to the one before by its hash, and verification that notices a break."""

from sqlalchemy import text

from revalue.domain.fairness import sampled
from tests import factories
from tests.api.support import SANITIZED, act, ok, read, received, start

GENESIS = "0" * 64


def assert_chain(events: list[dict], trade_in_id: str) -> None:
    prev, prev_state = GENESIS, None
    for seq, event in enumerate(events, start=1):
        assert event["seq"] == seq
        assert event["prev_hash"] == prev
        assert event["from_state"] == prev_state
        assert len(event["hash"]) == 64 and event["hash"] != prev
        # The customer answers a re-quote through their link; staff (the admin) did the rest.
        by_customer = event["action"] in ("accept_requote", "decline_requote")
        actor = "customer" if by_customer else "staff:admin@test.example"
        assert (event["actor"], event["place"]) == (actor, "test-lab")
        prev, prev_state = event["hash"], event["to_state"]


def verify(client, tid: str) -> dict:
    r = client.get(f"/trade-ins/{tid}/custody/verify")
    assert r.status_code == 200, r.text
    return r.json()


def audit(client) -> dict:
    r = client.get("/audit/verify")
    assert r.status_code == 200, r.text
    return r.json()


def test_each_transition_adds_one_linked_event_and_a_requote_two(client, seeded, clock):
    tid = start(client)
    steps = [
        ("accept", {"payout_method": "cash", "pathway": "mail_in"}, ["accept"]),
        ("await-shipment", None, ["await_shipment"]),
        ("ship", {"carrier": "UPS"}, ["ship"]),
        ("receive", None, ["receive"]),
        (
            "inspect",
            {"condition": factories.answers(cosmetic="poor")},
            ["inspect", "offer_requote"],
        ),
        ("accept-requote", None, ["accept_requote"]),
        ("sanitize", SANITIZED, ["sanitize"]),
        ("pay", {"rail": "bank_transfer", "account": "GB33BUKB20201555555555"}, ["pay"]),
        ("dispose", {"route": "wholesale"}, ["dispose"]),
    ]
    events = read(client, tid)["custody"]
    assert [(e["action"], e["from_state"], e["to_state"]) for e in events] == [
        ("quote", None, "quoted")
    ]
    for endpoint, body, actions in steps:
        clock.advance(minutes=10)
        t = ok(client, tid, endpoint, body)
        now = read(client, tid)["custody"]
        assert len(now) == len(events) + len(actions), endpoint
        assert now[: len(events)] == events  # nothing earlier changed
        added = now[len(events) :]
        assert [e["action"] for e in added] == actions
        assert added[-1]["to_state"] == t["state"]
        assert all(e["occurred_at"] == clock.now.strftime("%Y-%m-%dT%H:%M:%SZ") for e in added)
        events = now
    assert_chain(events, tid)
    assert verify(client, tid) == {"trade_in_id": tid, "ok": True, "break": None}


def test_custody_events_carry_what_happened(client, seeded):
    tid = received(client, method="store_credit")
    t = ok(client, tid, "inspect", {"condition": factories.answers()})
    ok(client, tid, "sanitize", SANITIZED)
    t = ok(client, tid, "pay")
    events = {e["action"]: e for e in read(client, tid)["custody"]}
    quote_offers = {o["method"]: o["amount"]["amount"] for o in t["quote"]["offers"]}
    assert events["quote"]["data"] == {
        "quote_id": t["quote"]["id"],
        "offers": quote_offers,
        "currency": "USD",
        "grade": "B",
    }
    assert events["accept"]["data"] == {
        "quote_id": t["quote"]["id"],
        "payout_method": "store_credit",
        "pathway": "in_store",
        "amount": quote_offers["store_credit"],
        "currency": "USD",
    }
    assert events["inspect"]["data"] == {
        "grade": "B",
        "scale": None,  # a quick check: no record, so no grading scale
        "condition": factories.answers(),
        "quoted": quote_offers["store_credit"],
        "found": quote_offers["store_credit"],
        "outcome": "as_quoted",
        # The random sample for a second opinion is fixed by the trade-in's id.
        "second_opinion": "sampled" if sampled(tid, 500) else None,
    }
    assert events["sanitize"]["data"] == {
        **SANITIZED,
        "record_id": t["sanitization"]["record_id"],
        "media": 1,
        "tool": None,
        "source": "manual",
        "verification": "not_sampled",
    }
    assert events["pay"]["data"] == {
        "amount": t["payment"]["amount"],
        "currency": "USD",
        "method": "store_credit",
        "reference": t["payment"]["reference"],
        "status": "paid",
        "points": None,
    }


def test_a_requote_event_records_the_difference(client, seeded):
    tid = received(client)
    t = ok(client, tid, "inspect", {"condition": factories.answers(screen_cracked=True)})
    (event,) = [e for e in read(client, tid)["custody"] if e["action"] == "offer_requote"]
    quoted = t["payable"]["amount"]
    found = next(o["amount"]["amount"] for o in t["requote"]["offers"] if o["method"] == "cash")
    assert event["data"] == {
        "requote_id": t["requote"]["id"],
        "quoted": quoted,
        "found": found,
        "difference": found - quoted,
        "currency": "USD",
    }
    assert found < quoted


def test_a_refused_action_adds_no_event(client, seeded):
    tid = start(client)
    assert act(client, tid, "pay").status_code == 409
    assert act(client, tid, "accept", {"payout_method": "bitcoin"}).status_code == 422
    assert [e["action"] for e in read(client, tid)["custody"]] == ["quote"]
    assert audit(client)["events"] == 1


def test_audit_verify_counts_every_chain_and_event(client, seeded):
    assert audit(client) == {"ok": True, "chains": 0, "events": 0, "breaks": []}
    a = start(client)
    b = received(client)
    c = start(client)
    ok(client, c, "cancel")
    lengths = [len(read(client, tid)["custody"]) for tid in (a, b, c)]
    assert lengths == [1, 3, 2]
    assert audit(client) == {"ok": True, "chains": 3, "events": 6, "breaks": []}


def test_verification_notices_a_chain_whose_head_was_tampered_with(client, seeded, sessions):
    good, bad = start(client), received(client)
    with sessions.begin() as s:
        s.execute(text("UPDATE trade_ins SET last_seq = last_seq - 1 WHERE id = :id"), {"id": bad})
    report = verify(client, bad)
    assert report["ok"] is False
    brk = report["break"]
    assert (brk["trade_in_id"], brk["event_id"], brk["seq"]) == (bad, None, 3)
    assert "records 2 events" in brk["reason"]  # three events, but the head says two
    assert verify(client, good)["ok"] is True
    summary = audit(client)
    assert (summary["ok"], summary["chains"], summary["events"]) == (False, 2, 4)
    assert [b["trade_in_id"] for b in summary["breaks"]] == [bad]
