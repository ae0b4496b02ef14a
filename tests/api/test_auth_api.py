"""Staff sign-in: sessions, the console cookie and its CSRF token, the login rate limit,
sign-out, disabled accounts; every refusal recorded, nothing changed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from revalue.access import service as access
from revalue.access.models import SecurityEvent, StaffSession
from revalue.access.sessions import MAX_FAILURES_PER_ACCOUNT, WINDOW_MINUTES
from revalue.domain.access import Role
from tests import auth, factories
from tests.api.support import PROGRAM, assert_error, read, start

MANAGER = "pm@acme.example"


def _manager(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        access.create(
            s,
            email=MANAGER,
            name="Pat Manager",
            password=auth.PASSWORD,
            roles=["program_manager"],
            program_ids=[PROGRAM],
            ctx=factories.ctx(),
        )


def _events(sessions, kind: str) -> list[SecurityEvent]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return list(s.scalars(select(SecurityEvent).where(SecurityEvent.kind == kind)))


def _browser(app) -> TestClient:  # type: ignore[no-untyped-def]
    # The session cookie is Secure: a browser only sends it over HTTPS.
    return TestClient(app, base_url="https://testserver")


def _login(c, password: str = auth.PASSWORD, **extra):  # type: ignore[no-untyped-def]
    return c.post("/auth/login", json={"email": MANAGER, "password": password, **extra})


def test_sign_in_sets_a_secure_cookie_and_the_cookie_opens_the_api(app, seeded, sessions):
    _manager(sessions)
    with _browser(app) as browser:
        r = _login(browser)
        assert r.status_code == 200, r.text
        cookie = r.headers["set-cookie"]
        for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
            assert attribute.lower() in cookie.lower(), cookie
        body = r.json()
        assert body["token"] is None  # a browser gets the cookie, never the token in JSON
        assert body["user"]["roles"] == [{"program_id": PROGRAM, "role": "program_manager"}]
        me = browser.get("/auth/me")
        assert me.status_code == 200
        assert me.json()["actor"] == f"staff:{MANAGER}"
    with sessions() as s:
        stored = s.scalars(select(StaffSession)).all()
    # Only a digest is stored: the cookie's value appears nowhere in the table.
    assert len(stored) == 1 and stored[0].token_hash not in cookie
    assert all(len(row.token_hash) == 64 for row in stored)
    assert len(_events(sessions, "login")) == 1


def test_a_cookie_signed_write_needs_the_csrf_token(app, client, seeded, sessions):
    _manager(sessions)
    tid = start(client)
    before = read(client, tid)
    with _browser(app) as browser:
        csrf = _login(browser).json()["csrf_token"]
        r = browser.post(f"/trade-ins/{tid}/expire")
        assert_error(r, 403, "forbidden", field="X-CSRF-Token")
        r = browser.post(f"/trade-ins/{tid}/expire", headers={"X-CSRF-Token": "forged"})
        assert_error(r, 403, "forbidden")
        assert read(client, tid) == before
        assert len(_events(sessions, "csrf_failed")) == 2

        forged = browser.post(f"/trade-ins/{tid}/expire", data={"csrf_token": "forged"})
        assert_error(forged, 403, "forbidden")
        assert read(client, tid) == before
        # With the token, in the header or an HTML form's field, the write goes through to
        # the lifecycle (which refuses an early expiry).
        r = browser.post(f"/trade-ins/{tid}/expire", headers={"X-CSRF-Token": csrf})
        assert_error(r, 409, "not_yet_expired")
        r = browser.post(f"/trade-ins/{tid}/expire", data={"csrf_token": csrf})
        assert_error(r, 409, "not_yet_expired")


def test_a_wrong_password_is_refused_recorded_and_says_nothing_about_the_account(
    anonymous, seeded, sessions
):
    _manager(sessions)
    wrong = _login(anonymous, password="not the password at all")
    unknown = anonymous.post(
        "/auth/login", json={"email": "nobody@acme.example", "password": "whatever it is"}
    )
    a, b = assert_error(wrong, 401, "login_failed"), assert_error(unknown, 401, "login_failed")
    assert a["message"] == b["message"]
    failed = _events(sessions, "login_failed")
    assert [e.subject for e in failed] == [MANAGER, "nobody@acme.example"]
    assert all("not the password" not in str(e.detail) for e in failed)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(StaffSession)) == 0


def test_failed_sign_ins_are_rate_limited_per_account_until_the_window_passes(
    anonymous, seeded, sessions, clock
):
    _manager(sessions)
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        assert _login(anonymous, password="wrong wrong wrong").status_code == 401
    clock.advance(minutes=1)
    # Even the right password is refused now: guessing must not be able to go on.
    r = _login(anonymous)
    assert_error(r, 429, "rate_limited")
    retry_after = int(r.headers["Retry-After"])
    assert 0 < retry_after <= (WINDOW_MINUTES - 1) * 60 + 1
    assert len(_events(sessions, "login_throttled")) == 1
    clock.advance(seconds=retry_after)
    assert _login(anonymous).status_code == 200


def test_sign_out_ends_the_session_everywhere(anonymous, seeded, sessions):
    _manager(sessions)
    token = _login(anonymous, bearer=True).json()["token"]
    assert token.startswith("rvs_")
    headers = auth.bearer(token)
    assert anonymous.get("/auth/me", headers=headers).status_code == 200
    assert anonymous.post("/auth/logout", headers=headers).status_code == 200
    assert_error(anonymous.get("/auth/me", headers=headers), 401, "unauthenticated")
    assert len(_events(sessions, "session_invalid")) == 1


def test_a_session_expires(anonymous, seeded, sessions, clock):
    _manager(sessions)
    headers = auth.bearer(_login(anonymous, bearer=True).json()["token"])
    clock.advance(hours=12)
    assert_error(anonymous.get("/auth/me", headers=headers), 401, "unauthenticated")


def test_disabling_an_account_ends_its_sessions_and_its_sign_in(anonymous, seeded, sessions):
    _manager(sessions)
    headers = auth.bearer(_login(anonymous, bearer=True).json()["token"])
    with sessions.begin() as s:
        access.disable(s, MANAGER, factories.ctx())
    assert_error(anonymous.get("/auth/me", headers=headers), 401, "unauthenticated")
    assert_error(_login(anonymous), 401, "login_failed")


def test_malformed_and_unknown_credentials_are_401_never_anonymous(anonymous, seeded, sessions):
    for header in ("Basic abc", "Bearer", "Bearer rvs_nope", "Bearer rvk_nope.x", "Bearer zzz"):
        r = anonymous.get("/catalog/models", headers={"Authorization": header})
        assert_error(r, 401, "unauthenticated")
        assert r.headers["WWW-Authenticate"] == "Bearer"
    # The same call without credentials is public.
    assert anonymous.get("/catalog/models").status_code == 200
    with sessions() as s:
        kinds = s.scalars(select(SecurityEvent.kind)).all()
    assert len(kinds) == 5


def test_a_role_in_one_program_is_not_a_role_in_another(anonymous, seeded, sessions):
    with sessions.begin() as s:
        factories.add_program(s, "rival")
        token = auth.staff(
            s, "mixed@x.example", {PROGRAM: [Role.INSPECTOR], "rival": [Role.PROGRAM_MANAGER]}
        )
    headers = auth.bearer(token)
    assert (
        anonymous.patch("/programs/rival", json={"name": "R"}, headers=headers).status_code == 200
    )
    r = anonymous.patch(f"/programs/{PROGRAM}", json={"name": "A"}, headers=headers)
    assert_error(r, 403, "forbidden")
