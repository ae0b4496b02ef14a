"""Business lots: a manifest priced as one lot (exactly the sum of its devices' quotes), a bad
manifest refused whole with every problem named, receiving against the manifest (matched,
missing, extra; scanning again changes nothing) and settlement, exactly once, with the
adjustments inspection made."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from stdnum import luhn

from revalue.domain.access import Role
from revalue.domain.context import Context
from revalue.lots import retention as lot_retention
from revalue.lots.models import LotContact
from revalue.payouts import ledger
from tests import auth, factories
from tests.api.support import (
    PHONE,
    PIXEL,
    PROGRAM,
    assert_error,
    expected_offer,
    ok,
    read,
)


def imei(n: int) -> str:
    body = f"35209900{n:06d}"
    return body + luhn.calc_check_digit(body)


def mistyped(n: int) -> str:
    """The IMEI with a wrong check digit."""
    return imei(n)[:14] + str((int(imei(n)[14]) + 1) % 10)


HEADER = "imei,serial,model,cosmetic,screen_cracked,faults,asset_tag"
ROWS = [
    f"{imei(1)},,{PHONE},good,,,IT-0001",
    f"{imei(2)},,{PHONE},good,,,IT-0002",
    f"{imei(3)},,{PHONE},fair,yes,battery,IT-0003",
    ",PX8SERIAL01,google-pixel-8,flawless,no,,",  # a model id with one variant; a serial only
]
MANIFEST = "\n".join([HEADER, *ROWS]) + "\n"
GOOD, CRACKED = (
    expected_offer(PHONE),
    expected_offer(PHONE, cosmetic="fair", defects=("screen_cracked", "battery")),
)
PIXEL_FLAWLESS = expected_offer(PIXEL, cosmetic="flawless")
LOTS = f"/programs/{PROGRAM}/lots"


def create(client, manifest: str = MANIFEST, reference: str = "FLEET-1", **extra):  # type: ignore[no-untyped-def]
    body = {"reference": reference, "business_name": "Initech", "manifest": manifest, **extra}
    return client.post(LOTS, json=body)


def lot_in_receiving(client) -> dict:  # type: ignore[no-untyped-def]
    lot = create(client).json()
    r = client.post(f"/lots/{lot['id']}/accept", json={"contact": {"name": "Bill Lumbergh"}})
    assert r.status_code == 200, r.text
    return lot


def test_a_lot_is_priced_at_exactly_the_sum_of_its_devices_quotes(client, seeded):
    r = create(client)
    assert r.status_code == 201, r.text
    lot = r.json()
    assert (lot["status"], lot["devices"], lot["payout_method"]) == ("quoted", 4, "cash")
    assert lot["quoted_total"]["amount"] == 2 * GOOD + CRACKED + PIXEL_FLAWLESS
    per_variant = {b["variant_sku"]: (b["devices"], b["quoted_total"]["amount"])
                   for b in lot["breakdown"]}  # fmt: skip
    assert per_variant == {PHONE: (3, 2 * GOOD + CRACKED), PIXEL: (1, PIXEL_FLAWLESS)}
    detail = client.get(f"/lots/{lot['id']}").json()
    assert [(ln["line_no"], ln["quoted"], ln["status"]) for ln in detail["lines"]] == [
        (2, GOOD, "expected"), (3, GOOD, "expected"), (4, CRACKED, "expected"),
        (5, PIXEL_FLAWLESS, "expected"),
    ]  # fmt: skip
    assert detail["lines"][2]["declared"]["faults"] == ["battery"]
    assert detail["lines"][0]["asset_tag"] == "IT-0001"
    # The same devices quoted one by one offer the same.
    single = client.post(
        "/quotes",
        json={"program_id": PROGRAM, "variant_sku": PHONE,
              "answers": factories.answers(cosmetic="fair", screen_cracked=True,
                                           faults=["battery"])},
    ).json()  # fmt: skip
    (cash,) = [o for o in single["quote"]["offers"] if o["method"] == "cash"]
    assert cash["amount"]["amount"] == CRACKED
    # Priced for store credit, each line carries the method's bonus.
    credit = create(client, reference="FLEET-2", payout_method="store_credit").json()
    assert credit["quoted_total"]["amount"] == 2 * expected_offer(
        PHONE, method="store_credit"
    ) + expected_offer(
        PHONE, method="store_credit", cosmetic="fair", defects=("screen_cracked", "battery")
    ) + expected_offer(PIXEL, method="store_credit", cosmetic="flawless")


def test_a_bad_manifest_names_every_problem_by_line_and_column_and_writes_nothing(client, seeded):
    bad = "\n".join(
        [
            "imei,serial,model,cosmetic,powers_on",
            f"{imei(1)},,{PHONE},good,",
            f"{imei(1)},,{PHONE},good,",  # the same IMEI again
            f"{mistyped(2)},,{PHONE},good,",
            f"{imei(4)},,nokia-3310,good,",
            f"{imei(5)},,apple-iphone-15,shiny,maybe",
            ",,google-pixel-8,good,",
        ]
    )
    r = create(client, bad)
    body = assert_error(r, 422, "manifest_invalid", "manifest")
    problems = [(p["line"], p["column"]) for p in body["details"]["problems"]]
    assert problems == [
        (3, "imei"),
        (4, "imei"),
        (5, "model"),
        (6, "model"),  # two variants: the SKU is needed
        (6, "cosmetic"),
        (6, "powers_on"),
        (7, "imei"),
    ]
    assert "line 2" in body["details"]["problems"][0]["message"]
    assert "check digit" in body["details"]["problems"][1]["message"]
    assert client.get(LOTS).json() == []
    missing = create(client, "imei,cosmetic\n" + imei(1) + ",good\n")
    body = assert_error(missing, 422, "manifest_invalid")
    assert body["details"]["problems"] == [
        {"line": 1, "column": "model", "message": "missing column(s) in the header"}
    ]
    assert client.get(LOTS).json() == []


def test_a_manifest_may_be_uploaded_as_a_file_by_the_partners_key(
    client, anonymous, seeded, sessions
):
    with sessions.begin() as s:
        key = auth.partner_key(s, [PROGRAM], ["create_lot", "get_lot"])
    r = anonymous.post(
        LOTS,
        data={"reference": "FLEET-9", "business_name": "Initech"},
        files={"manifest": ("fleet.csv", MANIFEST.encode(), "text/csv")},
        headers=auth.bearer(key),
    )
    assert r.status_code == 201, r.text
    assert r.json()["quoted_total"]["amount"] == 2 * GOOD + CRACKED + PIXEL_FLAWLESS
    again = create(client, reference="FLEET-9")
    assert_error(again, 409, "lot_exists", "reference")


def test_receiving_matches_the_manifest_opens_received_trade_ins_and_reports_mismatches(
    client, seeded
):
    lot = lot_in_receiving(client)
    lid = lot["id"]
    stranger = imei(99)
    r = client.post(f"/lots/{lid}/receive", json={"scans": [imei(1), stranger, imei(1)]})
    assert r.status_code == 200, r.text
    first = r.json()
    assert (first["matched"], first["extras"], first["again"]) == (1, [stranger], 1)
    assert first["status"] == "receiving"
    # A second session: the serial, and everything scanned before, again.
    r = client.post(f"/lots/{lid}/receive", json={"scans": ["px8serial01", imei(1), stranger]})
    second = r.json()
    assert (second["matched"], second["extras"], second["again"]) == (1, [], 2)
    assert second["counts"] == {"matched": 2, "expected": 2, "extra": 1}
    lines = {ln["line_no"]: ln for ln in client.get(f"/lots/{lid}").json()["lines"]}
    tid = lines[2]["trade_in_id"]
    t = read(client, tid)
    assert (t["state"], t["pathway"], t["payout_method"]) == ("received", "business_lot", "cash")
    assert [e["action"] for e in t["custody"]] == [
        "quote",
        "accept",
        "await_shipment",
        "receive",
        "identify",
        "check",
        "flag",
    ]
    assert t["payable"]["amount"] == GOOD == lines[2]["quoted"]
    assert client.get(f"/trade-ins/{tid}/custody/verify").json()["ok"] is True
    assert "Lumbergh" not in str(t)  # the contact lives apart
    r = client.post(f"/lots/{lid}/close-receiving")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["counts"] == {"expected": 0, "matched": 2, "missing": 2, "extra": 1}
    assert [m["line_no"] for m in report["missing"]] == [3, 4]
    assert [(e["line_no"], e["imei"]) for e in report["extra"]] == [(6, stranger)]
    late = client.post(f"/lots/{lid}/receive", json={"scans": [imei(2)]})
    assert_error(late, 409, "illegal_lot_transition")
    csv_text = client.get(f"/lots/{lid}/lines.csv").text.splitlines()
    assert csv_text[0] == "line,imei,serial,model,asset_tag,quoted,status,trade_in_id"
    assert csv_text[3].startswith(f"4,{imei(3)},,{PHONE},IT-0003,{CRACKED},missing,")


def test_a_malformed_scan_refuses_the_whole_call(client, seeded):
    lid = lot_in_receiving(client)["id"]
    before = client.get(f"/lots/{lid}").json()
    r = client.post(f"/lots/{lid}/receive", json={"scans": [imei(1), mistyped(2), "x!"]})
    body = assert_error(r, 422, "invalid_scans", "scans")
    assert [p["index"] for p in body["details"]["problems"]] == [1, 2]
    assert client.get(f"/lots/{lid}").json() == before


def test_settlement_needs_final_offers_and_happens_exactly_once_with_the_adjustments(
    client, anonymous, seeded, sessions
):
    lid = lot_in_receiving(client)["id"]
    client.post(f"/lots/{lid}/receive", json={"scans": [imei(1), imei(2), imei(77)]})
    early = client.post(f"/lots/{lid}/settle")
    assert_error(early, 409, "illegal_lot_transition")  # receiving is still open
    client.post(f"/lots/{lid}/close-receiving")
    lines = {ln["line_no"]: ln for ln in client.get(f"/lots/{lid}").json()["lines"]}
    as_declared, worse = lines[2]["trade_in_id"], lines[3]["trade_in_id"]
    ok(client, as_declared, "inspect", {"condition": factories.answers()})
    ok(client, worse, "inspect", {"condition": factories.answers(cosmetic="fair")})
    pending = client.post(f"/lots/{lid}/settle")
    body = assert_error(pending, 409, "offers_not_final")
    assert [(p["line"], p["state"]) for p in body["details"]["pending"]] == [(3, "requote_offered")]
    # The business answers the re-quote through its integration.
    with sessions.begin() as s:
        key = auth.partner_key(s, [PROGRAM], ["accept_requote"])
    r = anonymous.post(f"/trade-ins/{worse}/accept-requote", json={}, headers=auth.bearer(key))
    assert r.status_code == 200, r.text
    found = expected_offer(PHONE, cosmetic="fair")
    with sessions.begin() as s:
        finance = auth.staff(s, "f@acme.example", {PROGRAM: [Role.FINANCE]})
    r = anonymous.post(f"/lots/{lid}/settle", json={}, headers=auth.bearer(finance))
    assert r.status_code == 200, r.text
    lot = r.json()
    summary = lot["summary"]
    assert lot["status"] == "settled"
    assert lot["settled_total"]["amount"] == GOOD + found == summary["settled_total"]
    assert summary["devices"] == {
        "quoted": 4, "received": 2, "missing": 2, "extra": 1, "settled": 2, "excluded": 0,
    }  # fmt: skip
    assert summary["quoted_total"] == 2 * GOOD + CRACKED + PIXEL_FLAWLESS
    assert summary["adjustment_total"] == found - GOOD
    assert summary["adjustments"] == [
        {
            "line": 3,
            "trade_in_id": worse,
            "imei": imei(2),
            "serial": None,
            "state": "requote_accepted",
            "quoted": GOOD,
            "final": found,
            "difference": found - GOOD,
        }
    ]
    assert [m["line"] for m in summary["missing"]] == [4, 5]
    assert summary["extras"] == [{"line": 6, "imei": imei(77), "serial": None}]
    again = anonymous.post(f"/lots/{lid}/settle", headers=auth.bearer(finance))
    assert_error(again, 409, "already_settled")
    assert client.get(f"/lots/{lid}").json()["summary"] == summary
    # Each device is paid through the payouts track, once, on a balanced ledger: together
    # exactly the settled total.
    bank = {"rail": "bank_transfer", "account": "GB33BUKB20201555555555"}
    paid = [ok(client, tid, "pay", bank)["payment"]["amount"] for tid in (as_declared, worse)]
    assert sum(paid) == summary["settled_total"]
    assert_error(client.post(f"/trade-ins/{worse}/pay", json=bank), 409, "already_paid")
    with sessions() as s:
        assert ledger.check(s).ok


def test_force_leaves_devices_without_a_final_offer_out(client, seeded):
    lid = lot_in_receiving(client)["id"]
    client.post(f"/lots/{lid}/receive", json={"scans": [imei(1), imei(2)]})
    client.post(f"/lots/{lid}/close-receiving")
    lines = {ln["line_no"]: ln for ln in client.get(f"/lots/{lid}").json()["lines"]}
    ok(client, lines[2]["trade_in_id"], "inspect", {"condition": factories.answers()})
    r = client.post(f"/lots/{lid}/settle", json={"force": True})
    assert r.status_code == 200, r.text
    summary = r.json()["summary"]
    assert summary["settled_total"] == GOOD
    assert summary["excluded"] == [
        {"line": 3, "trade_in_id": lines[3]["trade_in_id"], "state": "received"}
    ]


def test_an_expired_lot_quote_cannot_be_accepted(client, seeded, clock):
    lid = create(client).json()["id"]
    clock.advance(days=31)
    r = client.post(f"/lots/{lid}/accept")
    assert_error(r, 409, "quote_expired")
    assert client.get(f"/lots/{lid}").json()["status"] == "quoted"


def test_a_device_scanned_by_its_imei_and_its_serial_opens_one_trade_in(client, seeded):
    both = f"imei,serial,model,cosmetic\n{imei(1)},SER00001,{PHONE},good\n"
    lid = create(client, both).json()["id"]
    client.post(f"/lots/{lid}/accept")
    r = client.post(f"/lots/{lid}/receive", json={"scans": [imei(1), "ser00001"]})
    assert (r.json()["matched"], r.json()["again"], r.json()["extras"]) == (1, 1, [])
    again = client.post(f"/lots/{lid}/receive", json={"scans": ["SER00001"]}).json()
    assert (again["matched"], again["again"], again["counts"]) == (0, 1, {"matched": 1})
    assert client.get("/trade-ins", params={"state": "received"}).json()["total"] == 1


def test_a_blocklisted_device_of_a_lot_is_flagged_at_receipt_never_paid_nor_settled(
    client, seeded, sessions
):
    client.post("/blocklist", json={"imei": imei(2), "reason": "stolen", "source": "police"})
    lid = lot_in_receiving(client)["id"]
    client.post(f"/lots/{lid}/receive", json={"scans": [imei(1), imei(2)]})
    client.post(f"/lots/{lid}/close-receiving")
    lines = {ln["line_no"]: ln for ln in client.get(f"/lots/{lid}").json()["lines"]}
    clean, stolen = lines[2]["trade_in_id"], lines[3]["trade_in_id"]  # the file's line numbers
    s = client.get(f"/trade-ins/{stolen}/screening").json()
    assert [f["kind"] for f in s["flags"] if f["kind"] == "blocklisted"] == ["blocklisted"]
    assert not [f for f in client.get(f"/trade-ins/{clean}/screening").json()["flags"]
                if f["kind"] == "blocklisted"]  # fmt: skip
    for tid in (clean, stolen):
        ok(client, tid, "inspect", {"condition": factories.answers()})
    bank = {"rail": "bank_transfer", "account": "GB33BUKB20201555555555"}
    assert_error(client.post(f"/trade-ins/{stolen}/pay", json=bank), 409, "device_blocklisted")
    body = assert_error(client.post(f"/lots/{lid}/settle"), 409, "offers_not_final")
    assert body["details"]["pending"] == [
        {"line": 3, "trade_in_id": stolen, "state": "inspected", "held": "blocklisted"}
    ]
    lot = client.post(f"/lots/{lid}/settle", json={"force": True}).json()
    assert lot["summary"]["settled_total"] == GOOD  # the clean device alone
    assert [e["trade_in_id"] for e in lot["summary"]["excluded"]] == [stolen]


def test_a_settled_lot_s_contact_is_erased_after_the_retention_period_and_not_before(
    client, seeded, sessions, clock
):
    lid = lot_in_receiving(client)["id"]
    client.post(f"/lots/{lid}/receive", json={"scans": [imei(1)]})
    client.post(f"/lots/{lid}/close-receiving")
    tid = client.get(f"/lots/{lid}").json()["lines"][0]["trade_in_id"]
    ok(client, tid, "inspect", {"condition": factories.answers()})
    assert client.post(f"/lots/{lid}/settle").status_code == 200
    client.patch(f"/programs/{PROGRAM}", json={"retention_days": 30})

    def run(days: int, dry_run: bool = False) -> dict[str, int]:
        at = Context(actor="scheduler", place="test", now=clock.now + timedelta(days=days))
        with sessions.begin() as s:
            return lot_retention.run(s, at, dry_run=dry_run)

    def contact() -> tuple[str | None, object]:
        with sessions() as s:
            row = s.scalars(select(LotContact).where(LotContact.lot_id == lid)).one()
            return row.name, row.erased_at

    assert run(29) == {} and contact() == ("Bill Lumbergh", None)
    assert run(31, dry_run=True) == {PROGRAM: 1} and contact() == ("Bill Lumbergh", None)
    assert run(31) == {PROGRAM: 1}
    name, erased_at = contact()
    assert name is None and erased_at is not None
    assert run(32) == {}  # erased once
    assert client.get(f"/lots/{lid}").json()["status"] == "settled"  # the lot stays
