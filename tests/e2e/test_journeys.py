"""The two journeys of issue 10, walked in Chromium by the people who walk them: a customer on
a phone, and staff at their workstations, each signed in as themselves.

(a) Mail-in, graded worse than declared, the re-quote declined: the device goes back.
(b) In store, graded as declared, erased and paid: the customer downloads the certificate.

The console has no page for erasure, certificates or payouts: those staff steps go through
the JSON API of the same server, with the staff member's own bearer session.
"""

from __future__ import annotations

import io
import re

import numpy
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import PROGRAM, Server, Web, pdf_behind, shoot

DEVICE = "Apple iPhone 15, 128 GB"
ERASED = {"level": "purge", "technique": "cryptographic_erase", "result": "erased"}


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def timeline(page: Page) -> list[str]:
    return [line.strip() for line in page.locator("ol.timeline > li").all_inner_texts()]


def get_a_quote(web: Web, journey: str) -> Page:
    """A customer on their phone finds their iPhone and answers the questions: it works,
    looks good, no crack, their account removed. They land on their private page."""
    page = web.person(phone=True)
    page.goto(f"/p/{PROGRAM}")
    shoot(web, page, f"{journey}/01-start")
    page.get_by_role("link", name="Phones").click()
    page.get_by_role("link", name="Apple", exact=True).click()
    results = page.locator("#results")
    expect(results.get_by_role("heading", name="Apple iPhone 11", exact=True)).to_be_visible()
    # Search as you type: htmx narrows the brand's models down, no Enter pressed.
    page.get_by_label("Search models").press_sequentially("iPhone 15", delay=30)
    expect(results.get_by_role("heading", name="Apple iPhone 11", exact=True)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"[?&]q=iPhone(\+|%20)15"))
    shoot(web, page, f"{journey}/02-search")
    page.get_by_role("link", name=DEVICE).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("iPhone 15")
    page.get_by_role("group", name="Does it switch on?").get_by_label("Yes").check()
    page.get_by_role("group", name="Is the screen cracked?").get_by_label("No").check()
    page.get_by_role("group", name="How does it look?").get_by_label("Good").check()
    page.get_by_role("group", name="Have you removed your account from it?").get_by_label(
        "Yes"
    ).check()
    shoot(web, page, f"{journey}/03-questions")
    page.get_by_role("button", name="Get my offer").click()
    page.wait_for_url(re.compile(r"/t/rvc_[\w-]+$"))
    expect(page.get_by_role("heading", name="Your offer")).to_be_visible()
    return page


def accept(web: Web, page: Page, journey: str, *, pathway: str, name: str, mail: str) -> str:
    """Accept for cash by the pathway; the cash offer as the page showed it."""
    shoot(web, page, f"{journey}/04-offer")
    cash = page.get_by_role("radio", name=re.compile(r"^Cash "))
    offered = re.sub(r"^Cash\s+", "", cash.locator("xpath=..").inner_text()).strip()
    page.get_by_role("radio", name=re.compile(rf"^{pathway}\b")).check()
    cash.check()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(mail)
    page.get_by_role("button", name="Accept offer").click()
    expect(page.get_by_role("heading", name="Your trade-in")).to_be_visible()
    expect(page.get_by_text(f"Your offer: {offered} as cash")).to_be_visible()
    return offered


def sign_in_at_site(web: Web, who: str, site: str) -> Page:
    page = web.staff(who)
    page.get_by_role("main").get_by_role("link", name="Receiving", exact=True).click()
    page.get_by_label("Site").select_option(site)
    page.get_by_role("button", name="Use this site").click()
    expect(page.get_by_label("Scan or type a barcode")).to_be_focused()
    return page


def receive(web: Web, page: Page, journey: str, scanned: str) -> str:
    """The scanner types the code and presses Enter; the receiver confirms the device was in
    the box. The trade-in's id, from the receipt the page confirms."""
    page.get_by_label("Scan or type a barcode").fill(scanned)
    page.get_by_label("Scan or type a barcode").press("Enter")
    expect(page.get_by_role("heading", name=re.compile("iPhone 15"))).to_be_visible()
    page.get_by_role("group", name="Contents").get_by_label("The device").check()
    shoot(web, page, f"{journey}/06-receiving")
    page.get_by_role("button", name="Record receipt").click()
    done = page.get_by_role("status")
    expect(done).to_contain_text("Received: Apple iPhone 15")
    return done.get_by_role("link", name=re.compile(r"^t_")).inner_text()


def inspect(web: Web, journey: str, trade_in_id: str, *, zone: str, defect: str) -> Page:
    """The inspector opens the device by scanning it and records the battery and one finding
    (two defects, 8 mm); the live preview follows each change. The caller submits."""
    page = web.staff("inspector")
    page.get_by_role("main").get_by_role("link", name="Inspection", exact=True).click()
    page.get_by_label("Scan or type a barcode").fill(trade_in_id)
    page.get_by_label("Scan or type a barcode").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Inspect .*iPhone 15"))
    page.get_by_label("Battery health (%)").fill("91")
    where = page.get_by_role("group", name=zone, exact=True)
    where.get_by_label(f"Defect on the {zone.lower()}", exact=True).select_option(label=defect)
    where.get_by_label("How many").first.fill("2")
    where.get_by_label("Largest (mm)").first.fill("8")
    where.get_by_label("Largest (mm)").first.press("Tab")  # a change: the preview follows
    return page


def test_mail_in_graded_worse_declined_and_sent_back(web: Web, server: Server) -> None:
    journey = "a-mail-in-declined"
    customer = get_a_quote(web, journey)
    quoted = accept(web, customer, journey, pathway="Mail-in", name="Ada Lovelace",
                    mail="ada.mail-in@example.com")  # fmt: skip
    tracking = customer.get_by_text(re.compile(r"^Tracking number: ")).inner_text()
    tracking_number = tracking.removeprefix("Tracking number: ").strip()
    label = pdf_text(pdf_behind(customer, "Download shipping label (PDF)"))
    assert tracking_number in label.replace(" ", "")
    shoot(web, customer, f"{journey}/05-tracking-label")

    receiver = sign_in_at_site(web, "receiver", "processing-center-1")
    trade_in_id = receive(web, receiver, journey, tracking_number)

    inspector = inspect(web, journey, trade_in_id, zone="Screen", defect="Deep scratch")
    preview = inspector.locator("#preview")
    expect(preview).to_contain_text("Worse than declared: the customer gets a re-quote")
    shoot(web, inspector, f"{journey}/07-inspection")
    inspector.get_by_role("button", name="Submit inspection").click()
    expect(inspector.get_by_role("status")).to_have_text("Inspection recorded.")

    customer.reload()
    expect(customer.get_by_role("heading", name="We found a difference")).to_be_visible()
    quoted_and_found = customer.locator("dl.compare dd")
    expect(quoted_and_found.nth(0)).to_have_text(quoted)
    assert quoted_and_found.nth(1).inner_text() != quoted
    shoot(web, customer, f"{journey}/08-requote")
    customer.get_by_role("button", name="Decline the new offer").click()
    expect(customer.get_by_text("New offer declined: we send the device back")).to_be_visible()

    receiver.goto(f"/console/trade-ins/{trade_in_id}")
    shoot(web, receiver, f"{journey}/09-console-trade-in")
    receiver.get_by_role("button", name="Send back to customer").click()
    expect(receiver.get_by_role("status")).to_have_text(
        "Recorded: the device goes back to the customer."
    )

    customer.reload()
    expect(customer.locator(".status strong").first).to_have_text("Sent back to you")
    said = timeline(customer)
    assert any(line.startswith("You declined the new offer") for line in said)
    assert said[-1].startswith("Sent back to you")
    shoot(web, customer, f"{journey}/10-returned")

    r = server.api("admin").get(f"/trade-ins/{trade_in_id}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "returned"
    assert [e["action"] for e in body["custody"]][-3:] == ["offer_requote", "decline_requote",
                                                           "return"]  # fmt: skip


def test_in_store_graded_as_declared_erased_paid_and_certified(web: Web, server: Server) -> None:
    journey = "b-in-store-certified"
    customer = get_a_quote(web, journey)
    quoted = accept(web, customer, journey, pathway="In store", name="Grace Hopper",
                    mail="grace.in-store@example.com")  # fmt: skip
    qr = customer.get_by_role("img", name="QR code for the store associate")
    expect(qr).to_be_visible()
    # The associate's scanner reads the code on the customer's screen.
    (code,) = zxingcpp.read_barcodes(numpy.array(Image.open(io.BytesIO(qr.screenshot()))))
    assert code.text.startswith("t_")
    shoot(web, customer, f"{journey}/05-tracking-qr")

    associate = sign_in_at_site(web, "associate", "store-0001")
    trade_in_id = receive(web, associate, journey, code.text)
    assert trade_in_id == code.text

    inspector = inspect(web, journey, trade_in_id, zone="Back", defect="Light scratch")
    expect(inspector.locator("#preview")).to_contain_text("As quoted: the offer stands.")
    shoot(web, inspector, f"{journey}/07-inspection")
    inspector.get_by_role("button", name="Submit inspection").click()
    expect(inspector.get_by_role("status")).to_have_text("Inspection recorded.")

    # No console page erases, certifies or pays: the technician and finance use the API.
    technician, finance = server.api("technician"), server.api("finance")
    r = technician.post(f"/trade-ins/{trade_in_id}/sanitize", json=ERASED)
    assert r.status_code == 200 and r.json()["state"] == "sanitized", r.text
    r = technician.post(f"/trade-ins/{trade_in_id}/certificate")
    assert r.status_code == 201, r.text
    certificate_id = r.json()["certificate"]["certificate_id"]
    r = finance.post(f"/trade-ins/{trade_in_id}/pay")
    assert r.status_code == 200, r.text

    customer.reload()
    expect(customer.locator(".status strong").first).to_have_text("Your data was erased")
    said = timeline(customer)
    assert any(line.startswith(f"Paid: {quoted} as cash") for line in said), said
    assert any(line.startswith("Certificate of data erasure issued") for line in said), said
    shoot(web, customer, f"{journey}/08-certified")
    certificate = pdf_text(pdf_behind(customer, "Download certificate (PDF)"))
    assert certificate_id in certificate.replace("\n", "")

    r = server.api("admin").get(f"/trade-ins/{trade_in_id}")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "sanitized" and r.json()["payment"] is not None
