"""What every page loads: the shared static files (stylesheet, htmx, app.js) and each
program's colours as a stylesheet of its own, so pages carry no inline style."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session

from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.programs import service as programs
from revalue.web import render

router = APIRouter(responses=ERROR_RESPONSES, tags=["pages"])
STATIC = StaticFiles(packages=[("revalue.web", "static")])
CSS = {200: {"description": "CSS", "content": {"text/css": {"schema": {"type": "string"}}}}}


@router.get("/programs/{program_id}/theme.css", response_class=Response, responses=CSS)
def theme(
    program_id: str,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> Response:
    """The program's colours as CSS custom properties, for its portal and console pages."""
    program = programs.get(session, program_id)
    return Response(
        render.theme_css(program),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
