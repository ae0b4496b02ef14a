"""Fraud screening through the API: the blocklist holds a device, a lock gets its grace period,
repeats and velocity are flagged, the queue puts the worst first, and bad identifiers are
refused naming the field with nothing changed."""

from __future__ import annotations

from tests import auth
from tests.api.support import (
    SANITIZED,
    accepted,
    act,
    assert_error,
    finding,
    ok,
    read,
    received,
    record,
    snapshot,
)


def luhn_digit(body: str) -> str:
    """The check digit of 14 digits (computed here, not by the code under test)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return str((10 - total % 10) % 10)


def imei(serial: int, tac: str = "35209900") -> str:
    body = f"{tac}{serial:06d}"
    return body + luhn_digit(body)


def receive_with(client, tid: str, number: str):  # type: ignore[no-untyped-def]
    return act(client, tid, "receive", {"identifiers": {"imei": number}})


def screening(client, tid: str) -> dict:  # type: ignore[no-untyped-def]
    r = client.get(f"/trade-ins/{tid}/screening")
    assert r.status_code == 200, r.text
    return r.json()


def kinds(client, tid: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {f["kind"] for f in screening(client, tid)["flags"]}


def test_a_blocklisted_device_is_held_never_paid_until_a_person_clears_it(client, seeded):
    stolen = imei(176148)
    r = client.post("/blocklist", json={"imei": stolen, "reason": "stolen", "source": "police"})
    assert r.status_code == 201, r.text
    tid = accepted(client, pathway="in_store")
    spaced = f"{stolen[:2]} {stolen[2:8]} {stolen[8:14]} {stolen[14]}"
    assert receive_with(client, tid, spaced).status_code == 200
    s = screening(client, tid)
    assert s["held"] is True and s["identity"]["imei"] == spaced
    (flag,) = [f for f in s["flags"] if f["kind"] == "blocklisted"]
    assert flag["severity"] == "critical" and "stolen" in flag["reason"]
    assert [c["outcome"] for c in s["checks"]] == ["hit"]
    ok(client, tid, "inspect", {"condition": {**_answers()}})
    ok(client, tid, "sanitize", SANITIZED)
    before = snapshot(client, tid)
    assert_error(act(client, tid, "pay"), 409, "device_blocklisted")
    assert snapshot(client, tid) == before
    # Confirmed, it stays held; a flag is resolved once.
    r = client.post(f"/screening/flags/{flag['id']}/confirm", json={"reason": "police report"})
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    assert_error(
        client.post(f"/screening/flags/{flag['id']}/clear", json={"reason": "oops"}),
        409,
        "flag_already_resolved",
    )
    assert_error(act(client, tid, "pay"), 409, "device_blocklisted")
    actions = [e["action"] for e in read(client, tid)["custody"]]
    assert {"identify", "check", "flag", "flag_confirmed"} <= set(actions)


def test_a_cleared_blocklist_flag_lets_the_device_go_on(client, seeded):
    number = imei(5)
    client.post("/blocklist", json={"imei": number, "reason": "lost"})
    tid = accepted(client, pathway="in_store")
    receive_with(client, tid, number)
    (flag,) = screening(client, tid)["flags"][:1]
    r = client.post(f"/screening/flags/{flag['id']}/clear", json={"reason": "owner found it"})
    assert r.status_code == 200 and r.json()["resolved_by"] == "staff:admin@test.example"
    ok(client, tid, "inspect", {"condition": _answers()})
    ok(client, tid, "sanitize", SANITIZED)
    assert ok(client, tid, "pay")["payment"]["status"] == "paid"


def test_a_lock_gets_the_grace_period_then_the_device_is_rejected(client, seeded, clock):
    tid = received(client)
    locked = record(finding("back", "light_scratch", 3, 5.0), locks=["activation_lock"])
    ok(client, tid, "inspect", {"record": locked})
    t = read(client, tid)
    # The lock is the customer's to remove: it holds the device, it does not cut the offer.
    assert (t["state"], t["requote"]) == ("inspected", None)
    (flag,) = [f for f in screening(client, tid)["flags"] if f["kind"] == "locked"]
    assert flag["due_at"] == "2026-06-29T12:00:00Z" and "14 days" in flag["reason"]
    before = snapshot(client, tid)
    assert_error(act(client, tid, "sanitize", SANITIZED), 409, "device_locked")
    assert snapshot(client, tid) == before
    clock.advance(days=13)
    assert client.post("/trade-ins/expire-due").json()["locked_rejected"] == 0
    clock.advance(days=1)
    assert client.post("/trade-ins/expire-due").json()["locked_rejected"] == 1
    t = read(client, tid)
    assert (t["state"], t["custody"][-1]["action"]) == ("rejected", "reject")
    assert t["reason"].startswith("activation_locked")
    assert screening(client, tid)["flags"][0]["status"] == "confirmed"


def test_the_same_imei_in_two_open_trade_ins_is_flagged(client, seeded):
    number = imei(42)
    first, second = accepted(client, pathway="in_store"), accepted(client, pathway="in_store")
    receive_with(client, first, number)
    assert "duplicate_imei" not in kinds(client, first)
    receive_with(client, second, number)
    assert "duplicate_imei" in kinds(client, second)


def test_a_device_traded_again_within_the_window_is_flagged(client, seeded, clock):
    number = imei(77)
    first = accepted(client, pathway="in_store")
    receive_with(client, first, number)
    ok(client, first, "reject", {"reason": "other"})
    ok(client, first, "return")
    clock.advance(days=30)
    again = accepted(client, pathway="in_store")
    receive_with(client, again, number)
    assert {"recent_trade"} <= kinds(client, again) and "duplicate_imei" not in kinds(client, again)


def test_too_many_trade_ins_by_one_customer_are_flagged(client, anonymous, seeded):
    assert client.patch("/programs/acme", json={"velocity_max": 1}).status_code == 200
    contact = {"name": "Busy Seller", "email": "busy@example.com"}
    tids = []
    for n in range(2):
        tid = accepted(client, pathway="in_store")
        r = client.put(f"/trade-ins/{tid}/contact", json=contact)
        assert r.status_code == 200
        receive_with(client, tid, imei(100 + n))
        tids.append(tid)
    assert "velocity" not in kinds(client, tids[0])
    assert "velocity" in kinds(client, tids[1])


def test_the_queue_shows_the_worst_and_oldest_first(client, anonymous, seeded, sessions, clock):
    client.post("/blocklist", json={"imei": imei(1), "reason": "fraud"})
    older = accepted(client, pathway="in_store")
    receive_with(client, older, imei(9, tac="99999999"))  # unidentified: low
    clock.advance(hours=1)
    worst = accepted(client, pathway="in_store")
    receive_with(client, worst, imei(1))  # blocklisted: critical
    with sessions.begin() as s:
        receiver = auth.staff(s, "r@acme.example", {"acme": ["receiver"]})
    queue = anonymous.get("/screening/flags", headers=auth.bearer(receiver)).json()
    assert [f["severity"] for f in queue] == sorted(
        (f["severity"] for f in queue), key=["critical", "high", "medium", "low"].index
    )
    assert (queue[0]["trade_in_id"], queue[0]["kind"]) == (worst, "blocklisted")
    lows = [f for f in queue if f["severity"] == "low"]
    assert [f["trade_in_id"] for f in lows] == [older, worst]  # the older first
    # A receiver reads the queue but does not decide.
    r = anonymous.post(
        f"/screening/flags/{queue[0]['id']}/clear",
        json={"reason": "looks fine"},
        headers=auth.bearer(receiver),
    )
    assert_error(r, 403, "forbidden")


def test_a_bad_imei_is_refused_naming_the_problem_and_nothing_changes(client, seeded):
    tid = accepted(client, pathway="in_store")
    good = imei(3)
    wrong_digit = good[:-1] + str((int(good[-1]) + 1) % 10)
    cases = [wrong_digit, good[:-1], good + "0", good[:5] + "A" + good[6:]]
    before = snapshot(client, tid)
    for number in cases:
        r = receive_with(client, tid, number)
        body = assert_error(r, 422, "invalid_imei", field="imei")
        assert body["message"]
        assert snapshot(client, tid) == before
    assert client.get(f"/trade-ins/{tid}/screening").json()["identity"] is None


def test_an_unknown_tac_is_accepted_and_marked_unidentified(client, seeded):
    tid = accepted(client, pathway="in_store")
    assert receive_with(client, tid, imei(8, tac="99999998")).status_code == 200
    s = screening(client, tid)
    assert (s["identity"]["confidence"], s["held"]) == ("none", False)
    assert "unidentified" in {f["kind"] for f in s["flags"]}


def test_a_blocklist_file_with_a_bad_row_imports_nothing(client, seeded):
    good, bad = imei(11), imei(12)[:-1] + "X"
    text = f"imei,reason,note\n{good},stolen,\n{bad},lost,\n"
    r = client.post("/blocklist/import", content=text, headers={"content-type": "text/csv"})
    body = assert_error(r, 422, "blocklist_import_invalid")
    assert [e["line"] for e in body["details"]["errors"]] == [3]
    assert client.get("/blocklist").json() == []
    r = client.post(
        "/blocklist/import",
        content=f"imei,reason\n{good},stolen\n",
        headers={"content-type": "text/csv"},
    )
    assert r.json() == {"imported": 1}
    assert [e["imei"] for e in client.get("/blocklist").json()] == [good]


def _answers() -> dict:
    from tests import factories

    return factories.answers()


def test_a_model_other_than_declared_is_flagged_for_a_person_not_refused(client, seeded, sessions):
    from tests import factories

    with sessions.begin() as s:
        factories.pixel_tac(s)
    tid = accepted(client, pathway="in_store")  # declared: an iPhone 15
    assert receive_with(client, tid, imei(123, tac="35000001")).status_code == 200
    s = screening(client, tid)
    assert s["identity"]["identified_model_id"] == "google-pixel-8"
    (flag,) = [f for f in s["flags"] if f["kind"] == "model_mismatch"]
    assert "apple-iphone-15" in flag["reason"] and "google-pixel-8" in flag["reason"]
    assert read(client, tid)["state"] == "received"  # a flag, not a rejection


def test_an_imei_given_with_the_quote_is_screened_at_once(client, seeded):
    from tests.api.support import quote_body

    number = imei(55)
    client.post("/blocklist", json={"imei": number, "reason": "stolen"})
    r = client.post("/quotes", json={**quote_body(), "imei": number})
    assert r.status_code == 201, r.text
    tid = r.json()["trade_in_id"]
    s = screening(client, tid)
    assert s["held"] is True and s["identity"]["stage"] == "quote"
    assert client.get(f"/trade-ins/{tid}/custody/verify").json()["ok"] is True
