"""What the customer portal's pages share: their router (a page, not JSON, for what is not
there), running a change the way the API does, and reading a posted form.

Portal pages are public: nobody signs in, and the customer's secret link (the ``rvc_`` token
of ``POST /quotes``) is the address of their trade-in. A caller who does present credentials
(a staff cookie, a partner key) is held to their programs, as ``POST /quotes`` holds them:
another program's portal answers 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from revalue.domain.context import Context
from revalue.domain.errors import NotFound, RevalueError
from revalue.http.auth import Grant
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import ShownOnce, perform
from revalue.programs import service as programs
from revalue.programs.models import Program
from revalue.web import portal_words as words
from revalue.web import render

HTML = {200: {"description": "An HTML page", "content": {"text/html": {}}}}
PDF = {200: {"description": "A PDF document", "content": {"application/pdf": {}}}}


class PortalRoute(APIRoute):
    """A portal route: whatever is not found (an unknown program, variant or link) is a page
    saying so, with a way back, never a JSON document in the customer's browser."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except NotFound as exc:
                return render.page(
                    request, "portal/not_found.html", status=404, message=exc.message
                )

        return page_handler


def portal_router() -> APIRouter:
    return APIRouter(responses={**ERROR_RESPONSES, **HTML}, tags=["pages"], route_class=PortalRoute)


def program(session: Session, grant: Grant, program_id: str) -> Program:
    """The program whose portal this is; 404 for a signed-in caller of another program."""
    grant.require_program(
        program_id,
        lambda: programs.ProgramNotFound(f"no program {program_id!r}", field="program_id"),
    )
    return programs.get(session, program_id)


def change(
    request: Request,
    work: Callable[[Session, Context], Any],
    payload: BaseModel | bytes | None = None,
    once: ShownOnce | None = None,
) -> dict[str, Any]:
    """Run a page's change exactly as the API runs its own (one transaction, the
    Idempotency-Key honoured) and give back the JSON document it produced."""
    return json.loads(perform(request, work, payload=payload, once=once).body)


async def form_data(request: Request) -> FormData:
    """The posted form (parsed once: the access guard may have read it already)."""
    return await request.form()


def text(form: FormData, name: str) -> str | None:
    """A text field, trimmed; ``None`` when left empty."""
    value = form.get(name)
    return (value.strip() or None) if isinstance(value, str) else None


def yes_no(form: FormData, name: str) -> bool | None:
    return {"yes": True, "no": False}.get(str(form.get(name, "")))


def problems(exc: ValidationError | RevalueError) -> dict[str, str]:
    """What was wrong, by form field (``""``: the form as a whole), in words for people."""
    if isinstance(exc, RevalueError):
        field = str(exc.details.get("field", ""))
        return {field.rsplit(".", 1)[-1] if field.startswith("contact.") else field: exc.message}
    found: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(p) for p in error["loc"] if p not in ("answers", "contact", "address")]
        field = loc[0] if loc else ""
        if error["type"] in ("missing", "bool_type", "enum", "literal_error"):
            message = "Please answer this question."
        elif error["type"] == "string_pattern_mismatch":
            message = words.FORMATS.get(field, "This is not in the form we expected.")
        else:
            message = error["msg"]
        found.setdefault(field, message)
    return found
