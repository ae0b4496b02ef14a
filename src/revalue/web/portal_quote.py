"""Getting a quote in the portal: the program's categories, brands and models (searched as
you type with htmx, or with a plain GET form), the condition questions of one variant, and
the quote itself, made by the same service as ``POST /quotes``.

The quote opens a trade-in and a secret link to it; the customer is sent there (303), to the
page at ``/t/{token}`` that shows the offer and keeps track of the trade-in from then on.
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from revalue.catalog import service as catalog
from revalue.catalog.models import DeviceModel, Variant
from revalue.customers import links
from revalue.domain.catalog import Category
from revalue.domain.condition import FAULTS_BY_CATEGORY
from revalue.domain.errors import NotFound, RevalueError
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session, state
from revalue.http.write import ShownOnce
from revalue.programs import service as programs
from revalue.programs.models import Program
from revalue.quotes.schemas import QuoteRequest
from revalue.tradeins import service as tradeins
from revalue.web import portal_kit as kit
from revalue.web import portal_words as words
from revalue.web import render

router = kit.portal_router()
MAX_MODELS = 40  # a search result a phone can scroll; narrow it with more letters


def _priced(session: Session, program: Program) -> frozenset[str]:
    """The variants this program offers a price for."""
    return frozenset(programs.pricing_inputs(session, program.id).book.base_prices)


def variant_name(variant: Variant) -> str:
    parts = [f"{variant.storage_gb} GB"]
    if variant.ram_gb:
        parts.append(f"{variant.ram_gb} GB memory")
    if variant.connectivity:
        parts.append(variant.connectivity.replace("_", " + ").replace("wifi", "Wi-Fi"))
    return ", ".join(parts)


def _order(variant: Variant) -> tuple:
    return (variant.storage_gb, variant.ram_gb or 0, variant.connectivity or "")


def _models(
    session: Session, program: Program, *, category: str | None, brand: str | None, q: str | None
) -> list[tuple[DeviceModel, list[Variant]]]:
    if not (category or q):
        return []
    priced = _priced(session, program)
    found = []
    for model in catalog.list_models(session, category=category, brand=brand, search=q):
        offered = sorted((v for v in model.variants if v.sku in priced), key=_order)
        if model.category in program.accepted_categories and offered:
            found.append((model, offered))
    return found[:MAX_MODELS]


@router.get("/p/{program_id}")
def start(
    program_id: str,
    request: Request,
    category: str | None = None,
    brand: str | None = None,
    q: str | None = None,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> HTMLResponse:
    """Get a quote: choose a category, then the brand, model and variant (search as you
    type). An htmx request gets the search results alone."""
    program = kit.program(session, grant, program_id)
    category = category if category in program.accepted_categories else None
    q = (q or "").strip()[:80] or None
    models = _models(session, program, category=category, brand=brand, q=q)
    values = {
        "categories": [
            (c, words.CATEGORIES.get(c, words.humanize(c))) for c in program.accepted_categories
        ],
        "category": category,
        "brand": brand,
        "brands": sorted({m.brand for m in catalog.list_models(session, category=category)})
        if category
        else [],
        "q": q or "",
        "models": models,
        "variant_name": variant_name,
        "device": words.device,
        "searched": bool(category or q),
    }
    template = "portal/_results.html" if request.headers.get("hx-request") else "portal/start.html"
    return render.page(request, template, program=program, **values)


def _question_page(
    request: Request,
    session: Session,
    program: Program,
    sku: str,
    *,
    values: dict | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    variant = catalog.get_variant(session, sku)
    if variant.sku not in _priced(session, program) or (
        variant.model.category not in program.accepted_categories
    ):
        raise catalog.VariantNotFound(f"{program.name} does not take this device", field="sku")
    category = Category(variant.model.category)
    faults = [(f, label) for f, label in words.FAULTS.items() if f in FAULTS_BY_CATEGORY[category]]
    return render.page(
        request,
        "portal/quote.html",
        program=program,
        status=status,
        model=variant.model,
        device=words.device(variant.model.brand, variant.model.name),
        variant=variant,
        variant_label=variant_name(variant),
        cosmetic=list(words.COSMETIC.items()),
        faults=faults,
        values=values or {},
        errors=errors or {},
    )


@router.get("/p/{program_id}/quote/{variant_sku}")
def questions(
    program_id: str,
    variant_sku: str,
    request: Request,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> HTMLResponse:
    """The condition questions for one variant, each explained in plain words."""
    program = kit.program(session, grant, program_id)
    return _question_page(request, session, program, variant_sku)


def _answers(form: FormData) -> dict:
    return {
        "powers_on": kit.yes_no(form, "powers_on"),
        "screen_cracked": kit.yes_no(form, "screen_cracked"),
        "cosmetic": kit.text(form, "cosmetic"),
        "faults": [f for f in form.getlist("faults") if isinstance(f, str)],
        "activation_lock_off": kit.yes_no(form, "activation_lock_off"),
    }


@router.post("/p/{program_id}/quote", response_class=Response, status_code=303)
def get_quote(
    program_id: str,
    request: Request,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
    form: FormData = Depends(kit.form_data),
) -> Response:
    """Price the answers with the same service as ``POST /quotes`` and go to the offer, at
    the customer's private link. Answers that cannot be priced come back with what is wrong
    (422), and nothing is created."""
    program = kit.program(session, grant, program_id)
    sku = kit.text(form, "variant_sku") or ""
    values = _answers(form)
    try:
        body = QuoteRequest.model_validate(
            {"program_id": program_id, "variant_sku": sku, "answers": values}
        )
    except ValidationError as exc:
        return _question_page(
            request, session, program, sku, values=values, errors=kit.problems(exc), status=422
        )
    days = state(request).settings.customer_link_days

    def work(s, ctx):  # type: ignore[no-untyped-def]
        trade_in, _ = tradeins.start(s, body, ctx)
        return {
            "trade_in_id": trade_in.id,
            "token": links.issue(s, trade_in.id, days=days, ctx=ctx),
        }

    # A replay with the same Idempotency-Key gets a new link, never the stored one.
    once = ShownOnce(
        frozenset({"token"}),
        lambda s, stored, ctx: {"token": links.issue(s, stored["trade_in_id"], days=days, ctx=ctx)},
    )
    try:
        done = kit.change(request, work, payload=body, once=once)
    except NotFound:
        raise
    except RevalueError as exc:
        status = 409 if exc.kind == "conflict" else 422
        return _question_page(
            request, session, program, sku, values=values, errors=kit.problems(exc), status=status
        )
    return RedirectResponse(f"/t/{done['token']}", status_code=303)
