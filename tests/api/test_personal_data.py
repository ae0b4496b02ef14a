"""Personal data: kept apart from trade-ins, shown only to who needs it, never logged, and
erased by the retention job while the custody log keeps verifying."""

from __future__ import annotations

import logging

from sqlalchemy import select

from revalue.customers.models import CustomerContact, CustomerLink
from revalue.domain.access import Role
from revalue.domain.context import Context
from revalue.events.models import Notification
from revalue.tradeins import retention
from tests import auth
from tests.api.support import PROGRAM, assert_error, post_quote

CONTACT = {
    "name": "Grace Hopper",
    "email": "grace@example.com",
    "phone": "+1 202 555 0143",
    "address": {
        "line1": "1 Navy Way",
        "city": "Arlington",
        "postal_code": "22202",
        "country": "US",
    },
}
PII = ("Grace Hopper", "grace@example.com", "555 0143", "1 Navy Way")


def _accepted_with_contact(client, anonymous) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    quote = post_quote(client)
    tid, token = quote["trade_in_id"], quote["customer_token"]
    r = anonymous.post(
        f"/trade-ins/{tid}/accept",
        json={"payout_method": "cash", "pathway": "mail_in", "contact": CONTACT},
        headers=auth.bearer(token),
    )
    assert r.status_code == 200, r.text
    return tid, token


def test_contact_details_live_apart_and_reach_only_who_needs_them(
    client, anonymous, seeded, sessions
):
    tid, token = _accepted_with_contact(client, anonymous)
    trade_in = client.get(f"/trade-ins/{tid}").text
    assert not any(p in trade_in for p in PII)  # trade-in and custody log hold none of it
    (accept,) = [
        e for e in client.get(f"/trade-ins/{tid}").json()["custody"] if e["action"] == "accept"
    ]
    with sessions() as s:
        contact = s.scalars(select(CustomerContact)).one()
    assert accept["data"]["contact_ref"] == contact.id
    mine = anonymous.get(f"/trade-ins/{tid}/contact", headers=auth.bearer(token))
    assert mine.status_code == 200 and mine.json()["email"] == CONTACT["email"]
    with sessions.begin() as s:
        inspector = auth.staff(s, "i@acme.example", {PROGRAM: [Role.INSPECTOR]})
        auditor = auth.staff(s, "au@acme.example", {PROGRAM: [Role.AUDITOR]})
    for who in (inspector, auditor):
        r = anonymous.get(f"/trade-ins/{tid}/contact", headers=auth.bearer(who))
        assert_error(r, 403, "forbidden")


def test_personal_data_never_reaches_the_logs(client, anonymous, seeded, caplog):
    caplog.set_level(logging.DEBUG)
    tid, token = _accepted_with_contact(client, anonymous)
    anonymous.get(f"/trade-ins/{tid}/contact", headers=auth.bearer(token))
    anonymous.post("/customer/access", json={"email": CONTACT["email"]})
    anonymous.post("/customer/access/verify", json={"email": CONTACT["email"], "code": "000000"})
    bad = {**CONTACT, "email": "grace@"}
    anonymous.put(f"/trade-ins/{tid}/contact", json=bad, headers=auth.bearer(token))
    assert caplog.records  # the requests were logged at all
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert not any(p in logged for p in PII), logged


def _close(client, tid: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"/trade-ins/{tid}/cancel", json={"note": "changed my mind"})
    assert r.status_code == 200, r.text


def test_retention_erases_closed_trade_ins_details_and_the_log_still_verifies(
    client, anonymous, seeded, sessions, clock
):
    assert client.patch(f"/programs/{PROGRAM}", json={"retention_days": 30}).status_code == 200
    closed, token = _accepted_with_contact(client, anonymous)
    still_open, _ = _accepted_with_contact(client, anonymous)
    anonymous.post("/customer/access", json={"email": CONTACT["email"]})
    _close(client, closed)

    def run(dry_run: bool = False) -> retention.Report:
        ctx = Context(actor="retention", place="test-lab", now=clock.now)
        with sessions.begin() as s:
            return retention.run(s, ctx, dry_run=dry_run)

    clock.advance(days=29, hours=23)
    assert run().total == 0
    clock.advance(hours=1)
    assert run(dry_run=True).erased == {PROGRAM: 1}
    with sessions() as s:
        assert all(c.erased_at is None for c in s.scalars(select(CustomerContact)))
    assert run().erased == {PROGRAM: 1}
    assert run().total == 0  # a second run finds nothing left to erase

    with sessions() as s:
        contacts = {c.trade_in_id: c for c in s.scalars(select(CustomerContact))}
        notes = s.scalars(select(Notification)).all()
        links = s.scalars(select(CustomerLink).where(CustomerLink.trade_in_id == closed)).all()
    gone = contacts[closed]
    assert (gone.name, gone.email, gone.phone, gone.address) == (None, None, None, None)
    assert gone.erased_at == clock.now
    assert contacts[still_open].email == CONTACT["email"]  # open trade-ins keep theirs
    assert all(n.recipient is None and n.body is None for n in notes if n.contact_id == gone.id)
    assert all(link.revoked_at is not None for link in links)
    assert_error(
        anonymous.get(f"/trade-ins/{closed}", headers=auth.bearer(token)), 401, "unauthenticated"
    )

    trade_in = client.get(f"/trade-ins/{closed}").json()
    assert trade_in["custody"][-1]["action"] == "erase_personal_data"
    assert trade_in["custody"][-1]["data"] == {"contact_ref": gone.id}
    assert trade_in["state"] == "cancelled"
    assert client.get(f"/trade-ins/{closed}/custody/verify").json()["ok"] is True
    assert client.get("/audit/verify").json()["ok"] is True
