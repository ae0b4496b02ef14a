"""The public verification page a certificate's QR code opens: for anyone, no login, no
JavaScript. It checks the stored document's signature against the published keys on every
visit, so a certificate altered after signing reads NOT VALID, with the reason."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from revalue.certificates import present, service, signing
from revalue.http.auth import Grant, allow
from revalue.http.deps import public_base, read_session, state
from revalue.http.errors import ERROR_RESPONSES

router = APIRouter(tags=["certificates"])
HTML = {"text/html": {"schema": {"type": "string"}}}
# The page is HTML; the errors a guard or a bad request answer keep their JSON shape (the API
# docs say so: a response model would be listed as HTML here).
JSON_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {
        "description": spec["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }
    for status, spec in ERROR_RESPONSES.items()
}
TEMPLATES = Environment(
    loader=PackageLoader("revalue.certificates", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# The page needs nothing but its own inline styles: no scripts, frames, forms or fetches.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _page(name: str, status: int, **values: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(name).render(**values)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


@router.get(
    "/verify/{certificate_id}",
    response_class=HTMLResponse,
    responses={
        **JSON_ERRORS,
        200: {"description": "The verification page", "content": HTML},
        404: {
            "description": "No such certificate: an HTML page saying so",
            "content": {**HTML, **JSON_ERRORS[404]["content"]},
        },
    },
)
def verify_page(
    certificate_id: str,
    request: Request,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> HTMLResponse:
    """The certificate for people: VALID or NOT VALID and why, what it certifies, and how to
    check it offline."""
    try:
        document = service.get(session, certificate_id).document
    except service.CertificateNotFound:
        return _page("not_found.html", 404, certificate_id=certificate_id)
    verdict = signing.verify(document, signing.public_keys(state(request).settings.secrets_dir))
    # A document altered in the database may have lost its shape: shown as far as it goes.
    parts = document if isinstance(document, dict) else {}
    cert = parts.get("certificate") if isinstance(parts.get("certificate"), dict) else {}
    signature = parts.get("signature") if isinstance(parts.get("signature"), dict) else {}
    summary = cert.get("kind") == "summary"
    base = public_base(request)
    return _page(
        "verify.html",
        200,
        certificate_id=certificate_id,
        verdict=verdict,
        summary=summary,
        header=present.header(cert),
        sections=[] if summary else present.device_sections(cert),
        totals=present.totals(cert) if summary else [],
        lines=[
            {field: present.cell(line, field) for _, field in present.SUMMARY_COLUMNS}
            for line in ((cert.get("devices") or []) if summary else [])
        ],
        signature=signature,
        json_url=f"/certificates/{certificate_id}",
        pdf_url=f"/certificates/{certificate_id}.pdf",
        keys_url=present.KEYS_PATH,
        base=base,
        statement=present.statement(cert),
    )
