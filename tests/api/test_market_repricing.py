"""Market price feeds, resale estimates, and the price book regenerated from them with review."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from revalue.domain.access import Role
from revalue.recovery.models import MarketPrice, PriceBookProposal, ResaleEstimate
from tests import auth, factories
from tests import recovery_factories as rf
from tests.api.support import PHONE, PIXEL, PROGRAM, assert_error, base_price, offer, post_quote

OTHER = "globex"
HEADER = "variant_sku,grade,price,currency,observed_at,reference\n"
CSV = {"content-type": "text/csv"}


def feed(*rows: str) -> bytes:
    return (HEADER + "".join(f"{r}\n" for r in rows)).encode()


def post_feed(client, body: bytes, source: str = "backmarket", **kw):  # type: ignore[no-untyped-def]
    return client.post(
        f"/programs/{PROGRAM}/market-prices", params={"source": source}, content=body,
        headers={**CSV, **kw.pop("headers", {})}, **kw,
    )  # fmt: skip


def count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def as_role(sessions, role: Role, name: str, program: str = PROGRAM) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        return auth.bearer(auth.staff(s, f"{name}@test.example", {program: [role]}))


# Phone at grade A: five market rows around 500.00 and a typo of 5,000.00; the Pixel at A too.
GOOD = feed(
    f"{PHONE},A,50000,USD,2026-06-01T00:00:00Z,bm-1",
    f"{PHONE},A,49000,USD,2026-06-02T00:00:00Z,bm-2",
    f"{PHONE},A,51000,USD,2026-06-03T00:00:00+02:00,bm-3",
    f"{PHONE},A,500000,USD,2026-06-04T00:00:00Z,bm-4",
    f"{PHONE},B,42000,USD,2026-06-04T00:00:00Z,bm-5",
    f"{PIXEL},A,30000,USD,2026-06-05T00:00:00Z,bm-6",
    f"{PIXEL},A,31000,USD,2026-06-06T00:00:00Z,bm-7",
    f"{PIXEL},A,29000,USD,2026-06-07T00:00:00Z,bm-8",
)


def test_a_feed_is_imported_once_and_listed(client, seeded):
    r = post_feed(client, GOOD)
    assert r.status_code == 200, r.text
    assert r.json() == {"source": "backmarket", "rows": 8, "imported": 8, "skipped": 0}
    longer = GOOD + f"{PHONE},B,43000,USD,2026-06-08T00:00:00Z,bm-9\n".encode()
    again = post_feed(client, longer)
    assert again.json() == {"source": "backmarket", "rows": 9, "imported": 1, "skipped": 8}
    # Another source may use the same references.
    other = post_feed(client, GOOD, source="ebay-sold")
    assert other.json()["imported"] == 8

    page = client.get(f"/programs/{PROGRAM}/market-prices", params={"source": "backmarket"}).json()
    assert page["total"] == 9
    assert page["prices"][0]["reference"] == "bm-9"  # newest first
    phones_b = client.get(f"/programs/{PROGRAM}/market-prices",
                          params={"variant_sku": PHONE, "grade": "B"}).json()  # fmt: skip
    assert {p["reference"] for p in phones_b["prices"]} == {"bm-5", "bm-9"}
    assert phones_b["total"] == 3  # bm-5 from both sources, bm-9


def test_a_bad_feed_names_every_problem_and_writes_nothing(client, seeded, sessions):
    post_feed(client, GOOD)
    before = count(sessions, MarketPrice)
    bad = feed(
        f"{PHONE},A,50000,USD,2026-06-01T00:00:00Z,new-1",  # good
        "no-such-phone,A,50000,USD,2026-06-01T00:00:00Z,new-2",
        f"{PHONE},E,50000,USD,2026-06-01T00:00:00Z,new-3",
        f"{PHONE},A,50000,EUR,2026-06-01T00:00:00Z,new-4",
        f"{PHONE},A,-5,USD,2026-06-01T00:00:00Z,new-5",
        f"{PHONE},A,50000,USD,2026-07-01T00:00:00Z,new-6",  # the clock says 15 June
        f"{PHONE},A,50000,USD,2026-06-01T00:00:00Z,new-1",
        f"{PHONE},A,50000,USD,yesterday,new-7",
        f"{PHONE},A,1000000000001,USD,2026-06-01T00:00:00Z,new-8",
    )
    body = assert_error(post_feed(client, bad), 422, "market_feed_invalid", "file")
    problems = [(p["line"], p["column"]) for p in body["details"]["problems"]]
    assert problems == [
        (3, "variant_sku"), (4, "grade"), (5, "currency"), (6, "price"), (7, "observed_at"),
        (8, "reference"), (9, "observed_at"), (10, "price"),
    ]  # fmt: skip
    assert body["details"]["problem_count"] == 8
    header = assert_error(post_feed(client, b"sku,price\nx,1\n"), 422, "market_feed_invalid")
    assert header["details"]["problems"][0]["line"] == 1
    assert_error(post_feed(client, GOOD, source="sale"), 422, "invalid_input", "source")
    assert count(sessions, MarketPrice) == before


def test_estimates_come_from_feeds_and_our_own_sales(client, seeded, sessions):
    post_feed(client, GOOD)
    channel = rf.channel(sessions, "ebay", "marketplace", fee_bp=1000)
    item = rf.item(client, sessions, channel, route="marketplace", grade="A", sku=PIXEL)
    sold = client.post(f"/inventory/{item}/sale", json={"price": 29_500, "buyer": "ORDER-77"})
    assert sold.status_code == 201, sold.text

    r = client.post(f"/programs/{PROGRAM}/resale-estimates/refresh")
    assert r.status_code == 200, r.text
    got = {(e["variant_sku"], e["grade"]): e for e in r.json()}
    assert set(got) == {(PHONE, "A"), (PIXEL, "A")}  # the phone at B has one observation
    phone = got[(PHONE, "A")]
    # The typo is set aside; of 490, 500 and 510 (the newest weighing most) the median stands.
    assert (phone["value"], phone["observations"], phone["outliers"]) == (50_000, 3, 1)
    pixel = got[(PIXEL, "A")]
    assert (pixel["observations"], pixel["outliers"]) == (4, 0)
    assert pixel["value"] in (29_500, 30_000)
    assert client.get(f"/programs/{PROGRAM}/resale-estimates").json() == r.json()
    assert client.get(f"/programs/{PROGRAM}/resale-estimates", params={"grade": "B"}).json() == []

    # Fewer observations needed: the phone at grade B gets its estimate; the refresh replaces.
    r = client.post(f"/programs/{PROGRAM}/resale-estimates/refresh", json={"min_observations": 1})
    assert {(e["variant_sku"], e["grade"]) for e in r.json()} == {
        (PHONE, "A"), (PHONE, "B"), (PIXEL, "A"),
    }  # fmt: skip
    assert count(sessions, ResaleEstimate) == 3


@pytest.fixture
def estimated(client, seeded) -> None:  # type: ignore[no-untyped-def]
    assert post_feed(client, GOOD).status_code == 200
    assert client.post(f"/programs/{PROGRAM}/resale-estimates/refresh").status_code == 200


def propose(anonymous, headers, **body):  # type: ignore[no-untyped-def]
    r = anonymous.post(f"/programs/{PROGRAM}/pricebook-proposals", json=body or None,
                       headers=headers)  # fmt: skip
    assert r.status_code == 201, r.text
    return r.json()


def quoted(client, sku: str = PHONE) -> int:  # type: ignore[no-untyped-def]
    return offer(post_quote(client, sku, cosmetic="flawless")["quote"], "cash")


def test_a_proposal_is_applied_by_a_second_manager(client, anonymous, sessions, estimated):
    alice = as_role(sessions, Role.PROGRAM_MANAGER, "alice")
    bob = as_role(sessions, Role.PROGRAM_MANAGER, "bob")
    version = client.get(f"/programs/{PROGRAM}").json()["version"]
    quote_before = quoted(client)
    made = propose(anonymous, alice, cost_bp=1000, cost_fixed=500)
    assert made["status"] == "proposed"
    assert made["parameters"]["target_margin_bp"] == 2000  # the recovery settings' default
    lines = {ln["variant_sku"]: ln for ln in made["prices"]}
    assert set(lines) == {PHONE, PIXEL}
    # 500.00 less 10% costs, 5.00 and a 20% margin: 345.00 for a top-grade phone today.
    assert lines[PHONE]["target_value"] == 50_000 - 5_000 - 500 - 10_000
    assert lines[PHONE]["current"] == base_price(PHONE)
    impact = made["impact"]
    assert sum(impact["base_prices"].values()) == 2 and impact["base_prices"]["new"] == 0
    assert impact["quotes"]["compared"] == 10  # two variants, five conditions each
    assert impact["biggest_changes"][0]["change"] == max(
        (ln["proposed"] - ln["current"] for ln in made["prices"]), key=abs
    )

    # Its author cannot approve it; a finance user may read it but not review it.
    same = anonymous.post(f"/pricebook-proposals/{made['id']}/approve", headers=alice)
    assert_error(same, 409, "four_eyes")
    finance = as_role(sessions, Role.FINANCE, "fay")
    assert anonymous.get(f"/pricebook-proposals/{made['id']}", headers=finance).status_code == 200
    assert_error(anonymous.post(f"/pricebook-proposals/{made['id']}/approve", headers=finance),
                 403, "forbidden")  # fmt: skip
    assert client.get(f"/programs/{PROGRAM}").json()["version"] == version
    assert quoted(client) == quote_before

    approved = anonymous.post(f"/pricebook-proposals/{made['id']}/approve", headers=bob)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["reviewed_by"]) == (
        "applied", "staff:bob@test.example",
    )  # fmt: skip
    assert client.get(f"/programs/{PROGRAM}").json()["version"] == version + 1
    # A top-grade working phone is now quoted the target value (to the rounding increment).
    assert 34_500 - 100 <= quoted(client) <= 34_500
    again = anonymous.post(f"/pricebook-proposals/{made['id']}/approve", headers=bob)
    assert_error(again, 409, "illegal_proposal_transition")


def test_stale_superseded_and_rejected_proposals_change_nothing(
    client, anonymous, sessions, estimated
):
    alice = as_role(sessions, Role.PROGRAM_MANAGER, "alice")
    bob = as_role(sessions, Role.PROGRAM_MANAGER, "bob")
    first = propose(anonymous, alice)
    second = propose(anonymous, alice, target_margin_bp=3000)
    assert client.get(f"/pricebook-proposals/{first['id']}").json()["status"] == "superseded"
    assert_error(anonymous.post(f"/pricebook-proposals/{first['id']}/approve", headers=bob),
                 409, "illegal_proposal_transition")  # fmt: skip

    # A base price changed since the proposal was made: stale, and nothing is applied.
    put = client.put(f"/programs/{PROGRAM}/prices",
                     json={"prices": [{"variant_sku": PHONE, "amount": 12_300}]})  # fmt: skip
    assert put.status_code == 200, put.text
    version = client.get(f"/programs/{PROGRAM}").json()["version"]
    stale = anonymous.post(f"/pricebook-proposals/{second['id']}/approve", headers=bob)
    body = assert_error(stale, 409, "stale_proposal")
    assert body["details"]["changed"] == [PHONE]
    assert client.get(f"/programs/{PROGRAM}").json()["version"] == version
    assert client.get(f"/pricebook-proposals/{second['id']}").json()["status"] == "proposed"

    rejected = anonymous.post(f"/pricebook-proposals/{second['id']}/reject",
                              json={"note": "prices moved"}, headers=bob)  # fmt: skip
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["review_note"]) == (
        "rejected",
        "prices moved",
    )
    assert client.get(f"/programs/{PROGRAM}").json()["version"] == version
    with sessions() as s:
        statuses = sorted(s.scalars(select(PriceBookProposal.status)))
    assert statuses == ["rejected", "superseded"]


def test_another_programs_caller_sees_none_of_it(client, anonymous, sessions, estimated):
    with sessions.begin() as s:
        factories.add_program(s, OTHER)
    made = propose(anonymous, as_role(sessions, Role.PROGRAM_MANAGER, "alice"))
    outsider = as_role(sessions, Role.PROGRAM_MANAGER, "olga", OTHER)
    for r in (
        anonymous.get(f"/pricebook-proposals/{made['id']}", headers=outsider),
        anonymous.post(f"/pricebook-proposals/{made['id']}/approve", headers=outsider),
    ):
        assert_error(r, 404, "pricebook_proposal_not_found")
    assert_error(anonymous.get(f"/programs/{PROGRAM}/resale-estimates", headers=outsider), 404,
                 "program_not_found")  # fmt: skip
    r = anonymous.post(f"/programs/{PROGRAM}/market-prices?source=x", content=GOOD,
                       headers={**CSV, **outsider})  # fmt: skip
    assert_error(r, 404, "program_not_found")
    assert client.get(f"/pricebook-proposals/{made['id']}").json()["status"] == "proposed"
