"""Inspections as evidence (what was found, graded on every scale, with the rules that decided
and the photos), and the inspectors' calibration report."""

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from revalue.domain.access import ALL_STAFF, Role
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.tradeins import calibration, repository, service
from revalue.tradeins.schemas import CalibrationOut, InspectionOut
from revalue.tradeins.scope import TRADE_IN

router = APIRouter(responses=ERROR_RESPONSES)


@router.get(
    "/trade-ins/{trade_in_id}/inspections",
    response_model=list[InspectionOut],
    tags=["grading"],
)
def list_inspections(
    trade_in_id: str,
    grant: Grant = Depends(allow(*ALL_STAFF, partner=True, customer=True, scope=TRADE_IN)),
    session: Session = Depends(read_session),
):
    """Every inspection of the trade-in, first and second opinions: the record, its grade on
    the program's scale and every shipped one with the rules that decided it, and the photos.
    The customer sees exactly what the re-quote rests on."""
    trade_in = service.get(session, trade_in_id)
    return [
        InspectionOut.from_row(row, trade_in.id)
        for row in repository.inspections(session, trade_in.id)
    ]


def _fraction(value) -> float | None:  # type: ignore[no-untyped-def]
    return None if value is None else round(float(value), 3)


@router.get("/grading/calibration", response_model=list[CalibrationOut], tags=["grading"])
def calibration_report(
    program_id: str | None = Query(None, description="One program; default: all of yours"),
    grant: Grant = Depends(allow(Role.ADMIN, Role.PROGRAM_MANAGER, Role.AUDITOR)),
    session: Session = Depends(read_session),
):
    """Per inspector: agreement with second opinions (Cohen's kappa), re-quote rate and
    average adjustment (found minus quoted, minor units), so operators see who grades
    harshly."""
    within = grant.programs()
    if program_id is not None:
        within = frozenset({program_id}) & within if within is not None else frozenset({program_id})
    return [
        CalibrationOut(
            inspector=s.inspector,
            inspections=s.inspections,
            second_opinions=len(s.pairs),
            agreement=_fraction(s.agreement),
            kappa=_fraction(s.kappa),
            requote_rate=_fraction(s.requote_rate),
            average_adjustment=None
            if s.average_adjustment is None
            else round(s.average_adjustment),
        )
        for s in calibration.report(session, within)
    ]
