"""The program dashboard: the figures its reports answer in JSON, each section with a chart,
for program managers, finance, auditors and admins of that program only."""

from __future__ import annotations

import html
import re

import pytest

from revalue.domain.access import Role
from tests import auth, factories
from tests.api.support import (
    PROGRAM,
    assert_error,
    ok,
    paid,
    post_quote,
    received,
    requote_offered,
    start,
)

RIVAL = "rival"
HTML = {"Accept": "text/html"}


def figures(page: str) -> dict[str, str]:
    """Headline figures: heading -> {label: shown}, flattened as "Heading/Label"."""
    out = {}
    for heading, body in re.findall(r"<h2[^>]*>([^<]+)</h2>(.*?)</section>", page, re.S):
        for label, value in re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", body):
            out[f"{html.unescape(heading)}/{html.unescape(label)}"] = html.unescape(value)
    return out


def pct(part: int, whole: int) -> str:
    return f"{round(part * 10_000 / whole) / 100:.1f} %"


@pytest.fixture
def activity(client, seeded):  # type: ignore[no-untyped-def]
    """Five quotes: one left quoted, one re-quote declined, one received, two paid."""
    start(client)
    declined = requote_offered(client)
    ok(client, declined, "decline-requote")
    received(client)
    return [paid(client), paid(client)]


def test_the_figures_are_the_reports_figures(client, activity):
    page = client.get(f"/console/dashboard?program={PROGRAM}")
    assert page.status_code == 200, page.text
    shown = figures(page.text)
    trade_ins = client.get("/trade-ins", params={"program_id": PROGRAM}).json()["total"]
    assert shown["Volume/Trade-ins quoted"] == f"{trade_ins:,}" == "5"
    assert shown["Conversion from quote to received/Received"] == "4"
    assert shown["Conversion from quote to received/Of quoted"] == pct(4, 5)
    requotes = client.get(f"/programs/{PROGRAM}/reports/requotes").json()
    inspected = sum(r["inspected"] for r in requotes)
    requoted = sum(r["requoted"] for r in requotes)
    assert (inspected, requoted) == (3, 1)
    assert shown["Re-quote rate/Inspected"] == "3"
    assert shown["Re-quote rate/Rate"] == pct(requoted, inspected)
    payments = [client.get(f"/trade-ins/{t}/payout").json() for t in activity]
    total = sum(p["amount"] for p in payments)
    assert shown["Payouts by method/Cash"] == f"2 paid, {total / 100:.2f} USD"
    assert shown["Devices by stage/Trade-ins"] == "5"


def test_the_average_offer_is_the_mean_of_the_initial_offers(client, seeded):
    quotes = [post_quote(client)["quote"], post_quote(client, cosmetic="poor")["quote"]]
    cash = [o["amount"]["amount"] for q in quotes for o in q["offers"] if o["method"] == "cash"]
    mean = (2 * sum(cash) + len(cash)) // (2 * len(cash))  # rounded half up
    shown = figures(client.get(f"/console/dashboard?program={PROGRAM}").text)
    assert shown["Average offer/Cash"] == f"{mean / 100:.2f} USD"


def test_every_section_has_a_chart_or_says_it_has_no_data(client, activity):
    page = client.get(f"/console/dashboard?program={PROGRAM}").text
    sections = re.findall(r"<section.*?</section>", page, re.S)
    assert len(sections) == 9
    for section in sections:
        assert 'role="img"' in section or "No data yet" in section, section[:200]
    for svg in re.findall(r"<svg[^>]*>", page):
        assert 'aria-label="' in svg
    main = page.split("<main", 1)[1]
    assert main.count("<title>") == main.count("<svg") > 0
    assert "style=" not in main


def test_a_program_without_trade_ins_says_no_data_yet(client, seeded):
    page = client.get(f"/console/dashboard?program={PROGRAM}")
    assert page.status_code == 200
    assert "No data yet" in page.text
    assert figures(page.text)["Volume/Trade-ins quoted"] == "0"


@pytest.mark.parametrize("role", [Role.PROGRAM_MANAGER, Role.FINANCE, Role.AUDITOR])
def test_the_programs_readers_see_it(anonymous, sessions, seeded, role):
    with sessions.begin() as s:
        token = auth.staff(s, f"{role}@test.example", {PROGRAM: [role]})
    # Without ?program=: their only program.
    page = anonymous.get("/console/dashboard", headers=auth.bearer(token))
    assert page.status_code == 200, page.text
    assert "<h1>Dashboard: Acme Trade-In</h1>" in page.text


def test_another_programs_dashboard_is_a_404_and_a_technician_gets_403(anonymous, sessions, seeded):
    with sessions.begin() as s:
        factories.add_program(s, RIVAL)
        rival_pm = auth.staff(s, "pm@rival.example", {RIVAL: [Role.PROGRAM_MANAGER]})
        tech = auth.staff(s, "tech@test.example", {PROGRAM: [Role.TECHNICIAN]})
    hidden = anonymous.get(f"/console/dashboard?program={PROGRAM}", headers=auth.bearer(rival_pm))
    missing = anonymous.get("/console/dashboard?program=nope", headers=auth.bearer(rival_pm))
    assert_error(hidden, 404, "program_not_found")
    assert_error(missing, 404, "program_not_found")
    refused = anonymous.get(f"/console/dashboard?program={PROGRAM}", headers=auth.bearer(tech))
    assert_error(refused, 403, "forbidden")
    # A browser gets a page that says so, with the same status.
    page = anonymous.get(
        f"/console/dashboard?program={PROGRAM}", headers={**auth.bearer(rival_pm), **HTML}
    )
    assert page.status_code == 404
    assert "Acme" not in page.text
