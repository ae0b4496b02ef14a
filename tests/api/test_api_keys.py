"""Partner API keys: shown once and stored hashed, scoped to programs and operations,
rotatable with a grace period, revocable, last-used time, and a rate limit per key."""

from __future__ import annotations

from sqlalchemy import select

from revalue.access.models import ApiKey, SecurityEvent
from tests import auth, factories
from tests.api.support import PROGRAM, assert_error, quote_body, trade_in_total

OPS = ["create_quote", "get_trade_in", "price_list"]


def _issue(client, **overrides) -> dict:  # type: ignore[no-untyped-def]
    body = {"name": "Acme checkout", "program_ids": [PROGRAM], "operations": OPS, **overrides}
    r = client.post("/api-keys", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _kinds(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return list(s.scalars(select(SecurityEvent.kind).order_by(SecurityEvent.id)))


def test_a_key_is_shown_once_and_stored_only_as_a_digest(client, anonymous, seeded, sessions):
    issued = _issue(client)
    key = issued["key"]
    assert key.startswith(f"rvk_{issued['id']}.")
    listed = client.get("/api-keys").json()
    assert [k["id"] for k in listed] == [issued["id"]] and "key" not in listed[0]
    with sessions() as s:
        row = s.get(ApiKey, issued["id"])
        stored = " ".join(str(v) for v in row.__dict__.values())
    secret = key.partition(".")[2]
    assert secret not in stored and row.secret_hash != secret
    r = anonymous.post("/quotes", json=quote_body(), headers=auth.bearer(key))
    assert r.status_code == 201, r.text
    # The custody log names the key that acted.
    t = anonymous.get(f"/trade-ins/{r.json()['trade_in_id']}", headers=auth.bearer(key)).json()
    assert t["custody"][0]["actor"] == f"key:{issued['id']}"


def test_a_key_used_outside_its_operations_is_403_and_recorded(client, anonymous, seeded, sessions):
    key = _issue(client, operations=["price_list"])["key"]
    before = trade_in_total(client)
    # Quoting is open to anyone, but a key presented is held to its scope.
    r = anonymous.post("/quotes", json=quote_body(), headers=auth.bearer(key))
    assert_error(r, 403, "forbidden")
    assert_error(anonymous.get("/trade-ins", headers=auth.bearer(key)), 403, "forbidden")
    assert trade_in_total(client) == before
    assert _kinds(sessions)[-2:] == ["forbidden", "forbidden"]
    # Public reads a partner needs are not partner operations: a key may make them.
    assert anonymous.get("/catalog/models", headers=auth.bearer(key)).status_code == 200


def test_a_key_of_one_program_finds_nothing_of_another(client, anonymous, seeded, sessions):
    with sessions.begin() as s:
        factories.add_program(s, "rival")
    key = _issue(client, program_ids=["rival"])["key"]
    r = anonymous.get(f"/programs/{PROGRAM}/price-list", headers=auth.bearer(key))
    assert_error(r, 404, "program_not_found")
    r = anonymous.post("/quotes", json=quote_body(), headers=auth.bearer(key))
    assert_error(r, 404, "program_not_found")
    assert anonymous.get("/programs/rival/price-list", headers=auth.bearer(key)).status_code == 200
    assert trade_in_total(client) == 0
    assert "out_of_scope" in _kinds(sessions)


def test_rotation_keeps_the_old_secret_for_the_grace_period_only(client, anonymous, seeded, clock):
    issued = _issue(client)
    old = issued["key"]
    r = client.post(f"/api-keys/{issued['id']}/rotate", json={"grace_hours": 2})
    assert r.status_code == 200, r.text
    new = r.json()["key"]
    assert new != old and new.startswith(f"rvk_{issued['id']}.")
    url = f"/programs/{PROGRAM}/price-list"
    assert anonymous.get(url, headers=auth.bearer(old)).status_code == 200
    clock.advance(hours=2)
    assert_error(anonymous.get(url, headers=auth.bearer(old)), 401, "unauthenticated")
    assert anonymous.get(url, headers=auth.bearer(new)).status_code == 200


def test_a_revoked_key_stops_at_once_and_revoking_again_changes_nothing(client, anonymous, seeded):
    issued = _issue(client)
    first = client.post(f"/api-keys/{issued['id']}/revoke")
    assert first.status_code == 200 and first.json()["revoked_at"] is not None
    again = client.post(f"/api-keys/{issued['id']}/revoke")
    assert again.json() == first.json()
    r = anonymous.get(f"/programs/{PROGRAM}/price-list", headers=auth.bearer(issued["key"]))
    assert_error(r, 401, "unauthenticated")
    assert_error(
        client.post(f"/api-keys/{issued['id']}/rotate", json={}), 422, "invalid_input", "key_id"
    )


def test_last_used_is_kept_to_the_minute(client, anonymous, seeded, clock):
    issued = _issue(client)
    assert issued["last_used_at"] is None
    url, headers = f"/programs/{PROGRAM}/price-list", auth.bearer(issued["key"])
    anonymous.get(url, headers=headers)
    first = client.get("/api-keys").json()[0]["last_used_at"]
    assert first == "2026-06-15T12:00:00Z"
    clock.advance(seconds=30)
    anonymous.get(url, headers=headers)
    assert client.get("/api-keys").json()[0]["last_used_at"] == first
    clock.advance(seconds=31)
    anonymous.get(url, headers=headers)
    assert client.get("/api-keys").json()[0]["last_used_at"] == "2026-06-15T12:01:01Z"


def test_the_rate_limit_answers_429_with_retry_after(client, anonymous, seeded, clock):
    issued = _issue(client, rate_limit_per_minute=3)
    url, headers = f"/programs/{PROGRAM}/price-list", auth.bearer(issued["key"])
    for _ in range(3):
        assert anonymous.get(url, headers=headers).status_code == 200
        clock.advance(seconds=10)
    r = anonymous.get(url, headers=headers)
    assert_error(r, 429, "rate_limited")
    assert r.headers["Retry-After"] == "31"  # the first call leaves the window in 30 s
    clock.advance(seconds=31)
    assert anonymous.get(url, headers=headers).status_code == 200


def test_bad_key_requests_name_the_problem_and_write_nothing(client, seeded):
    cases = [
        ({"operations": ["create_program"]}, "unknown_operation", "operations"),
        ({"operations": []}, "validation_error", "operations"),
        ({"program_ids": ["nowhere"]}, "program_not_found", "program_ids"),
    ]
    for overrides, code, field in cases:
        body = {"name": "k", "program_ids": [PROGRAM], "operations": OPS, **overrides}
        status = 404 if code == "program_not_found" else 422
        assert_error(client.post("/api-keys", json=body), status, code, field)
    assert client.get("/api-keys").json() == []


def test_a_program_manager_manages_only_keys_of_their_programs(client, anonymous, seeded, sessions):
    with sessions.begin() as s:
        factories.add_program(s, "rival")
        pm = auth.staff(s, "pm@rival.example", {"rival": ["program_manager"]})
    acme_key = _issue(client)
    both = _issue(client, program_ids=[PROGRAM, "rival"])
    headers = auth.bearer(pm)
    assert anonymous.get("/api-keys", headers=headers).json() == []
    for key in (acme_key, both):
        r = anonymous.post(f"/api-keys/{key['id']}/revoke", headers=headers)
        assert_error(r, 404, "api_key_not_found")
    assert all(k["revoked_at"] is None for k in client.get("/api-keys").json())
