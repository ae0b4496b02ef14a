"""``Idempotency-Key``: a repeated write gets the first response back and changes nothing; the
same key with another body is refused; a refused write records no key."""

from sqlalchemy import func, select

from revalue.http.models import IdempotencyRecord
from revalue.tradeins.models import Payment
from tests import factories
from tests.api.support import (
    PHONE,
    PIXEL,
    accepted,
    act,
    assert_error,
    ok,
    quote_body,
    read,
    sanitized,
    snapshot,
    start,
    trade_in_total,
)
from tests.auth import bearer

REPLAYED = "Idempotent-Replayed"


def key(value: str) -> dict:
    return {"Idempotency-Key": value}


def test_a_repeated_quote_returns_the_same_quote_and_opens_one_trade_in(
    client, seeded, clock, sessions
):
    first = client.post("/quotes", json=quote_body(), headers=key("quote-1"))
    assert first.status_code == 201, first.text
    assert REPLAYED not in first.headers
    clock.advance(days=40)  # even when prices and age have moved on since
    again = client.post("/quotes", json=quote_body(), headers=key("quote-1"))
    assert again.status_code == 201
    assert again.headers[REPLAYED] == "true"
    link = ("customer_token", "customer_link_expires_at")
    a, b = first.json(), again.json()
    assert {k: v for k, v in b.items() if k not in link} == {
        k: v for k, v in a.items() if k not in link
    }
    assert b["quote"]["id"] == a["quote"]["id"]
    assert trade_in_total(client) == 1
    # The link is a secret shown once: the replay carries a fresh one, not a stored copy, and
    # both open the same trade-in.
    assert b["customer_token"] != a["customer_token"]
    for token in (a["customer_token"], b["customer_token"]):
        r = client.get(f"/trade-ins/{a['trade_in_id']}", headers=bearer(token))
        assert r.status_code == 200, r.text
    with sessions() as s:
        stored = s.scalars(select(IdempotencyRecord)).all()
    assert stored and all("customer_token" not in r.body for r in stored)


def test_quotes_without_a_key_are_separate(client, seeded):
    a = client.post("/quotes", json=quote_body())
    b = client.post("/quotes", json=quote_body())
    assert a.json()["trade_in_id"] != b.json()["trade_in_id"]
    assert trade_in_total(client) == 2


def test_a_key_reused_with_another_body_is_refused(client, seeded):
    first = client.post("/quotes", json=quote_body(PHONE), headers=key("k"))
    assert first.status_code == 201
    r = client.post("/quotes", json=quote_body(PIXEL), headers=key("k"))
    assert_error(r, 409, "idempotency_key_reused", field="Idempotency-Key")
    r = client.post("/quotes", json=quote_body(PHONE, cosmetic="fair"), headers=key("k"))
    assert_error(r, 409, "idempotency_key_reused")
    assert trade_in_total(client) == 1


def test_the_same_key_on_another_route_is_another_request(client, seeded):
    tid = client.post("/quotes", json=quote_body(), headers=key("shared")).json()["trade_in_id"]
    body = {"payout_method": "cash", "pathway": "in_store"}
    r = act(client, tid, "accept", body, headers=key("shared"))
    assert r.status_code == 200
    assert REPLAYED not in r.headers
    assert r.json()["state"] == "accepted"


def test_a_repeated_lifecycle_action_replays_instead_of_conflicting(client, seeded):
    tid = start(client)
    body = {"payout_method": "store_credit", "pathway": "mail_in"}
    first = act(client, tid, "accept", body, headers=key("accept-1"))
    assert first.status_code == 200
    before = snapshot(client, tid)
    again = act(client, tid, "accept", body, headers=key("accept-1"))
    assert again.status_code == 200  # not 409: the customer's retry gets its answer
    assert again.headers[REPLAYED] == "true"
    assert again.json() == first.json()
    assert snapshot(client, tid) == before
    assert_error(act(client, tid, "accept", body), 409, "illegal_transition")  # without a key


def test_a_lifecycle_key_reused_with_another_body_is_refused(client, seeded):
    tid = start(client)
    act(client, tid, "accept", {"payout_method": "cash", "pathway": "mail_in"}, headers=key("a"))
    before = snapshot(client, tid)
    r = act(client, tid, "accept", {"payout_method": "cash", "pathway": "kiosk"}, headers=key("a"))
    assert_error(r, 409, "idempotency_key_reused")
    assert snapshot(client, tid) == before


def test_a_repeated_payment_replays_and_pays_once(client, seeded, sessions):
    tid = sanitized(client)
    first = act(client, tid, "pay", headers=key("pay-1"))
    assert first.status_code == 200
    before = snapshot(client, tid)
    again = act(client, tid, "pay", headers=key("pay-1"))
    assert again.status_code == 200
    assert again.headers[REPLAYED] == "true"
    assert again.json()["payment"] == first.json()["payment"]
    assert snapshot(client, tid) == before
    with sessions() as s:
        assert s.scalar(select(func.count()).where(Payment.trade_in_id == tid)) == 1


def test_an_action_with_an_optional_body_replays_with_or_without_it(client, seeded):
    tid = accepted(client, pathway="in_store")
    first = act(client, tid, "receive", headers=key("r"))
    assert first.status_code == 200
    again = act(client, tid, "receive", {}, headers=key("r"))  # the same empty note
    assert again.status_code == 200
    assert again.headers[REPLAYED] == "true"
    assert len(read(client, tid)["custody"]) == 3


def test_a_refused_write_records_no_key(client, seeded):
    tid = accepted(client, pathway="in_store")
    inspect = {"condition": factories.answers()}
    assert_error(act(client, tid, "inspect", inspect, headers=key("i")), 409, "illegal_transition")
    ok(client, tid, "receive")
    r = act(client, tid, "inspect", inspect, headers=key("i"))
    assert r.status_code == 200  # performed now, not a replay of the refusal
    assert REPLAYED not in r.headers
    assert r.json()["state"] == "inspected"


def test_a_malformed_key_is_refused_and_nothing_is_written(client, seeded):
    for bad in ("x" * 201, "tab\tkey"):
        r = client.post("/quotes", json=quote_body(), headers=key(bad))
        assert_error(r, 422, "invalid_idempotency_key", field="Idempotency-Key")
    assert trade_in_total(client) == 0
    r = client.post("/quotes", json=quote_body(), headers=key("x" * 200))
    assert r.status_code == 201


def test_a_repeated_program_creation_replays_its_201(client):
    body = factories.program_in(id="beta").model_dump(mode="json")
    first = client.post("/programs", json=body, headers=key("p"))
    assert first.status_code == 201
    again = client.post("/programs", json=body, headers=key("p"))
    assert again.status_code == 201  # not 409 program_exists
    assert again.headers[REPLAYED] == "true"
    assert again.json() == first.json()
    assert_error(client.post("/programs", json=body), 409, "program_exists")


def test_a_repeated_price_update_replays_without_another_version(client, seeded):
    body = {"prices": [{"variant_sku": PHONE, "amount": 30000}]}
    first = client.put("/programs/acme/prices", json=body, headers=key("prices"))
    assert first.status_code == 200
    again = client.put("/programs/acme/prices", json=body, headers=key("prices"))
    assert again.headers[REPLAYED] == "true"
    assert again.json() == first.json()
    assert client.get("/programs/acme").json()["version"] == first.json()["version"]


def test_a_repeated_catalog_import_replays_and_another_file_is_refused(client, seeded):
    row = factories.CATALOG_CSV.splitlines()[1].replace("799.00", "749.00")
    text = "\n".join((factories.CATALOG_CSV.splitlines()[0], row)) + "\n"
    headers = {"content-type": "text/csv", **key("import")}
    first = client.post("/catalog/import", content=text, headers=headers)
    assert first.status_code == 200
    again = client.post("/catalog/import", content=text, headers=headers)
    assert again.headers[REPLAYED] == "true"
    assert again.json() == first.json()
    other = client.post("/catalog/import", content=text.replace("749", "700"), headers=headers)
    assert_error(other, 409, "idempotency_key_reused")
    r = client.post("/catalog/import", content=text, headers=headers, params={"skip_invalid": 1})
    assert_error(r, 409, "idempotency_key_reused")  # the query is part of the request
    assert client.get(f"/catalog/variants/{PHONE}").json()["launch_price"] == 74900


def test_a_repeated_expire_due_replays_and_expires_nothing_new(client, seeded, clock):
    first_tid = start(client)
    clock.advance(days=15)
    first = client.post("/trade-ins/expire-due", headers=key("nightly"))
    assert first.json() == {"expired": 1, "lapsed": 0, "locked_rejected": 0}
    second_tid = start(client)
    clock.advance(days=15)
    again = client.post("/trade-ins/expire-due", headers=key("nightly"))
    assert again.headers[REPLAYED] == "true"
    assert again.json() == {"expired": 1, "lapsed": 0, "locked_rejected": 0}
    assert read(client, first_tid)["state"] == "expired"
    assert read(client, second_tid)["state"] == "quoted"
