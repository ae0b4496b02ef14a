"""Environmental receipts over HTTP: the published factors (anyone), a device's receipt as
JSON or PDF (the program's staff and partners, and the customer holding the trade-in's link)
and a program's totals per factor version."""

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session

from revalue.catalog.models import DeviceModel
from revalue.domain.access import ALL_STAFF, Role
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.programs.api import PROGRAM
from revalue.recovery import environment, receipt_pdf, reports_summary
from revalue.recovery import report_schemas as schemas
from revalue.tradeins.models import TradeIn
from revalue.tradeins.scope import TRADE_IN

router = APIRouter(responses=ERROR_RESPONSES, tags=["environment"])
RECEIPT = "/trade-ins/{trade_in_id}/environmental-receipt"
# Who reads a program's reports: its managers, finance and auditors, and partners whose key
# is scoped to the operation.
REPORT_READERS = (Role.ADMIN, Role.PROGRAM_MANAGER, Role.FINANCE, Role.AUDITOR)
PDF = {200: {"description": "The receipt as a one-page PDF", "content": {"application/pdf": {}}}}


@router.get("/environmental-factors", response_model=schemas.FactorsOut)
def environmental_factors(grant: Grant = Depends(allow(public=True))) -> Any:
    """Every published version of the factors receipts are computed with: its method, its
    sources and its figures per category. A receipt names the version it used."""
    return {
        "current": environment.current_factors().version,
        "versions": environment.factor_documents(),
    }


def receipt_document(session: Session, trade_in_id: str) -> dict[str, Any]:
    row = environment.receipt_of(session, trade_in_id)
    model = session.get_one(DeviceModel, session.get_one(TradeIn, trade_in_id).model_id)
    (published,) = [v for v in environment.factor_documents() if v["version"] == row.factor_version]
    return {
        **{c: getattr(row, c) for c in schemas.ReceiptOut.model_fields if hasattr(row, c)},
        "device": f"{model.brand} {model.name}",
        "method": published["method"],
        "sources": published["sources"],
    }


@router.get(RECEIPT, response_model=schemas.ReceiptOut)
def environmental_receipt(
    trade_in_id: str,
    grant: Grant = Depends(allow(*ALL_STAFF, partner=True, customer=True, scope=TRADE_IN)),
    session: Session = Depends(read_session),
) -> Any:
    """The device's environmental receipt, issued when it was sold, harvested for parts or
    recycled (404 before): the e-waste its route diverted or recycled, the CO2e its reuse
    avoided, and the factor version, method and sources behind the figures."""
    return receipt_document(session, trade_in_id)


@router.get(f"{RECEIPT}.pdf", response_class=Response, responses=PDF)
def environmental_receipt_pdf(
    trade_in_id: str,
    grant: Grant = Depends(allow(*ALL_STAFF, partner=True, customer=True, scope=TRADE_IN)),
    session: Session = Depends(read_session),
) -> Response:
    """The receipt as a one-page PDF."""
    body = receipt_pdf.render(receipt_document(session, trade_in_id))
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="receipt-{trade_in_id}.pdf"'},
    )


@router.get("/programs/{program_id}/environment", response_model=schemas.EnvironmentOut)
def program_environment(
    program_id: str,
    grant: Grant = Depends(allow(*REPORT_READERS, partner=True, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> Any:
    """The program's receipts added up: per factor version, and per version, category and
    route (devices, mass, e-waste diverted and recycled, CO2e avoided). Figures of different
    versions are never added together."""
    return reports_summary.environment_out(session, program_id)
