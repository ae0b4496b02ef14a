"""The console's queues page: each queue's count is what its feature's own query answers,
for the programs and roles of the staff member looking."""

from __future__ import annotations

import math
import re
from datetime import datetime

import pytest

from revalue.domain.access import Role
from revalue.identity.models import ScreeningFlag
from tests import auth, factories
from tests.api.support import (
    NOT_ERASED,
    PROGRAM,
    assert_error,
    ok,
    read,
    received,
    requote_offered,
    sanitized,
)

RIVAL = "rival"
HTML = {"Accept": "text/html"}


def counts(html: str) -> dict[str, int]:
    """Queue key -> the count the page shows."""
    found = re.findall(r'id="queue-([a-z_]+)".*?<span class="count"[^>]*>(\d+)</span>', html, re.S)
    return {key: int(n) for key, n in found}


def items(html: str, key: str) -> list[str]:
    """The trade-ins listed in one queue, in order."""
    section = html.split(f'id="queue-{key}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'href="/console/trade-ins/([^"]+)"', section)


def _flag(sessions, trade_in_id: str) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        s.add(
            ScreeningFlag(
                trade_in_id=trade_in_id,
                kind="model_mismatch",
                severity="medium",
                reason="declared one model, identified as another",
                status="open",
                raised_at=factories.NOW,
            )
        )


@pytest.fixture
def floor(client, seeded, sessions):  # type: ignore[no-untyped-def]
    """Trade-ins of acme in known states: two re-quotes offered, one inspected as declared,
    one whose erasure failed, one erased (waiting for a plan), one flagged."""
    states = {
        "requotes": [requote_offered(client), requote_offered(client)],
        "inspected": [received(client)],
        "failed": [sanitized(client, result=NOT_ERASED)],
        "erased": [sanitized(client)],
    }
    ok(client, states["inspected"][0], "inspect", {"condition": factories.answers()})
    _flag(sessions, states["inspected"][0])
    return states


def test_counts_match_the_data_and_each_features_own_queue(client, clock, floor):
    page = client.get("/console/queues")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    shown = counts(page.text)
    assert shown["screening"] == len(client.get("/screening/flags").json()) == 1
    assert shown["requotes"] == 2
    assert sorted(items(page.text, "requotes")) == sorted(floor["requotes"])
    assert shown["erasure"] == 1
    assert items(page.text, "erasure") == floor["inspected"]
    assert shown["erasure_failed"] == 1
    assert items(page.text, "erasure_failed") == floor["failed"]
    verify = client.get("/sanitizations/awaiting-verification").json()
    assert shown["verification"] == len(verify)
    assert shown["payouts"] == len(client.get("/payouts/awaiting-approval").json())
    # Erased and not verified-pending: waiting for a disposition plan.
    assert shown["disposition"] == 1 - len(verify)
    overdue = client.get(f"/programs/{PROGRAM}/logistics/overdue").json()
    assert shown["overdue"] == len(overdue)


def test_a_requote_shows_the_days_the_customer_has_left(client, clock, floor):
    tid = floor["requotes"][0]
    expires = datetime.fromisoformat(read(client, tid)["expires_at"])
    days = math.ceil((expires - clock.now).total_seconds() / 86_400)
    assert days > 0
    section = client.get("/console/queues").text.split('id="queue-requotes"')[1]
    assert f"{days} days left to answer" in section.split("</section>")[0]


def test_each_role_sees_the_queues_it_works(anonymous, sessions, floor):
    want = {
        Role.TECHNICIAN: {"erasure", "erasure_failed", "verification"},
        Role.FINANCE: {"payouts"},
        Role.RECEIVER: {"screening", "requotes"},
        Role.INSPECTOR: {"screening", "requotes"},
    }
    for role, queues in want.items():
        with sessions.begin() as s:
            token = auth.staff(s, f"{role}@test.example", {PROGRAM: [role]})
        page = anonymous.get("/console/queues", headers=auth.bearer(token))
        assert page.status_code == 200, (role, page.text)
        assert set(counts(page.text)) == queues, role


def test_a_store_associate_has_no_queues_page(anonymous, sessions, seeded):
    with sessions.begin() as s:
        token = auth.staff(s, "sa@test.example", {PROGRAM: [Role.STORE_ASSOCIATE]})
    assert_error(anonymous.get("/console/queues", headers=auth.bearer(token)), 403, "forbidden")


def test_another_programs_items_are_not_counted_and_its_filter_is_a_404(
    client, anonymous, sessions, floor
):
    with sessions.begin() as s:
        factories.add_program(s, RIVAL)
        rival_pm = auth.staff(s, "pm@rival.example", {RIVAL: [Role.PROGRAM_MANAGER]})
    page = anonymous.get("/console/queues", headers=auth.bearer(rival_pm))
    assert page.status_code == 200
    assert set(counts(page.text).values()) == {0}
    hidden = anonymous.get(f"/console/queues?program={PROGRAM}", headers=auth.bearer(rival_pm))
    assert_error(hidden, 404, "program_not_found")
    # The admin's filter narrows every queue to the program.
    assert counts(client.get(f"/console/queues?program={RIVAL}").text)["requotes"] == 0
    assert counts(client.get(f"/console/queues?program={PROGRAM}").text)["requotes"] == 2


def test_a_browser_not_signed_in_is_sent_to_sign_in(anonymous):
    r = anonymous.get("/console/queues?program=acme", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login?next=/console/queues%3Fprogram%3Dacme"


def test_a_queue_lists_what_has_waited_longest_first(client, clock, seeded):
    first = requote_offered(client)
    clock.advance(hours=3)
    second = requote_offered(client)
    # The trade-in search lists newest first; a work queue is worked oldest first.
    page = client.get("/trade-ins", params={"state": "requote_offered"}).json()
    assert [t["id"] for t in page["items"]] == [second, first]
    assert items(client.get("/console/queues").text, "requotes") == [first, second]
