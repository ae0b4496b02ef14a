"""The main pages as a phone and a workstation show them (screenshots at 375 and 1280 px), each
loading without a JavaScript error and fitting a phone's width."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, PROGRAM, Server, Web, email, shoot


def a_demo_certificate(server: Server) -> str:
    """A certificate the demo issued for one of its erased devices."""
    api = server.api("admin")
    r = api.get("/trade-ins", params={"program_id": PROGRAM, "state": "disposed", "limit": 1})
    assert r.status_code == 200, r.text
    (item,) = r.json()["items"]
    r = api.get(f"/trade-ins/{item['id']}/certificates")
    assert r.status_code == 200, r.text
    return r.json()[0]["certificate"]["certificate_id"]


def test_a_certificates_qr_code_opens_a_page_saying_it_is_valid(web: Web, server: Server) -> None:
    certificate_id = a_demo_certificate(server)
    page = web.person()
    page.goto(f"/verify/{certificate_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("✓ VALID")
    expect(page.get_by_text(certificate_id).first).to_be_visible()
    shoot(web, page, "pages/verify-valid")


def test_an_unknown_certificate_is_a_page_saying_so(web: Web) -> None:
    page = web.person()
    with web.tolerating("status of 404"):
        response = page.goto("/verify/cert_does_not_exist")
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Certificate not found")
        shoot(web, page, "pages/verify-not-found")


def test_a_browser_not_signed_in_is_sent_to_the_sign_in_page(web: Web) -> None:
    page = web.person()
    page.goto("/console/queues")
    expect(page).to_have_url(re.compile(r"/console/login\?next=(/|%2F)console(/|%2F)queues$"))
    shoot(web, page, "console/01-login")
    # By keyboard alone: the email field has the focus, Tab goes on, Enter signs in.
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(email("manager"))
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/console/queues$"))


def test_a_wrong_password_is_said_on_the_page_with_the_email_kept(web: Web) -> None:
    page = web.person()
    page.goto("/console/login")
    page.get_by_label("Email").fill(email("receiver"))
    page.get_by_label("Password").fill("not the password")
    with web.tolerating("status of 401"):
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(email("receiver"))
    expect(page).to_have_url(re.compile(r"/console/login"))


def test_the_console_home_offers_each_role_its_sections(web: Web) -> None:
    offered = {
        "receiver": {"Receiving", "Queues"},
        "manager": {"Queues", "Dashboard"},
    }
    for who, sections in offered.items():
        page = web.staff(who)
        main = page.get_by_role("main")
        for section in ("Receiving", "Inspection", "Queues", "Dashboard"):
            expect(main.get_by_role("link", name=section, exact=True)).to_have_count(
                1 if section in sections else 0
            )
        shoot(web, page, f"console/02-home-{who}")


def test_the_queues_show_their_counts(web: Web) -> None:
    page = web.staff("manager")
    page.get_by_role("main").get_by_role("link", name="Queues", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Queues")
    expect(page.get_by_role("heading", level=2).first).to_be_visible()
    shoot(web, page, "console/03-queues")


def test_the_dashboard_shows_the_demo_programs_figures_with_charts(web: Web) -> None:
    page = web.staff("manager")
    page.goto(f"/console/dashboard?program={PROGRAM}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revalue Demo Trade-In")
    charts = page.locator("svg[role=img]")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 3
    for i in range(charts.count()):
        assert charts.nth(i).get_attribute("aria-label"), "every chart is named"
        expect(charts.nth(i).locator("title")).to_have_count(1)
    shoot(web, page, "console/04-dashboard")
