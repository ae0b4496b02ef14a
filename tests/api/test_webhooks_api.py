"""Webhook subscriptions and deliveries over HTTP: the secret shown once, validation that names
the field and writes nothing, programs that never see each other's webhooks, and replay."""

from __future__ import annotations

import socket

import httpx
import pytest
from sqlalchemy import func, select

from revalue.domain.access import Role
from revalue.events import signing
from revalue.events.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from revalue.events.worker import Backoff, Worker
from revalue.http.models import IdempotencyRecord
from revalue.programs import service as programs
from tests import auth, factories
from tests.api.support import PROGRAM, assert_error

HOOKS = f"/programs/{PROGRAM}/webhooks"
BODY = {
    "url": "https://partner.example/hooks/revalue",
    "event_types": ["trade_in.state_changed", "payout.made"],
    "description": "checkout",
}


def create(client, body: dict | None = None, **kw) -> dict:  # type: ignore[no-untyped-def]
    r = client.post(HOOKS, json=body or BODY, **kw)
    assert r.status_code == 201, r.text
    return r.json()


def count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def stored_text(sessions) -> str:  # type: ignore[no-untyped-def]
    """Everything the subscription and idempotency tables hold, as one string."""
    with sessions() as s:
        rows = [*s.scalars(select(WebhookSubscription)), *s.scalars(select(IdempotencyRecord))]
        return repr([vars(r) for r in rows])


def test_the_secret_is_shown_on_creation_only(client, seeded, sessions, tmp_path):
    created = create(client)
    secret = created.pop("secret")
    assert secret.startswith("whsec_")
    sub_id = created["id"]
    assert created == {
        "id": sub_id,
        "program_id": PROGRAM,
        "url": BODY["url"],
        "event_types": BODY["event_types"],
        "description": "checkout",
        "created_by": created["created_by"],
        "created_at": "2026-06-15T12:00:00Z",
        "disabled_at": None,
        "active": True,
    }
    assert created["created_by"].startswith("staff:")

    listed = client.get(HOOKS)
    one = client.get(f"{HOOKS}/{sub_id}")
    assert listed.json() == [created] and one.json() == created
    assert secret not in listed.text + one.text
    # At rest it is encrypted under the key in REVALUE_SECRETS_DIR, and nowhere in clear.
    assert secret not in stored_text(sessions)
    with sessions() as s:
        sealed = s.get(WebhookSubscription, sub_id).secret_encrypted
    assert signing.unseal(signing.cipher(str(tmp_path / "secrets")), sealed) == secret


def test_a_replayed_create_answers_without_the_secret(client, seeded, sessions):
    key = {"Idempotency-Key": "create-hook-1"}
    first = create(client, headers=key)
    again = client.post(HOOKS, json=BODY, headers=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == {**first, "secret": None}
    assert count(sessions, WebhookSubscription) == 1
    assert first["secret"] not in stored_text(sessions)


def test_rotating_shows_a_new_secret_once(client, seeded, sessions, tmp_path):
    created = create(client)
    r = client.post(f"{HOOKS}/{created['id']}/rotate-secret")
    assert r.status_code == 200, r.text
    new = r.json()["secret"]
    assert new.startswith("whsec_") and new != created["secret"]
    assert new not in client.get(HOOKS).text and new not in stored_text(sessions)
    with sessions() as s:
        sealed = s.get(WebhookSubscription, created["id"]).secret_encrypted
    assert signing.unseal(signing.cipher(str(tmp_path / "secrets")), sealed) == new


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "ftp://partner.example/hooks"}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": "partner.example/hooks"}, "url"),
        ({"url": "https://user:pass@partner.example/hooks"}, "url"),
        ({"url": "https://partner.example:99999/hooks"}, "url"),
        ({"url": "https://partner.example/a b"}, "url"),
        ({"url": "https://partner.example/" + "x" * 2000}, "url"),
        ({"event_types": ["trade_in.exploded"]}, "event_types"),
        ({"event_types": ["ping"]}, "event_types"),  # sent on request, not subscribed to
        ({"event_types": []}, "event_types"),
        ({"description": "d" * 201}, "description"),
        ({"secret": "whsec_mine"}, "secret"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(client, seeded, sessions, change, field):
    r = client.post(HOOKS, json={**BODY, **change})
    assert_error(r, 422, "validation_error", field)
    assert count(sessions, WebhookSubscription) == 0
    assert client.get(HOOKS).json() == []


def dead_ping(client, sessions, clock, tmp_path) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """A subscription to a port nobody listens on, and a ping to it that died."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sub = create(client, {"url": f"http://127.0.0.1:{port}/", "event_types": ["payout.made"]})
    ping = client.post(f"{HOOKS}/{sub['id']}/ping")
    assert ping.status_code == 202, ping.text
    assert (ping.json()["event_type"], ping.json()["status"]) == ("ping", "pending")
    box = signing.cipher(str(tmp_path / "secrets"))
    with httpx.Client() as http:
        worker = Worker(sessions, box=box, http=http, clock=clock, backoff=Backoff(max_attempts=1))
        assert worker.run_once().dead == 1
    return sub["id"], ping.json()["id"]


def test_a_dead_delivery_is_listed_and_replayed(client, seeded, sessions, clock, tmp_path):
    sub_id, delivery_id = dead_ping(client, sessions, clock, tmp_path)
    dead = client.get(f"{HOOKS}/deliveries", params={"status": "dead"})
    assert dead.status_code == 200, dead.text
    (row,) = dead.json()
    assert (row["id"], row["subscription_id"], row["event_type"]) == (delivery_id, sub_id, "ping")
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("dead", 1, None)
    assert row["last_error"].startswith("ConnectError")
    assert client.get(f"{HOOKS}/deliveries", params={"status": "delivered"}).json() == []

    clock.advance(minutes=5)
    r = client.post(f"{HOOKS}/deliveries/{delivery_id}/replay")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["attempts"]) == ("pending", 0)
    assert r.json()["next_attempt_at"] == "2026-06-15T12:05:00Z"
    assert client.get(f"{HOOKS}/deliveries", params={"status": "dead"}).json() == []
    listed = client.get(f"{HOOKS}/deliveries", params={"subscription_id": sub_id}).json()
    assert [d["id"] for d in listed] == [delivery_id]


def test_disabling_stops_deliveries_and_further_changes(client, seeded, sessions):
    sub = create(client)
    ping = client.post(f"{HOOKS}/{sub['id']}/ping").json()
    r = client.post(f"{HOOKS}/{sub['id']}/disable")
    assert r.status_code == 200, r.text
    assert (r.json()["active"], r.json()["disabled_at"]) == (False, "2026-06-15T12:00:00Z")
    (given_up,) = client.get(f"{HOOKS}/deliveries").json()
    assert (given_up["id"], given_up["status"]) == (ping["id"], "dead")

    for path in ("disable", "ping", "rotate-secret"):
        assert_error(
            client.post(f"{HOOKS}/{sub['id']}/{path}"), 409, "webhook_subscription_disabled"
        )
    replay = client.post(f"{HOOKS}/deliveries/{ping['id']}/replay")
    assert_error(replay, 409, "webhook_subscription_disabled")
    assert count(sessions, WebhookDelivery) == 1 and count(sessions, OutboxEvent) == 1


def test_missing_ones_answer_404(client, seeded):
    assert_error(client.get(f"{HOOKS}/whk_nope"), 404, "webhook_subscription_not_found")
    missing = client.post(f"{HOOKS}/deliveries/999/replay")
    assert_error(missing, 404, "webhook_delivery_not_found", "delivery_id")
    assert_error(client.get("/programs/nope/webhooks"), 404, "program_not_found")
    assert_error(
        client.get(f"{HOOKS}/deliveries", params={"status": "lost"}), 422, "validation_error"
    )


def test_another_programs_webhooks_do_not_exist_here(client, seeded, sessions):
    with sessions.begin() as s:
        programs.create(s, factories.program_in(id="beta", name="Beta"), factories.ctx())
    theirs = client.post("/programs/beta/webhooks", json=BODY).json()
    their_ping = client.post(f"/programs/beta/webhooks/{theirs['id']}/ping").json()
    create(client)  # one of acme's own

    assert [h["program_id"] for h in client.get(HOOKS).json()] == [PROGRAM]
    assert client.get(f"{HOOKS}/deliveries").json() == []
    for method, path in [
        ("get", f"{HOOKS}/{theirs['id']}"),
        ("post", f"{HOOKS}/{theirs['id']}/disable"),
        ("post", f"{HOOKS}/{theirs['id']}/ping"),
        ("post", f"{HOOKS}/{theirs['id']}/rotate-secret"),
    ]:
        assert_error(client.request(method, path), 404, "webhook_subscription_not_found")
    filtered = client.get(f"{HOOKS}/deliveries", params={"subscription_id": theirs["id"]})
    assert_error(filtered, 404, "webhook_subscription_not_found")
    replay = client.post(f"{HOOKS}/deliveries/{their_ping['id']}/replay")
    assert_error(replay, 404, "webhook_delivery_not_found")
    with sessions() as s:
        beta = s.get(WebhookSubscription, theirs["id"])
        assert beta.disabled_at is None
        assert s.get(WebhookDelivery, their_ping["id"]).status == "pending"

    # A manager of acme alone: beta's webhooks are as absent as a program that does not exist.
    with sessions.begin() as s:
        manager = auth.staff(s, "pm@test.example", {PROGRAM: [Role.PROGRAM_MANAGER]})
    as_manager = auth.bearer(manager)
    assert client.get(HOOKS, headers=as_manager).status_code == 200
    assert_error(
        client.get("/programs/beta/webhooks", headers=as_manager), 404, "program_not_found"
    )
    refused = client.post("/programs/beta/webhooks", json=BODY, headers=as_manager)
    assert_error(refused, 404, "program_not_found")


def test_an_auditor_reads_but_does_not_change(client, seeded, sessions):
    sub = create(client)
    with sessions.begin() as s:
        auditor = auth.bearer(auth.staff(s, "au@test.example", {PROGRAM: [Role.AUDITOR]}))
    assert client.get(HOOKS, headers=auditor).status_code == 200
    assert client.get(f"{HOOKS}/deliveries", headers=auditor).status_code == 200
    assert_error(client.post(HOOKS, json=BODY, headers=auditor), 403, "forbidden")
    assert_error(client.post(f"{HOOKS}/{sub['id']}/disable", headers=auditor), 403, "forbidden")
    assert count(sessions, WebhookSubscription) == 1
