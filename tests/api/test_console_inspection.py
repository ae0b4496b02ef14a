"""Inspection in the console: the keyboard-first form, the live preview that writes nothing,
"Submit inspection" giving exactly what ``POST /trade-ins/{id}/inspect`` gives (the quote
standing as declared, the re-quote when worse), a refused record kept on the page with its
reason, evidence photos cited by findings, and the declined re-quote sent back."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from revalue.domain.access import Role
from revalue.evidence.models import EvidencePhoto
from revalue.quotes.models import Quote
from revalue.tradeins.models import CustodyEvent, Inspection
from tests import images
from tests.api.support import (
    AS_DECLARED,
    DEEP_SCRATCHED,
    PROGRAM,
    as_customer,
    finding,
    ok,
    read,
    received,
    record,
)
from tests.api.test_console_frame import signed_in

INSPECTOR = "ivan@acme.example"


def fields(rec: dict[str, Any]) -> dict[str, Any]:
    """The console form's fields for an inspection record as the API takes it."""
    out: dict[str, Any] = {f"check.{c}": r for c, r in rec["checks"].items()}
    out["battery_health_pct"] = str(rec["battery_health_pct"])
    slots: dict[str, int] = defaultdict(int)
    for f in rec["findings"]:
        key = f"finding.{f['zone']}.{slots[f['zone']]}"
        slots[f["zone"]] += 1
        out |= {f"{key}.defect": f["defect"], f"{key}.count": str(f["count"])}
        out[f"{key}.size_mm"] = str(f["size_mm"])
        if f.get("photo"):
            out[f"{key}.photo"] = f["photo"]
    return out


def written(sessions) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    """Rows an inspection writes: what a preview or a refused record must leave alone."""
    with sessions() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model)) or 0
            for model in (Inspection, CustodyEvent, Quote, EvidencePhoto)
        )


def inspector(app, sessions):  # type: ignore[no-untyped-def]
    return signed_in(app, sessions, INSPECTOR, {PROGRAM: [Role.INSPECTOR]})


def test_the_form_is_the_inspection_record_as_labelled_keyboard_controls(
    app, client, seeded, sessions
):
    tid = received(client)
    with inspector(app, sessions) as c:
        page = c.get(f"/console/trade-ins/{tid}/inspect")
    assert page.status_code == 200, page.text
    text = page.text
    # Each check is a radio group with a legend; each zone its findings; all labelled.
    assert "<legend>Power</legend>" in text and "<legend>Wi-Fi</legend>" in text
    assert 'name="check.power" value="pass" checked' in text
    assert "<legend>Screen</legend>" in text and "<legend>Camera lens</legend>" in text
    assert "<legend>Lid</legend>" not in text  # a laptop's zone, not a phone's
    assert '<label for="battery_health_pct">Battery health (%)</label>' in text
    assert '<label for="photo">Photo' in text and ">Upload photo<" in text
    assert f'hx-post="/console/trade-ins/{tid}/inspect/preview"' in text
    assert ">Submit inspection<" in text
    ids = {part.split('"')[0] for part in text.split(' id="')[1:]}
    labelled = {part.split('"')[0] for part in text.split(' for="')[1:]}
    inputs = {part.split('"')[0] for part in text.split('<select id="')[1:]}
    assert inputs <= labelled <= ids


def test_the_preview_shows_grade_and_offer_and_writes_nothing(app, client, seeded, sessions):
    tid = received(client)
    before, state = written(sessions), read(client, tid)
    with inspector(app, sessions) as c:
        csrf = {"csrf_token": c.cookies["revalue_csrf"]}
        url = f"/console/trade-ins/{tid}/inspect/preview"
        same = c.post(url, data={**fields(AS_DECLARED), **csrf}, headers={"HX-Request": "true"})
        worse = c.post(url, data={**fields(DEEP_SCRATCHED), **csrf})
        refused = c.post(url, data={**fields(AS_DECLARED), "battery_health_pct": "150", **csrf})
    assert same.status_code == 200 and "B0" in same.text and "the offer stands" in same.text
    assert "C0" in worse.text and "re-quote" in worse.text
    assert refused.status_code == 200 and "battery_health_pct" in refused.text
    assert written(sessions) == before
    assert read(client, tid) == state


def test_submitted_as_declared_it_is_what_the_api_records(app, client, seeded, sessions):
    by_api, by_page = received(client), received(client)
    api = ok(client, by_api, "inspect", {"record": AS_DECLARED})
    with inspector(app, sessions) as c:
        data = {**fields(AS_DECLARED), "csrf_token": c.cookies["revalue_csrf"]}
        r = c.post(f"/console/trade-ins/{by_page}/inspect", data=data)
        assert r.status_code == 303, r.text
        assert r.headers["location"] == f"/console/trade-ins/{by_page}?done=inspected"
        shown = c.get(r.headers["location"]).text
    assert "Inspection recorded." in shown and "Graded B0 by an inspector" in shown
    page = read(client, by_page)
    assert (page["state"], page["grade"], page["requote"]) == (api["state"], api["grade"], None)
    assert page["payable"] == api["payable"]
    mine, theirs = (client.get(f"/trade-ins/{t}/inspections").json()[0] for t in (by_page, by_api))
    assert mine["record"] == theirs["record"] and mine["grades"] == theirs["grades"]
    assert mine["inspector"] == f"staff:{INSPECTOR}"


def test_submitted_worse_it_opens_the_requote_as_the_api_does(app, client, seeded, sessions):
    by_api, by_page = received(client), received(client)
    api = ok(client, by_api, "inspect", {"record": DEEP_SCRATCHED})
    with inspector(app, sessions) as c:
        data = {**fields(DEEP_SCRATCHED), "csrf_token": c.cookies["revalue_csrf"]}
        assert c.post(f"/console/trade-ins/{by_page}/inspect", data=data).status_code == 303
        shown = c.get(f"/console/trade-ins/{by_page}").text
    assert "Worse than declared: re-quote offered" in shown and "Offer as found" in shown
    page = read(client, by_page)
    assert (
        (page["state"], page["grade"]) == ("requote_offered", "C") == (api["state"], api["grade"])
    )
    assert page["requote"]["offers"] == api["requote"]["offers"]
    assert [e["action"] for e in page["custody"][-2:]] == ["inspect", "offer_requote"]


def test_a_refused_record_is_shown_with_the_form_kept_and_nothing_written(
    app, client, seeded, sessions
):
    tid = received(client)
    before = written(sessions)
    with inspector(app, sessions) as c:
        data = {**fields(AS_DECLARED), "battery_health_pct": "150", "notes": "dropped once"}
        data["csrf_token"] = c.cookies["revalue_csrf"]
        r = c.post(f"/console/trade-ins/{tid}/inspect", data=data)
        cited = {**fields(record(finding("back", "crack", photo="a" * 64))), **data}
        cited["battery_health_pct"] = "90"
        missing_photo = c.post(f"/console/trade-ins/{tid}/inspect", data=cited)
    assert r.status_code == 422 and 'role="alert"' in r.text and "battery_health_pct" in r.text
    assert 'value="150"' in r.text and ">dropped once</textarea>" in r.text
    assert missing_photo.status_code == 422 and "was not uploaded" in missing_photo.text
    assert written(sessions) == before
    assert read(client, tid)["state"] == "received"


def test_a_photo_uploaded_on_the_page_is_offered_to_findings_and_cited(
    app, client, seeded, sessions
):
    tid = received(client)
    with inspector(app, sessions) as c:
        csrf = c.cookies["revalue_csrf"]
        r = c.post(
            f"/console/trade-ins/{tid}/photos",
            files={"photo": ("crack.png", images.png(), "image/png")},
            data={"caption": "crack", "csrf_token": csrf},
            headers={"HX-Request": "true"},
        )
        assert r.status_code == 200, r.text
        (photo,) = client.get(f"/trade-ins/{tid}/photos").json()
        offered = f'hx-swap-oob="beforeend:#photos-screen-0"><option value="{photo["sha256"]}"'
        assert offered in r.text
        assert 'alt="Evidence photo crack"' in r.text
        rec = record(finding("screen", "deep_scratch", 2, 8.0, photo=photo["sha256"]))
        data = {**fields(rec), "csrf_token": csrf}
        assert c.post(f"/console/trade-ins/{tid}/inspect", data=data).status_code == 303
    (stored,) = client.get(f"/trade-ins/{tid}/inspections").json()
    assert stored["record"]["findings"][0]["photo"] == photo["sha256"]


def test_a_declined_requote_is_sent_back_from_the_trade_in_page(
    app, client, anonymous, seeded, sessions
):
    tid = received(client)
    ok(client, tid, "inspect", {"record": DEEP_SCRATCHED})
    r = anonymous.post(f"/trade-ins/{tid}/decline-requote", headers=as_customer(tid))
    assert r.status_code == 200, r.text
    with inspector(app, sessions) as c:  # an inspector may look, not send it back
        page = c.get(f"/console/trade-ins/{tid}").text
        assert "Re-quote declined" in page and "Send back to customer" not in page
    receiver = signed_in(app, sessions, "rita@acme.example", {PROGRAM: [Role.RECEIVER]})
    with receiver as c:
        page = c.get(f"/console/trade-ins/{tid}").text
        assert ">Send back to customer<" in page and "Customer declined the re-quote" in page
        url = f"/console/trade-ins/{tid}/return"
        done = c.post(url, data={"csrf_token": c.cookies["revalue_csrf"]})
        assert done.status_code == 303
        assert "the device goes back to the customer" in c.get(done.headers["location"]).text
        again = c.post(url, data={"csrf_token": c.cookies["revalue_csrf"]})
        assert again.status_code == 409 and 'role="alert"' in again.text
    assert read(client, tid)["state"] == "returned"
