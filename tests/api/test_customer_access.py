"""Customers without accounts: secret links (hashed, expiring, revocable) and the one-time
code that re-issues lost links by email, through the notification outbox."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from revalue.customers.models import AccessCode, CustomerLink
from revalue.domain.access import Role
from revalue.events.models import Notification
from tests import auth
from tests.api.support import PROGRAM, assert_error, post_quote

EMAIL = "ada@example.com"
CONTACT = {"name": "Ada Lovelace", "email": EMAIL, "phone": "+44 20 7946 0000"}


def _accept_with_contact(anonymous, quote) -> None:  # type: ignore[no-untyped-def]
    r = anonymous.post(
        f"/trade-ins/{quote['trade_in_id']}/accept",
        json={"payout_method": "cash", "pathway": "mail_in", "contact": CONTACT},
        headers=auth.bearer(quote["customer_token"]),
    )
    assert r.status_code == 200, r.text


def _codes_sent(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        bodies = s.scalars(select(Notification.body).order_by(Notification.id)).all()
    return [re.search(r"\b(\d{6})\b", b).group(1) for b in bodies if b]


def test_the_link_opens_its_trade_in_and_is_stored_only_as_a_digest(
    client, anonymous, seeded, sessions
):
    quote = post_quote(client)
    token = quote["customer_token"]
    me = anonymous.get("/auth/me", headers=auth.bearer(token)).json()
    assert me == {**me, "kind": "customer", "trade_in_id": quote["trade_in_id"]}
    with sessions() as s:
        (link,) = s.scalars(select(CustomerLink)).all()
    assert link.token_hash != token and token not in link.token_hash


def test_a_link_expires(client, anonymous, seeded, clock):
    quote = post_quote(client)
    url, headers = f"/trade-ins/{quote['trade_in_id']}", auth.bearer(quote["customer_token"])
    clock.advance(days=179)
    assert anonymous.get(url, headers=headers).status_code == 200
    clock.advance(days=1)
    assert_error(anonymous.get(url, headers=headers), 401, "unauthenticated")


def test_a_customer_revokes_their_link_and_staff_issue_a_new_one(client, anonymous, seeded):
    quote = post_quote(client)
    tid, headers = quote["trade_in_id"], auth.bearer(quote["customer_token"])
    r = anonymous.post(f"/trade-ins/{tid}/links/revoke", headers=headers)
    assert r.json() == {"revoked": 1}
    assert_error(anonymous.get(f"/trade-ins/{tid}", headers=headers), 401, "unauthenticated")
    fresh = client.post(f"/trade-ins/{tid}/links")
    assert fresh.status_code == 201
    r = anonymous.get(f"/trade-ins/{tid}", headers=auth.bearer(fresh.json()["customer_token"]))
    assert r.status_code == 200


def test_staff_never_answer_a_requote_for_the_customer(client, seeded, sessions):
    quote = post_quote(client)
    with sessions.begin() as s:
        token = auth.staff(s, "sa@acme.example", {PROGRAM: [Role.STORE_ASSOCIATE]})
    for who in (client.headers["Authorization"], f"Bearer {token}"):
        r = client.post(
            f"/trade-ins/{quote['trade_in_id']}/accept-requote", headers={"Authorization": who}
        )
        assert_error(r, 403, "forbidden")


def test_a_one_time_code_reissues_the_links_of_the_address(client, anonymous, seeded, sessions):
    first, second = post_quote(client), post_quote(client)
    for quote in (first, second):
        _accept_with_contact(anonymous, quote)
    r = anonymous.post("/customer/access", json={"email": "ADA@example.com"})
    assert r.status_code == 202
    (code,) = _codes_sent(sessions)
    r = anonymous.post("/customer/access/verify", json={"email": EMAIL, "code": code})
    assert r.status_code == 200, r.text
    links = {item["trade_in_id"]: item["token"] for item in r.json()["links"]}
    assert set(links) == {first["trade_in_id"], second["trade_in_id"]}
    for tid, token in links.items():
        assert anonymous.get(f"/trade-ins/{tid}", headers=auth.bearer(token)).status_code == 200
    # A code works once.
    again = anonymous.post("/customer/access/verify", json={"email": EMAIL, "code": code})
    assert_error(again, 401, "access_code_invalid")


def test_an_unknown_address_gets_the_same_answer_and_no_message(anonymous, seeded, sessions):
    r = anonymous.post("/customer/access", json={"email": "nobody@example.com"})
    assert r.status_code == 202
    assert r.json() == {"message": "if this address has trade-ins, a code is on its way"}
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Notification)) == 0
        assert s.scalar(select(func.count()).select_from(AccessCode)) == 0


def test_five_wrong_codes_spend_the_code(client, anonymous, seeded, sessions):
    _accept_with_contact(anonymous, post_quote(client))
    anonymous.post("/customer/access", json={"email": EMAIL})
    (code,) = _codes_sent(sessions)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        r = anonymous.post("/customer/access/verify", json={"email": EMAIL, "code": wrong})
        assert_error(r, 401, "access_code_invalid")
    r = anonymous.post("/customer/access/verify", json={"email": EMAIL, "code": code})
    assert_error(r, 401, "access_code_invalid")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(CustomerLink)) == 1  # the quote's


def test_codes_are_limited_per_address_so_a_mailbox_cannot_be_flooded(
    client, anonymous, seeded, sessions, clock
):
    _accept_with_contact(anonymous, post_quote(client))
    for _ in range(5):
        assert anonymous.post("/customer/access", json={"email": EMAIL}).status_code == 202
    assert len(_codes_sent(sessions)) == 3
    clock.advance(minutes=16)
    anonymous.post("/customer/access", json={"email": EMAIL})
    assert len(_codes_sent(sessions)) == 4


@pytest.mark.parametrize(
    "body",
    [{"email": "not-an-email"}, {"email": EMAIL, "extra": 1}, {}],
)
def test_a_bad_access_request_is_a_422_and_sends_nothing(anonymous, seeded, sessions, body):
    assert anonymous.post("/customer/access", json=body).status_code == 422
    assert _codes_sent(sessions) == []
