"""The customer's tracking page at their link: the custody events in plain words, a re-quote
answered through the page exactly as through the API, the documents once issued, and links
that open their own trade-in only (an unknown or revoked one is a 404 page that changes
nothing)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from revalue.access.models import SecurityEvent
from tests import factories, images
from tests import recovery_report_factories as rf
from tests.api.support import (
    AS_DECLARED,
    CUSTOMER_TOKENS,
    SANITIZED,
    finding,
    ok,
    post_quote,
    read,
    record,
    snapshot,
)
from tests.api.test_portal_pages import HTML, assert_page

pytestmark = pytest.mark.usefixtures("seeded")
PNG = images.png()
PNG_SHA = hashlib.sha256(PNG).hexdigest()


def in_store(client) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A trade-in accepted in store and handed over; (id, the customer's token)."""
    quote = post_quote(client)
    tid = quote["trade_in_id"]
    ok(client, tid, "accept", {"payout_method": "cash", "pathway": "in_store"})
    ok(client, tid, "receive")
    return tid, quote["customer_token"]


def requoted(client) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Declared good, found fair with a photographed deep scratch: a re-quote waits."""
    tid, token = in_store(client)
    r = client.post(f"/trade-ins/{tid}/photos", files={"photo": ("p.png", PNG, "image/png")})
    assert r.status_code == 201, r.text
    scratched = record(finding("screen", "deep_scratch", 2, 8.0, photo=PNG_SHA))
    ok(client, tid, "inspect", {"record": scratched})
    assert read(client, tid)["state"] == "requote_offered"
    return tid, token


def test_the_timeline_tells_each_custody_event_in_plain_words(client, anonymous):
    tid, token = in_store(client)
    ok(client, tid, "inspect", {"record": AS_DECLARED})
    ok(client, tid, "sanitize", SANITIZED)
    page = assert_page(anonymous.get(f"/t/{token}"))
    assert "<h1>Your trade-in</h1>" in page
    timeline = page.split('<ol class="timeline">')[1].split("</ol>")[0]
    sentences = [
        "You got an offer",
        "You accepted",
        "Received at test-lab",
        "Inspected: graded B0 by an inspector",
        "Your data was erased (NIST purge)",
    ]
    positions = [timeline.index(s) for s in sentences]
    assert positions == sorted(positions)  # oldest first
    assert '<time datetime="2026-06-15T12:00:00+00:00">15 Jun 2026, 12:00 UTC</time>' in timeline
    assert "check" not in timeline.lower().split("checked")[0]  # screening steps stay internal
    assert tid not in timeline and "receive" not in timeline  # words, not codes


def test_a_requote_shows_the_findings_with_photos_and_quoted_vs_found(client, anonymous):
    tid, token = requoted(client)
    body = read(client, tid)
    page = assert_page(anonymous.get(f"/t/{token}"))
    assert "We found a difference" in page
    assert f'src="/t/{token}/photos/{PNG_SHA}"' in page
    assert "Screen: 2 x deep scratch, 8 mm" in page
    quoted = body["quote"]["offers"][0]["amount"]["formatted"]
    found = body["requote"]["offers"][0]["amount"]["formatted"]
    assert f"<dd>{quoted}</dd>" in page and f"<dd><strong>{found}</strong></dd>" in page
    assert 'value="accept">Accept the new offer</button>' in page
    assert 'value="decline" class="secondary">Decline the new offer</button>' in page
    photo = anonymous.get(f"/t/{token}/photos/{PNG_SHA}")
    assert photo.status_code == 200 and photo.content == PNG
    assert photo.headers["content-type"] == "image/png"


@pytest.mark.parametrize(
    ("answer", "action"), [("accept", "accept-requote"), ("decline", "decline-requote")]
)
def test_answering_the_requote_on_the_page_does_what_the_api_does(
    client, anonymous, answer, action
):
    by_page, page_token = requoted(client)
    by_api, api_token = requoted(client)
    r = anonymous.post(f"/t/{page_token}/requote", data={"answer": answer}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/t/{page_token}"
    api = anonymous.post(
        f"/trade-ins/{by_api}/{action}", headers={"Authorization": f"Bearer {api_token}"}
    )
    assert api.status_code == 200, api.text
    page_side, api_side = read(client, by_page), read(client, by_api)
    keys = ("state", "payable", "allowed_actions", "expires_at")
    assert {k: page_side[k] for k in keys} == {k: api_side[k] for k in keys}
    mine, theirs = page_side["custody"][-1], api_side["custody"][-1]
    # The same event, but for the re-quote each trade-in has of its own.
    if answer == "accept":
        assert mine["data"].pop("requote_id") == page_side["requote"]["id"]
        assert theirs["data"].pop("requote_id") == api_side["requote"]["id"]
    assert (mine["action"], mine["actor"], mine["data"]) == (
        theirs["action"],
        theirs["actor"],
        theirs["data"],
    )
    after = assert_page(anonymous.get(f"/t/{page_token}"))
    assert "Accept the new offer" not in after
    said = "You accepted the new offer" if answer == "accept" else "You declined the new offer"
    assert said in after


def test_a_requote_answered_twice_is_refused_on_the_page_and_changes_nothing(client, anonymous):
    tid, token = requoted(client)
    anonymous.post(f"/t/{token}/requote", data={"answer": "decline"})
    before = snapshot(client, tid)
    page = assert_page(anonymous.post(f"/t/{token}/requote", data={"answer": "accept"}), 409)
    assert "cannot accept_requote a trade-in that is requote_declined" in page
    blank = assert_page(anonymous.post(f"/t/{token}/requote", data={}), 422)
    assert "choose to accept or decline" in blank
    assert snapshot(client, tid) == before


def test_documents_are_offered_once_issued_and_download_as_pdf(client, anonymous, sessions):
    phone = rf.world(client, sessions)[0]
    token = CUSTOMER_TOKENS[phone]
    page = assert_page(anonymous.get(f"/t/{token}"))
    assert f'href="/t/{token}/receipt.pdf">Download environmental receipt (PDF)</a>' in page
    assert "Download certificate (PDF)" not in page
    assert anonymous.get(f"/t/{token}/certificate.pdf", headers=HTML).status_code == 404
    issued = client.post(f"/trade-ins/{phone}/certificate")
    assert issued.status_code == 201, issued.text
    page = anonymous.get(f"/t/{token}").text
    assert f'href="/t/{token}/certificate.pdf">Download certificate (PDF)</a>' in page
    for name in ("certificate.pdf", "receipt.pdf"):
        r = anonymous.get(f"/t/{token}/{name}")
        assert r.status_code == 200 and r.content.startswith(b"%PDF"), name
        assert r.headers["content-type"] == "application/pdf"


UNKNOWN = "rvc_" + "x" * 43


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/t/{t}"),
        ("post", "/t/{t}/accept"),
        ("post", "/t/{t}/requote"),
        ("post", "/t/{t}/label"),
        ("get", "/t/{t}/label.pdf"),
        ("get", "/t/{t}/handover.svg"),
        ("get", "/t/{t}/certificate.pdf"),
    ],
)
def test_an_unknown_or_revoked_link_is_a_404_page_that_changes_nothing(
    client, anonymous, sessions, method, path
):
    quote = post_quote(client)
    tid, token = quote["trade_in_id"], quote["customer_token"]
    revoked = client.post(f"/trade-ins/{tid}/links/revoke")
    assert revoked.json() == {"revoked": 1}
    before = snapshot(client, tid)
    with sessions() as s:
        refused = s.scalar(select(func.count()).select_from(SecurityEvent))
    form = {"payout_method": "cash", "pathway": "in_store", "answer": "accept"}
    for t in (UNKNOWN, token):
        kw = {"data": form} if method == "post" else {}
        r = anonymous.request(method.upper(), path.format(t=t), headers=HTML, **kw)
        page = assert_page(r, 404)
        assert "unknown, expired or revoked" in page
    assert snapshot(client, tid) == before
    with sessions() as s:  # recorded, as the API records a refused link
        assert s.scalar(select(func.count()).select_from(SecurityEvent)) == refused + 2


def test_a_link_opens_its_own_trade_in_and_no_other(client, anonymous):
    mine, my_token = requoted(client)
    theirs, their_token = in_store(client)
    theirs_before, mine_before = snapshot(client, theirs), snapshot(client, mine)
    # Their link answers for their trade-in only: no re-quote there to answer.
    r = anonymous.post(f"/t/{their_token}/requote", data={"answer": "decline"})
    assert r.status_code == 409
    assert snapshot(client, mine) == mine_before and snapshot(client, theirs) == theirs_before
    # My photo is not theirs to see.
    assert anonymous.get(f"/t/{their_token}/photos/{PNG_SHA}").status_code == 404
    # A trade-in id slipped into the form changes nothing: the link decides.
    anonymous.post(f"/t/{my_token}/requote", data={"answer": "decline", "trade_in_id": theirs})
    assert read(client, mine)["state"] == "requote_declined"
    assert snapshot(client, theirs) == theirs_before


def test_a_signed_in_caller_of_another_program_finds_no_portal_there(client, anonymous, sessions):
    from revalue.domain.access import Role
    from tests import auth

    with sessions.begin() as s:
        factories.add_program(s, "rival")
        rival = auth.staff(s, "pm@rival.example", {"rival": [Role.PROGRAM_MANAGER]})
    _, token = in_store(client)
    headers = {"Authorization": f"Bearer {rival}", **HTML}
    assert anonymous.get("/p/rival", headers=headers).status_code == 200
    assert anonymous.get("/p/acme", headers=headers).status_code == 404
    assert anonymous.get(f"/t/{token}", headers=headers).status_code == 404
    assert anonymous.get(f"/t/{token}").status_code == 200  # the link alone opens it
