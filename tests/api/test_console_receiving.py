"""Receiving in the console: the site picked once, a scan (IMEI, trade-in id) finding the
trade-in, "Record receipt" recording it with the receiving service, a second scan or submit
recording nothing more, and an unknown scan or a bad form writing nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from revalue.domain.access import Role
from revalue.logistics.models import Receipt
from revalue.tradeins.models import CustodyEvent
from tests import factories
from tests.api.support import PROGRAM, ok, read
from tests.api.test_console_frame import signed_in
from tests.api.test_receiving_api import mail_in
from tests.api.test_screening_api import imei
from tests.api.test_sites_api import HUB, OTHER_HUB, STORE, layout


def rows(sessions) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Receipts and custody events: what a refused receipt must leave as it was."""
    with sessions() as s:
        receipts = s.scalar(select(func.count()).select_from(Receipt)) or 0
        custody = s.scalar(select(func.count()).select_from(CustodyEvent)) or 0
    return receipts, custody


def in_store_with_imei(client, number: str) -> str:  # type: ignore[no-untyped-def]
    body = {
        "program_id": PROGRAM,
        "variant_sku": factories.PHONE,
        "answers": factories.answers(),
        "imei": number,
    }
    tid = client.post("/quotes", json=body).json()["trade_in_id"]
    ok(client, tid, "accept", {"payout_method": "cash", "pathway": "in_store"})
    return tid


def test_a_scanned_imei_is_received_once_and_a_second_scan_records_nothing(
    app, client, seeded, sessions
):
    layout(client)
    number = imei(4242)
    tid = in_store_with_imei(client, number)
    c = signed_in(app, sessions, "sam@acme.example", {PROGRAM: [Role.STORE_ASSOCIATE]})
    with c:
        page = c.get(f"/console/receiving?site={STORE}")
        assert page.status_code == 200
        assert "Scan or type a barcode" in page.text and " autofocus " in page.text
        assert "revalue_site=" + STORE in page.headers["set-cookie"]
        found = c.get(f"/console/receiving?scan={number}")  # the site is remembered
        assert found.status_code == 200, found.text
        for text in ("Apple iPhone 15 128 GB", "In store", "Cosmetic: Good", ">Record receipt<"):
            assert text in found.text, text
        for label in ("The device", "A different device", "Accessories only", "Empty"):
            assert f"> <span>{label} " in found.text, label
        assert '<label for="imei">IMEI' in found.text
        form = {"site": STORE, "scan": number, "contents": "device", "accessories": ["charger"]}
        form["csrf_token"] = c.cookies["revalue_csrf"]
        r = c.post("/console/receiving", data=form)
        assert r.status_code == 303, r.text
        assert r.headers["location"].startswith(f"/console/receiving?site={STORE}&received=")
        done = c.get(r.headers["location"])
        assert "Received: Apple iPhone 15 128 GB" in done.text and 'role="status"' in done.text
        assert read(client, tid)["state"] == "received"
        before = rows(sessions)
        again = c.post("/console/receiving", data=form)
        assert again.status_code == 409 and "Nothing recorded" in again.text
        assert "Received, waiting for inspection" in again.text
        rescan = c.get(f"/console/receiving?scan={number}")
        assert "Not waiting to be received" in rescan.text
        assert f'href="/console/trade-ins/{tid}/inspect"' in rescan.text
    assert rows(sessions) == before
    receipts = client.get(f"/trade-ins/{tid}/receipts").json()
    assert len(receipts) == 1 and receipts[0]["outcome"] == "received"
    assert receipts[0]["found"]["accessories"] == ["charger"]
    assert receipts[0]["receiver"] == "staff:sam@acme.example"


def test_a_mail_in_parcel_is_received_by_trade_in_id_as_the_api_does(app, client, seeded, sessions):
    layout(client)
    tid, shipment_id = mail_in(client, sessions)
    c = signed_in(app, sessions, "rita@acme.example", {PROGRAM: [Role.RECEIVER]})
    with c:
        page = c.get("/console/receiving")
        # Receivers pick among processing sites; stores are the associates'.
        assert f'<option value="{HUB}"' in page.text and f'value="{OTHER_HUB}"' in page.text
        assert f'value="{STORE}"' not in page.text
        found = c.get(f"/console/receiving?site={HUB}&scan={tid}")
        assert "Mail-in" in found.text and ">Record receipt<" in found.text
        csrf = c.cookies["revalue_csrf"]
        r = c.post(
            "/console/receiving",
            data={"site": HUB, "scan": tid, "contents": "device", "csrf_token": csrf},
        )
        assert r.status_code == 303, r.text
    state = client.get(f"/trade-ins/{tid}").json()
    assert state["state"] == "received"
    receipt = client.get(f"/trade-ins/{tid}/receipts").json()[0]
    assert (receipt["site_id"], receipt["shipment_id"]) == (HUB, shipment_id)
    assert receipt["trade_in_state"] == "received"


def test_an_unknown_scan_or_a_refused_receipt_shows_why_and_writes_nothing(
    app, client, seeded, sessions
):
    layout(client)
    tid, _ = mail_in(client, sessions)
    c = signed_in(app, sessions, "rita@acme.example", {PROGRAM: [Role.RECEIVER]})
    before = rows(sessions)
    with c:
        csrf = c.cookies["revalue_csrf"]
        unknown = c.get(f"/console/receiving?site={HUB}&scan=NOSUCHTHING1")
        assert unknown.status_code == 404
        assert 'role="alert">nothing matches &#39;NOSUCHTHING1&#39;' in unknown.text
        posted = c.post(
            "/console/receiving",
            data={"site": HUB, "scan": "NOSUCHTHING1", "contents": "device", "csrf_token": csrf},
        )
        assert posted.status_code == 404 and "nothing matches" in posted.text
        # A different device without what identifies it: refused, the form kept as it was.
        different = c.post(
            "/console/receiving",
            data={
                "site": HUB,
                "scan": tid,
                "contents": "different_device",
                "note": "blue case",
                "csrf_token": csrf,
            },
        )
        assert different.status_code == 422
        assert "its IMEI or serial" in different.text
        assert 'value="different_device" checked' in different.text
        assert ">blue case</textarea>" in different.text
        # The wrong site: refused naming the right one.
        wrong = c.post(
            "/console/receiving",
            data={"site": OTHER_HUB, "scan": tid, "contents": "device", "csrf_token": csrf},
        )
        assert wrong.status_code == 409 and HUB in wrong.text
    assert rows(sessions) == before
    assert read(client, tid)["state"] == "in_transit"
