"""Inspection at the bench: the inspection record as a keyboard-first form (each check a
radio group, each cosmetic zone its findings, battery, locks, accessories), evidence photos,
a live preview of the grade and the offer, and "Submit inspection".

The preview runs the inspection's own assessment (grading on the program's scale, pricing on
the quote's locked terms, the fairness policy) in a read-only session: it writes nothing.
Submitting calls the same service as ``POST /trade-ins/{id}/inspect``, so a worse grade opens
the re-quote exactly as the API does.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import escape
from pydantic import ValidationError
from sqlalchemy.orm import Session

from revalue.domain import fairness
from revalue.domain.access import Role
from revalue.domain.catalog import Category
from revalue.domain.errors import RevalueError
from revalue.domain.inspection import (
    CHECKS_BY_CATEGORY,
    SCREEN_ONLY,
    ZONES_BY_CATEGORY,
    Check,
    Defect,
    Lock,
    Result,
    Zone,
)
from revalue.domain.lifecycle import State
from revalue.evidence import service as evidence
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session
from revalue.http.errors import STATUS
from revalue.logistics import scans
from revalue.programs import service as programs
from revalue.quotes import service as quotes
from revalue.quotes.schemas import ConditionIn
from revalue.tradeins import inspection, photos_api, repository, service
from revalue.tradeins.models import TradeIn
from revalue.tradeins.schemas import InspectIn
from revalue.tradeins.scope import TRADE_IN
from revalue.web import console, console_tradein, render

router = console.pages_router()
A, SA, INS, R = Role.ADMIN, Role.STORE_ASSOCIATE, Role.INSPECTOR, Role.RECEIVER
INSPECTORS = (A, SA, INS)
SLOTS = 2  # findings per zone on the form: the worst defect and one more
RESULT_WORDS = {Result.PASS: "Pass", Result.FAIL: "Fail", Result.NOT_TESTED: "Not tested"}
CHECK_WORDS = {Check.WIFI: "Wi-Fi", Check.CHARGING_PORT: "Charging port"}
LOCK_WORDS = {
    Lock.ACTIVATION_LOCK: "Activation lock (Find My, iCloud)",
    Lock.FRP: "Google factory reset protection",
    Lock.MDM: "Company device management (MDM)",
    Lock.CARRIER_LOCK: "Carrier lock",
}
ACCESSORIES = ("charger", "cable", "box", "case")
OUTCOME_WORDS = {
    fairness.Outcome.AS_QUOTED: "As quoted: the offer stands.",
    fairness.Outcome.HONOURED: "Within tolerance: the quote stands.",
    fairness.Outcome.RAISED: "Better than declared: the offer goes up, nothing to answer.",
    fairness.Outcome.REQUOTE: "Worse than declared: the customer gets a re-quote to answer.",
    fairness.Outcome.HELD: "Much worse: a second inspector looks before the re-quote.",
}


def words(value: str) -> str:
    return value.replace("_", " ").capitalize()


def layout(category: Category) -> dict[str, Any]:
    """The form's parts for a category: its checks, zones and the defects each zone takes."""
    zones = [z for z in Zone if z in ZONES_BY_CATEGORY[category]]
    return {
        "checks": [
            (str(c), CHECK_WORDS.get(c, words(c)))
            for c in Check
            if c in CHECKS_BY_CATEGORY[category]
        ],
        "results": [(str(r), RESULT_WORDS[r]) for r in Result],
        "zones": [
            (
                str(z),
                words(z),
                [(str(d), words(d)) for d in Defect if z is Zone.SCREEN or d not in SCREEN_ONLY],
            )
            for z in zones
        ],
        "slots": range(SLOTS),
        "locks": [(str(lock), LOCK_WORDS[lock]) for lock in Lock],
        "accessories": ACCESSORIES,
    }


def category_of(session: Session, trade_in: TradeIn) -> Category:
    return Category(quotes.get(session, trade_in.quote_id).terms["model"]["category"])


class FormProblem(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _number(form: dict[str, Any], name: str, kind: type = int) -> Any:
    raw = str(form.get(name, "")).strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise FormProblem(name, f"{words(name)}: {raw!r} is not a number") from None


def _listed(form: dict[str, Any], name: str) -> list[str]:
    value = form.get(name, [])
    return [value] if isinstance(value, str) and value else list(value or [])


def record_of(form: dict[str, Any], category: Category) -> InspectIn:
    """The API's body (``InspectIn`` with the full record) from the form's fields."""
    checks = {
        c: form[f"check.{c}"] for c, _ in layout(category)["checks"] if form.get(f"check.{c}")
    }
    findings = []
    for zone in ZONES_BY_CATEGORY[category]:
        for slot in range(SLOTS):
            key = f"finding.{zone}.{slot}"
            defect = str(form.get(f"{key}.defect", ""))
            if not defect:
                continue
            findings.append(
                {
                    "zone": str(zone),
                    "defect": defect,
                    "count": _number(form, f"{key}.count") or 1,
                    "size_mm": _number(form, f"{key}.size_mm", float) or 0.0,
                    "photo": str(form.get(f"{key}.photo", "")) or None,
                }
            )
    other = [a.strip() for a in str(form.get("accessories_other", "")).split(",") if a.strip()]
    doc = {
        "checks": checks,
        "battery_health_pct": _number(form, "battery_health_pct"),
        "battery_cycles": _number(form, "battery_cycles"),
        "liquid_damage": bool(form.get("liquid_damage")),
        "findings": findings,
        "locks": _listed(form, "locks"),
        "accessories": _listed(form, "accessories") + other,
    }
    return InspectIn.model_validate({"record": doc, "notes": str(form.get("notes", ""))})


def problem(exc: Exception) -> tuple[str, int]:
    """A message a person can act on, and its status, for what the form got wrong."""
    if isinstance(exc, FormProblem):
        return str(exc), 422
    if isinstance(exc, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in e['loc'] if p != 'record')}: {e['msg']}"
            for e in exc.errors()
        ]
        return "; ".join(parts[:5]), 422
    assert isinstance(exc, RevalueError)
    field = console.field_error(exc)
    return (f"{exc.message} ({field})" if field else exc.message), STATUS[exc.kind]


def preview(session: Session, trade_in: TradeIn, data: InspectIn) -> dict[str, Any]:
    """The grade and the offer the record would give, and what the fairness policy would make
    of it: the inspection's own assessment, nothing written."""
    program = programs.get(session, trade_in.program_id)
    quote = quotes.get(session, trade_in.quote_id)
    found = inspection.assess(session, trade_in, program, quote, data)
    quoted, outcome = inspection.decide(trade_in, program, quote, found, second_opinion_done=False)
    if trade_in.offer_final_at is not None and outcome is not fairness.Outcome.AS_QUOTED:
        outcome = fairness.Outcome.HONOURED  # as inspect(): found after a carrier's loss
    return {
        "grade": found.grade,
        "scale": found.scale_id,
        "condition": console_tradein.condition_words(ConditionIn.dump(found.condition)),
        "quoted": quoted,
        "found": found.amount,
        "currency": quote.currency,
        "outcome": OUTCOME_WORDS[outcome],
        "requote": outcome in (fairness.Outcome.REQUOTE, fairness.Outcome.HELD),
    }


def _form_page(
    request: Request,
    staff: console.Staff,
    session: Session,
    trade_in: TradeIn,
    *,
    values: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
):
    category = category_of(session, trade_in)
    return console.show(
        request,
        "console/inspect.html",
        staff,
        section="Inspection",
        status=status,
        t=console_tradein.summary(session, trade_in),
        ready=State(trade_in.state) is State.RECEIVED,
        form=layout(category),
        values=values or {},
        photos=evidence.photos(session, trade_in.id),
        error=error,
    )


@router.get("/console/inspection", response_class=HTMLResponse)
def inspection_page(
    request: Request,
    grant: Grant = Depends(allow(*INSPECTORS)),
    session: Session = Depends(read_session),
):
    """Devices waiting for inspection in the staff member's programs, and a scan box that
    opens one (``?scan=``: trade-in id, IMEI, serial, shipment or tracking number)."""
    staff = console.staff_of(request, grant, session)
    scan = request.query_params.get("scan", "").strip()[:80]
    error, status = "", 200
    if scan:
        try:
            found = scans.candidates(session, scan, grant.programs())
            one = scans.one_of(found, scan, lambda t: t.state == State.RECEIVED, "to inspect")
            return RedirectResponse(f"/console/trade-ins/{one.id}/inspect", status_code=303)
        except RevalueError as exc:
            error, status = exc.message, STATUS[exc.kind]
    _, waiting = repository.search(
        session,
        program_id=None,
        state=str(State.RECEIVED),
        limit=50,
        offset=0,
        within=grant.programs(),
        oldest_first=True,  # the device waiting longest is inspected first
    )
    return console.show(
        request,
        "console/inspection.html",
        staff,
        section="Inspection",
        status=status,
        scan=scan,
        error=error,
        waiting=[console_tradein.summary(session, t) for t in waiting],
    )


@router.get("/console/trade-ins/{trade_in_id}/inspect", response_class=HTMLResponse)
def inspect_form(
    trade_in_id: str,
    request: Request,
    grant: Grant = Depends(allow(*INSPECTORS, scope=TRADE_IN)),
    session: Session = Depends(read_session),
):
    """The inspection record as a form, with photo upload and the live preview."""
    staff = console.staff_of(request, grant, session)
    return _form_page(request, staff, session, service.get(session, trade_in_id))


@router.post("/console/trade-ins/{trade_in_id}/inspect/preview", response_class=HTMLResponse)
def inspect_preview(
    trade_in_id: str,
    request: Request,
    grant: Grant = Depends(allow(*INSPECTORS, scope=TRADE_IN)),
    session: Session = Depends(read_session),
    form: dict[str, Any] = Depends(console.form_of),
):
    """The grade and offer the form's record would give (htmx, on every change); a record
    the rules refuse shows why. Writes nothing."""
    staff = console.staff_of(request, grant, session)
    trade_in = service.get(session, trade_in_id)
    try:
        shown = preview(session, trade_in, record_of(form, category_of(session, trade_in)))
        error = ""
    except (FormProblem, ValidationError, RevalueError) as exc:
        if isinstance(exc, RevalueError) and exc.kind in ("unauthenticated", "forbidden"):
            raise
        shown, error = None, problem(exc)[0]
    # 200 either way: htmx swaps in what the rules say about the record as it stands.
    return console.show(request, "console/_preview.html", staff, p=shown, error=error)


@router.post("/console/trade-ins/{trade_in_id}/inspect", response_class=HTMLResponse)
def submit_inspection(
    trade_in_id: str,
    request: Request,
    grant: Grant = Depends(allow(*INSPECTORS, scope=TRADE_IN)),
    session: Session = Depends(read_session),
    form: dict[str, Any] = Depends(console.form_of),
):
    """Record the inspection with the same service as ``POST /trade-ins/{id}/inspect``; 303
    to the trade-in. A refused record comes back with the form as it was and the reason."""
    staff = console.staff_of(request, grant, session)
    trade_in = service.get(session, trade_in_id)
    try:
        data = record_of(form, category_of(session, trade_in))
        console.write(request, lambda s, ctx: inspection.inspect(s, trade_in_id, data, ctx))
    except (FormProblem, ValidationError, RevalueError) as exc:
        if isinstance(exc, RevalueError) and exc.kind in ("unauthenticated", "forbidden"):
            raise
        message, status = problem(exc)
        return _form_page(
            request, staff, session, trade_in, values=form, error=message, status=status
        )
    return RedirectResponse(f"/console/trade-ins/{trade_in_id}?done=inspected", status_code=303)


@router.post(
    "/console/trade-ins/{trade_in_id}/photos",
    response_class=HTMLResponse,
    openapi_extra={"requestBody": photos_api.UPLOAD_BODY},
)
def upload_photo(
    trade_in_id: str,
    request: Request,
    grant: Grant = Depends(allow(*photos_api.UPLOADERS, scope=TRADE_IN)),
    upload: evidence.Upload = Depends(photos_api.read_upload),
    session: Session = Depends(read_session),
):
    """Attach an evidence photo (the photo API's own upload); the fragment lists it and adds
    it to each finding's photo choices (htmx), or a plain form returns to the inspection."""
    try:
        response = photos_api.upload_photo(trade_in_id, request, grant, upload)
    except RevalueError as exc:
        if exc.kind in ("unauthenticated", "forbidden", "not_found"):
            raise
        return HTMLResponse(
            f'<p class="error" role="alert">{_escape(exc.message)}</p>',
            status_code=200 if request.headers.get("hx-request") else STATUS[exc.kind],
            headers=render.HEADERS,
        )
    if not request.headers.get("hx-request"):
        return RedirectResponse(f"/console/trade-ins/{trade_in_id}/inspect", status_code=303)
    category = category_of(session, service.get(session, trade_in_id))
    return render.page(
        request,
        "console/_photo.html",
        photo=json.loads(bytes(response.body)),
        new=response.status_code == 201,
        targets=[f"photos-{z}-{n}" for z in ZONES_BY_CATEGORY[category] for n in range(SLOTS)],
    )


def _escape(text: str) -> str:
    return str(escape(text))
