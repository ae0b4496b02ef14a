"""The customer portal's quote and acceptance pages: each renders with the headings and
labels the browser tests rely on, under the security headers; the quote form opens a trade-in
exactly as ``POST /quotes`` does and sends the customer to their link; bad answers come back
on the page and create nothing; acceptance in store and by mail-in."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from revalue.customers import contacts, links
from revalue.customers.models import CustomerLink
from tests import factories
from tests.api.support import (
    LAPTOP,
    PHONE,
    PROGRAM,
    expected_offer,
    read,
    snapshot,
    trade_in_total,
)
from tests.api.test_shipments_api import add_hub

pytestmark = pytest.mark.usefixtures("seeded")
HTML = {"Accept": "text/html"}


def answers_form(sku: str = PHONE, **over: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "variant_sku": sku,
        "powers_on": "yes",
        "screen_cracked": "no",
        "cosmetic": "good",
        "activation_lock_off": "yes",
    }
    form.update(over)
    return {k: v for k, v in form.items() if v is not None}


def quote_page(anonymous, **over: Any) -> str:  # type: ignore[no-untyped-def]
    """Get a quote through the portal; the customer's token, from the address they land on."""
    r = anonymous.post(f"/p/{PROGRAM}/quote", data=answers_form(**over), follow_redirects=False)
    assert r.status_code == 303, r.text
    match = re.fullmatch(r"/t/(rvc_[A-Za-z0-9_-]+)", r.headers["location"])
    assert match, r.headers["location"]
    return match.group(1)


def trade_in_of(sessions, token: str) -> str:  # type: ignore[no-untyped-def]
    with sessions() as s:
        link = links.find(s, token, factories.NOW)
        assert link is not None
        return link.trade_in_id


def assert_page(r, status: int = 200) -> str:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "script-src" not in r.headers["content-security-policy"]  # default-src 'self' only
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "style=" not in r.text and "<style" not in r.text
    return r.text


def test_the_start_page_offers_the_programs_categories_and_a_model_search(anonymous):
    page = assert_page(anonymous.get(f"/p/{PROGRAM}", headers=HTML))
    assert "<h1>Get a quote for your device</h1>" in page
    for name in ("Phones", "Tablets", "Laptops", "Watches and wearables"):
        assert f">{name}</a>" in page
    assert '<label for="q">Search models</label>' in page
    assert f'hx-get="/p/{PROGRAM}"' in page
    assert "/quote/" not in page  # nothing listed until a category or a search
    phones = assert_page(anonymous.get(f"/p/{PROGRAM}?category=smartphone"))
    assert f'href="/p/{PROGRAM}/quote/{PHONE}"' in phones
    assert f'href="/p/{PROGRAM}/quote/{LAPTOP}"' not in phones
    assert ">Apple</a>" in phones and ">Google</a>" in phones  # the category's brands


def test_the_search_answers_htmx_with_the_results_alone_and_a_browser_with_the_page(anonymous):
    fragment = anonymous.get(f"/p/{PROGRAM}?q=pixel", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<h1>" not in fragment.text
    assert f"/p/{PROGRAM}/quote/google-pixel-8-128gb" in fragment.text
    assert f"/quote/{PHONE}" not in fragment.text
    whole = anonymous.get(f"/p/{PROGRAM}?q=pixel")  # the same search without JavaScript
    assert "<h1>" in whole.text and "/quote/google-pixel-8-128gb" in whole.text
    none = anonymous.get(f"/p/{PROGRAM}?q=nokia", headers={"HX-Request": "true"})
    assert "No model found" in none.text


def test_the_questions_are_explained_and_list_the_categorys_faults(anonymous):
    page = assert_page(anonymous.get(f"/p/{PROGRAM}/quote/{PHONE}"))
    for legend in (
        "Does it switch on?",
        "Is the screen cracked?",
        "How does it look?",
        "Does anything not work?",
        "Have you removed your account from it?",
    ):
        assert f"<legend>{legend}</legend>" in page
    for grade in ("Flawless", "Good", "Fair", "Poor"):
        assert f'<span class="choice-label">{grade}</span>' in page
    assert "Light signs of use" in page  # each grade explained
    assert page.count('type="radio" name="powers_on"') == 2 and "> Yes</label>" in page
    assert "Camera does not work" in page and "Keyboard keys do not work" not in page
    assert "Get my offer" in page
    laptop = anonymous.get(f"/p/{PROGRAM}/quote/{LAPTOP}").text
    assert "Keyboard keys do not work" in laptop and "Hinge is loose or broken" in laptop


@pytest.mark.parametrize(
    "path", ["/p/nowhere", f"/p/{PROGRAM}/quote/no-such-phone", "/p/nowhere/quote/x"]
)
def test_an_unknown_program_or_device_is_a_404_page(anonymous, path):
    page = assert_page(anonymous.get(path, headers=HTML), 404)
    assert "We could not find that" in page


def test_the_quote_form_opens_a_trade_in_and_sends_the_customer_to_their_link(
    client, anonymous, sessions
):
    before = trade_in_total(client)
    token = quote_page(anonymous, cosmetic="fair", faults="battery")
    assert trade_in_total(client) == before + 1
    tid = trade_in_of(sessions, token)
    body = read(client, tid)
    assert body["state"] == "quoted" and body["variant_sku"] == PHONE
    cash = expected_offer(PHONE, cosmetic="fair", defects=("battery",))
    assert {o["method"]: o["amount"]["amount"] for o in body["quote"]["offers"]}["cash"] == cash
    assert body["custody"][-1]["actor"] == "customer"  # as an anonymous POST /quotes
    page = assert_page(anonymous.get(f"/t/{token}"))
    assert "<h1>Your offer</h1>" in page
    assert "Keep this page's link" in page and f"/t/{token}" in page
    assert f"{cash // 100}.00 USD" in page
    assert "Fault: battery (-10%)" in page  # the itemized explanation
    for pathway in ("Mail-in", "In store", "Kiosk"):
        assert f'<span class="choice-label">{pathway}</span>' in page
    assert "Business lot" not in page  # not a customer's pathway
    for method in ("Cash", "Store credit"):
        assert f'<span class="choice-label">{method}</span>' in page
    assert '<label for="name">Name</label>' in page and '<label for="email">Email</label>' in page
    assert "Accept offer" in page


@pytest.mark.parametrize(
    ("over", "says"),
    [
        ({"cosmetic": None}, "Please answer this question."),
        ({"powers_on": "maybe"}, "Please answer this question."),
        ({"faults": "keyboard"}, "faults keyboard do not apply to a smartphone"),
    ],
)
def test_bad_answers_come_back_with_the_error_and_create_nothing(client, anonymous, over, says):
    before = trade_in_total(client)
    r = anonymous.post(f"/p/{PROGRAM}/quote", data=answers_form(**over), follow_redirects=False)
    page = assert_page(r, 422)
    assert says in page and 'role="alert"' in page
    assert 'name="screen_cracked" value="no" checked' in page  # the answers given are kept
    assert trade_in_total(client) == before


def accept(anonymous, token: str, **form: Any):  # type: ignore[no-untyped-def]
    return anonymous.post(f"/t/{token}/accept", data=form, follow_redirects=False)


def test_accepting_in_store_shows_the_qr_code_for_the_store_associate(client, anonymous, sessions):
    token = quote_page(anonymous)
    tid = trade_in_of(sessions, token)
    r = accept(
        anonymous,
        token,
        pathway="in_store",
        payout_method="store_credit",
        name="Ada Lovelace",
        email="Ada@Example.com",
    )
    assert r.status_code == 303 and r.headers["location"] == f"/t/{token}"
    body = read(client, tid)
    assert (body["state"], body["pathway"], body["payout_method"]) == (
        "accepted",
        "in_store",
        "store_credit",
    )
    with sessions() as s:
        contact = contacts.get(s, tid)
        assert (contact.name, contact.email) == ("Ada Lovelace", "ada@example.com")
    page = assert_page(anonymous.get(f"/t/{token}"))
    assert "<h1>Your trade-in</h1>" in page
    assert f'src="/t/{token}/handover.svg" alt="QR code for the store associate"' in page
    assert "You accepted" in page and '<ol class="timeline">' in page
    qr = anonymous.get(f"/t/{token}/handover.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.lstrip().startswith("<?xml") and "<svg" in qr.text
    assert "Download shipping label" not in page


def test_accepting_by_mail_makes_the_label_the_customer_downloads(client, anonymous, sessions):
    add_hub(client, sessions)
    token = quote_page(anonymous)
    tid = trade_in_of(sessions, token)
    r = accept(anonymous, token, pathway="mail_in", payout_method="cash", name="Ada Lovelace")
    assert r.status_code == 303
    body = read(client, tid)
    assert body["state"] == "awaiting_shipment"
    shipments = client.get(f"/trade-ins/{tid}/shipments").json()
    assert [s["direction"] for s in shipments] == ["inbound"]  # no kit: none asked for
    page = assert_page(anonymous.get(f"/t/{token}"))
    assert f'href="/t/{token}/label.pdf">Download shipping label (PDF)</a>' in page
    assert "QR code" not in page
    label = anonymous.get(f"/t/{token}/label.pdf")
    assert label.status_code == 200 and label.content.startswith(b"%PDF")
    assert label.headers["content-type"] == "application/pdf"


def test_a_mailing_kit_asked_for_needs_the_address_and_nothing_changes_without_it(
    client, anonymous, sessions
):
    add_hub(client, sessions)
    token = quote_page(anonymous)
    tid = trade_in_of(sessions, token)
    before = snapshot(client, tid)
    r = accept(
        anonymous, token, pathway="mail_in", payout_method="cash", kit="yes", name="Ada Lovelace"
    )
    page = assert_page(r, 422)
    assert "add it to the contact first" in page
    assert 'value="Ada Lovelace"' in page and 'name="kit" value="yes" checked' in page
    assert 'name="pathway" value="mail_in" aria-describedby="pathway-mail_in" checked' in page
    assert snapshot(client, tid) == before
    with sessions() as s:
        assert contacts.get(s, tid) is None  # the contact rolled back with the acceptance
    address = {
        "line1": "12 Analytical Row",
        "city": "London",
        "postal_code": "N1 9GU",
        "country": "gb",
    }
    r = accept(
        anonymous,
        token,
        pathway="mail_in",
        payout_method="cash",
        kit="yes",
        name="Ada Lovelace",
        **address,
    )
    assert r.status_code == 303
    shipments = client.get(f"/trade-ins/{tid}/shipments").json()
    assert sorted(s["direction"] for s in shipments) == ["inbound", "kit"]
    with sessions() as s:
        assert contacts.get(s, tid).address["country"] == "GB"


@pytest.mark.parametrize(
    ("form", "status", "says"),
    [
        ({"payout_method": "cash"}, 422, "How you send the device:</strong> Please answer"),
        (
            {"pathway": "in_store", "payout_method": "cash", "email": "not-an-email"},
            422,
            "Email:</strong> Enter an email address like name@example.com.",
        ),
        # No receiving site: the label cannot be made, so the acceptance is not taken either.
        ({"pathway": "mail_in", "payout_method": "cash"}, 409, "has no receiving site"),
    ],
)
def test_an_acceptance_that_cannot_be_taken_changes_nothing(
    client, anonymous, sessions, form, status, says
):
    token = quote_page(anonymous)
    tid = trade_in_of(sessions, token)
    before = snapshot(client, tid)
    page = assert_page(accept(anonymous, token, name="Ada", **form), status)
    assert says in page and 'value="Ada"' in page
    assert snapshot(client, tid) == before


def test_the_links_token_is_shown_once_and_kept_only_as_a_digest(anonymous, sessions):
    token = quote_page(anonymous)
    with sessions() as s:
        stored = s.scalars(select(CustomerLink.token_hash)).all()
    assert token not in stored and len(stored) == 1


def test_a_mail_in_acceptance_without_a_label_gets_one_from_the_page(client, anonymous, sessions):
    token = quote_page(anonymous)
    tid = trade_in_of(sessions, token)
    r = client.post(
        f"/trade-ins/{tid}/accept", json={"payout_method": "cash", "pathway": "mail_in"}
    )
    assert r.status_code == 200, r.text
    page = assert_page(anonymous.get(f"/t/{token}"))
    assert f'action="/t/{token}/label"' in page and "Download shipping label" not in page
    before = snapshot(client, tid)
    refused = assert_page(anonymous.post(f"/t/{token}/label"), 409)
    assert "has no receiving site" in refused
    assert snapshot(client, tid) == before
    add_hub(client, sessions)
    r = anonymous.post(f"/t/{token}/label", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/t/{token}"
    assert read(client, tid)["state"] == "awaiting_shipment"
    assert "Download shipping label (PDF)" in anonymous.get(f"/t/{token}").text
