"""Certificates over HTTP: issue one for a device or a summary for a batch or lot (staff), and
verify any (anyone, no login): the published key list, a certificate by id, and an uploaded
certificate document. The HTML verification page is in ``pages``."""

from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from revalue.certificates import pdf, present, schemas, service, signing, summary
from revalue.domain.access import ALL_STAFF, Role
from revalue.http.auth import Grant, allow
from revalue.http.deps import public_base, read_session, state
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.programs.api import PROGRAM
from revalue.tradeins.scope import TRADE_IN

router = APIRouter(responses=ERROR_RESPONSES, tags=["certificates"])
SUMMARIES = "/programs/{program_id}/certificate-summaries"


def _keys(request: Request) -> dict[str, str]:
    return signing.public_keys(state(request).settings.secrets_dir)


def _verdict(verdict: signing.Verdict) -> dict[str, Any]:
    return {"valid": verdict.valid, "reason": verdict.reason, "key_id": verdict.key_id}


@router.post("/trade-ins/{trade_in_id}/certificate", status_code=201)
def issue_certificate(
    trade_in_id: str,
    request: Request,
    grant: Grant = Depends(allow(Role.ADMIN, Role.TECHNICIAN, scope=TRADE_IN)),
) -> Any:
    """Sign the certificate of sanitization for a device with a passing record (the same
    record again returns the same certificate)."""
    secrets_dir = state(request).settings.secrets_dir

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return service.issue(
            s, trade_in_id, secrets_dir=secrets_dir, public_url=public_base(request), ctx=ctx
        ).document

    return perform(request, work, status_code=201)


@router.get("/trade-ins/{trade_in_id}/certificates")
def trade_in_certificates(
    trade_in_id: str,
    grant: Grant = Depends(allow(*ALL_STAFF, partner=True, customer=True, scope=TRADE_IN)),
    session: Session = Depends(read_session),
) -> list[dict[str, Any]]:
    """The trade-in's certificates, as signed."""
    return [c.document for c in service.of_trade_in(session, trade_in_id)]


@router.post(SUMMARIES, status_code=201)
def issue_summary(
    program_id: str,
    body: schemas.SummaryIn,
    request: Request,
    grant: Grant = Depends(allow(Role.ADMIN, Role.TECHNICIAN, scope=PROGRAM)),
) -> Any:
    """Sign one summary certificate for a batch or business lot: totals, and a line per
    device naming its own certificate (issued now for devices that had none). Every device
    needs a passing record, or nothing is issued and each one refused is named. The same
    reference with the same trade-ins returns the summary already issued; with other
    trade-ins it is a conflict."""
    secrets_dir = state(request).settings.secrets_dir

    def work(s, ctx):  # type: ignore[no-untyped-def]
        row = summary.issue_summary(
            s, program_id, body.reference, body.trade_in_ids, secrets_dir=secrets_dir, ctx=ctx
        )
        return row.document

    return perform(request, work, payload=body, status_code=201)


@router.get(SUMMARIES, response_model=list[schemas.SummaryOut])
def program_summaries(
    program_id: str,
    grant: Grant = Depends(
        allow(Role.ADMIN, Role.PROGRAM_MANAGER, Role.TECHNICIAN, Role.AUDITOR, scope=PROGRAM)
    ),
    session: Session = Depends(read_session),
) -> list[schemas.SummaryOut]:
    """The program's summary certificates, newest first, with their totals."""
    return [schemas.SummaryOut.from_row(r) for r in summary.of_program(session, program_id)]


@router.get(present.KEYS_PATH)
def certificate_keys(request: Request, grant: Grant = Depends(allow(public=True))) -> dict:
    """Every signing key ever used, by key id: verify any certificate offline with these."""
    return {
        "keys": [
            {"key_id": kid, "alg": signing.ALG, "public_key": key}
            for kid, key in _keys(request).items()
        ]
    }


@router.get(
    "/certificates/{certificate_id}.pdf",
    response_class=Response,
    responses={200: {"description": "The certificate as PDF", "content": {"application/pdf": {}}}},
)
def certificate_pdf(
    certificate_id: str,
    request: Request,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> Response:
    """The certificate for people: every field, over as many pages as it takes, and a QR code
    to its public verification page."""
    document = service.get(session, certificate_id).document
    url = f"{public_base(request)}/verify/{certificate_id}"
    return Response(pdf.render(document, url), media_type="application/pdf")


@router.get("/certificates/{certificate_id}")
def get_certificate(
    certificate_id: str,
    request: Request,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> dict[str, Any]:
    """A certificate and whether it verifies, for anyone holding its id (no login)."""
    document = service.get(session, certificate_id).document
    return {
        "document": document,
        "verification": _verdict(signing.verify(document, _keys(request))),
    }


@router.post("/certificates/verify")
def verify_certificate(
    request: Request,
    document: Any = Body(..., description="A certificate document as issued (JSON)"),
    grant: Grant = Depends(allow(public=True)),
) -> dict[str, Any]:
    """Check a certificate someone gave you: valid, or what is wrong with it."""
    return _verdict(signing.verify(document, _keys(request)))
