"""The staff console's frame: sign-in and sign-out through the console's own form (cookie
session and CSRF token), the browser's redirect to sign in against the API client's JSON 401,
the CSRF token every cookie-signed write needs, role-aware navigation and refusals, and the
program picker."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from revalue.access.models import SecurityEvent, StaffSession
from revalue.domain.access import Role
from revalue.logistics.models import Receipt
from revalue.tokens import digest
from tests import auth, factories
from tests.api.support import PROGRAM, assert_error
from tests.api.test_portal_pages import answers_form

HTML = {"Accept": "text/html,application/xhtml+xml"}
RECEIVER = "rita@acme.example"


def browser(app) -> TestClient:  # type: ignore[no-untyped-def]
    """A browser: its Secure cookies are only kept and sent over HTTPS."""
    return TestClient(app, base_url="https://testserver", headers=HTML, follow_redirects=False)


def account(sessions, email: str, roles: Mapping[str | None, Iterable[Role]]) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        auth.staff(s, email, roles)


def sign_in(c: TestClient, email: str, password: str = auth.PASSWORD, next_: str = ""):  # type: ignore[no-untyped-def]
    data = {"email": email, "password": password, "next": next_}
    return c.post("/console/login", data=data)


def signed_in(app, sessions, email: str, roles) -> TestClient:  # type: ignore[no-untyped-def]
    """A browser signed in through the console's form as a new account with the roles."""
    account(sessions, email, roles)
    c = browser(app)
    r = sign_in(c, email)
    assert r.status_code == 303, r.text
    return c


def count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def events(sessions, kind: str) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        stmt = select(func.count()).select_from(SecurityEvent).where(SecurityEvent.kind == kind)
        return s.scalar(stmt) or 0


def test_the_sign_in_page_has_the_labelled_fields_and_button(app, seeded):
    with browser(app) as c:
        r = c.get("/console/login")
    assert r.status_code == 200
    for text in ('<label for="email">Email', '<label for="password">Password', ">Sign in<"):
        assert text in r.text
    assert "script-src" not in r.text and "Content-Security-Policy" in r.headers


def test_sign_in_sets_the_session_and_csrf_cookies_and_opens_the_console(app, seeded, sessions):
    account(sessions, RECEIVER, {PROGRAM: [Role.RECEIVER]})
    with browser(app) as c:
        r = sign_in(c, RECEIVER, next_="/console/receiving")
        assert r.status_code == 303 and r.headers["location"] == "/console/receiving"
        cookies = r.headers.get_list("set-cookie")
        assert {cookie.split("=")[0] for cookie in cookies} == {"revalue_session", "revalue_csrf"}
        for cookie in cookies:
            for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
                assert attribute.lower() in cookie.lower(), cookie
        home = c.get("/console")
    assert home.status_code == 200
    assert '<a href="/console/receiving">Receiving</a>' in home.text
    assert ">Inspection<" not in home.text and ">Dashboard<" not in home.text
    assert RECEIVER in home.text and ">Sign out<" in home.text
    # The session's CSRF token is on every form and in htmx's headers.
    csrf = c.cookies.get("revalue_csrf")
    assert csrf and f'name="csrf_token" value="{csrf}"' in home.text
    assert f'"X-CSRF-Token": "{csrf}"' in home.text
    assert events(sessions, "login") == 1


def test_a_failed_sign_in_says_so_without_saying_which_and_opens_nothing(app, seeded, sessions):
    account(sessions, RECEIVER, {PROGRAM: [Role.RECEIVER]})
    before = count(sessions, StaffSession)
    with browser(app) as c:
        wrong_password = sign_in(c, RECEIVER, "not the password")
        wrong_email = sign_in(c, "nobody@acme.example")
        assert not c.cookies
    for r in (wrong_password, wrong_email):
        assert r.status_code == 401
        assert 'role="alert">Wrong email or password, or the account is disabled.' in r.text
        assert "set-cookie" not in r.headers
    assert f'value="{RECEIVER}"' in wrong_password.text  # the email is kept
    assert count(sessions, StaffSession) == before
    assert events(sessions, "login_failed") == 2


def test_sign_in_goes_on_to_console_pages_only(app, seeded, sessions):
    account(sessions, RECEIVER, {PROGRAM: [Role.RECEIVER]})
    for target in ("https://evil.example/console", "//evil.example/x", "/auth/me"):
        with browser(app) as c:
            r = sign_in(c, RECEIVER, next_=target)
        assert r.headers["location"] == "/console", target


def test_repeated_failures_are_rate_limited_like_the_api(app, seeded, sessions):
    account(sessions, RECEIVER, {PROGRAM: [Role.RECEIVER]})
    with browser(app) as c:
        for _ in range(5):
            assert sign_in(c, RECEIVER, "wrong").status_code == 401
        r = sign_in(c, RECEIVER)  # the right password, too late
    assert r.status_code == 429 and "too many failed sign-ins" in r.text
    assert "set-cookie" not in r.headers
    assert events(sessions, "login_throttled") == 1


def test_a_browser_not_signed_in_is_sent_to_sign_in_and_an_api_client_gets_401(
    app, anonymous, seeded
):
    with browser(app) as c:
        r = c.get("/console/receiving?site=leeds-hub")
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login?next=/console/receiving%3Fsite%3Dleeds-hub"
    assert_error(anonymous.get("/console/receiving"), 401, "unauthenticated")
    # The sign-in page carries the target on to its form.
    with browser(app) as c:
        page = c.get("/console/login?next=/console/receiving")
    assert 'name="next" value="/console/receiving"' in page.text


def test_a_cookie_signed_write_needs_the_csrf_token(app, seeded, sessions):
    c = signed_in(app, sessions, RECEIVER, {PROGRAM: [Role.RECEIVER]})
    with c:
        form = {"site": "leeds-hub", "scan": "NOSUCHTHING1"}
        forged = c.post("/console/receiving", data={**form, "csrf_token": "forged"})
        missing = c.post("/console/receiving", data=form, headers={"Accept": "application/json"})
        assert forged.status_code == 403 and "Not allowed" in forged.text
        assert_error(missing, 403, "forbidden", field="X-CSRF-Token")
        assert events(sessions, "csrf_failed") == 2
        good = c.post("/console/receiving", data={**form, "csrf_token": c.cookies["revalue_csrf"]})
    # Let through: the (unknown) site is the page's own error, not the guard's.
    assert good.status_code == 404 and "no site &#39;leeds-hub&#39;" in good.text
    assert count(sessions, Receipt) == 0


def test_sign_out_ends_the_session_at_once(app, seeded, sessions):
    c = signed_in(app, sessions, RECEIVER, {PROGRAM: [Role.RECEIVER]})
    with c:
        token = c.cookies["revalue_session"]
        r = c.post("/console/logout", data={"csrf_token": c.cookies["revalue_csrf"]})
        assert r.status_code == 303 and r.headers["location"] == "/console/login"
        assert not c.cookies.get("revalue_session")
    with sessions() as s:
        row = s.scalars(select(StaffSession).where(StaffSession.token_hash == digest(token)))
        assert row.one().revoked_at is not None
    with browser(app) as again:  # the old cookie, sent anyway, opens nothing
        again.cookies.set("revalue_session", token, domain="testserver")
        r = again.get("/console")
        assert r.status_code == 303 and r.headers["location"].startswith("/console/login")


def test_each_role_sees_its_sections_and_is_refused_the_others(app, client, seeded, sessions):
    tid = client.post(
        "/quotes",
        json={
            "program_id": PROGRAM,
            "variant_sku": factories.PHONE,
            "answers": factories.answers(),
        },
    ).json()["trade_in_id"]
    inspector = signed_in(app, sessions, "ivan@acme.example", {PROGRAM: [Role.INSPECTOR]})
    with inspector:
        home = inspector.get("/console").text
        assert ">Inspection<" in home and ">Queues<" in home and ">Receiving<" not in home
        page = inspector.get("/console/receiving")
        assert page.status_code == 403 and 'role="alert"' in page.text
        assert page.headers["content-type"].startswith("text/html")
        api = inspector.get("/console/receiving", headers={"Accept": "application/json"})
        assert_error(api, 403, "forbidden")
        assert inspector.get(f"/console/trade-ins/{tid}").status_code == 200
    receiver = signed_in(app, sessions, RECEIVER, {PROGRAM: [Role.RECEIVER]})
    with receiver:
        assert receiver.get(f"/console/trade-ins/{tid}/inspect").status_code == 403
    # Another program's trade-in does not exist for its staff: 404, never 403.
    with sessions.begin() as s:
        factories.add_program(s, "other")
    outsider = signed_in(app, sessions, "olga@other.example", {"other": [Role.INSPECTOR]})
    with outsider:
        r = outsider.get(f"/console/trade-ins/{tid}/inspect")
        assert r.status_code == 404 and "Not found" in r.text


def test_the_program_picker_lists_their_programs_and_remembers_the_choice(app, seeded, sessions):
    with sessions.begin() as s:
        factories.add_program(s, "other")
    roles = {PROGRAM: [Role.RECEIVER], "other": [Role.RECEIVER]}
    c = signed_in(app, sessions, RECEIVER, roles)
    with c:
        page = c.get("/console")
        assert '<label for="program">Program</label>' in page.text
        assert '<option value="other">' in page.text
        picked = c.get("/console?program=other")
        assert "Working in Other." in picked.text
        assert "revalue_program=other" in picked.headers["set-cookie"]
        assert "Working in Other." in c.get("/console").text
    single = signed_in(app, sessions, "solo@acme.example", {PROGRAM: [Role.RECEIVER]})
    with single:
        assert '<label for="program">' not in single.get("/console").text


def test_the_consoles_cookies_stay_on_the_console(app, seeded, sessions):
    """A staff member's browser does not send its session to the public portal or the API: a
    quote asked for in the same browser is a customer's, and needs no CSRF token."""
    with signed_in(app, sessions, RECEIVER, {PROGRAM: [Role.RECEIVER]}) as c:
        assert {cookie.path for cookie in c.cookies.jar} == {"/console"}
        r = c.post(f"/p/{PROGRAM}/quote", data=answers_form())
        assert r.status_code == 303 and r.headers["location"].startswith("/t/rvc_")
        assert c.get("/console").status_code == 200  # still signed in to the console
        assert c.get("/trade-ins", headers={"Accept": "application/json"}).status_code == 401
