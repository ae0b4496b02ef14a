"""Price-book proposals over HTTP: made from the resale estimates, reviewed by a second
program manager, then applied (or rejected)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from sqlalchemy.orm import Session

from revalue.domain.access import Role
from revalue.http.auth import Grant, Scope, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.programs.api import PROGRAM
from revalue.recovery import market_schemas as schemas
from revalue.recovery import repricing

router = APIRouter(responses=ERROR_RESPONSES, tags=["market prices"])
A, PM, F, AU = Role.ADMIN, Role.PROGRAM_MANAGER, Role.FINANCE, Role.AUDITOR


def _proposal(session: Session, proposal_id: str) -> tuple[str, None] | None:
    program_id = repricing.program_of(session, proposal_id)
    return None if program_id is None else (program_id, None)


PROPOSAL = Scope(
    "proposal_id",
    _proposal,
    lambda v: repricing.ProposalNotFound(f"no price-book proposal {v!r}", field="proposal_id"),
)


@router.post(
    "/programs/{program_id}/pricebook-proposals",
    status_code=201,
    response_model=schemas.ProposalOut,
)
def propose(
    program_id: str,
    request: Request,
    body: schemas.ProposalIn | None = Body(None),
    grant: Grant = Depends(allow(A, PM, scope=PROGRAM)),
) -> Any:
    """Base prices regenerated from the grade-A resale estimates (estimate less resale costs
    and the target margin), with how quotes would change. Waits for review; it supersedes the
    program's older open proposals."""
    data = body or schemas.ProposalIn()

    def work(s, ctx):  # type: ignore[no-untyped-def]
        row = repricing.propose(
            s, program_id, target_margin_bp=data.target_margin_bp, cost_bp=data.cost_bp,
            cost_fixed=data.cost_fixed, ctx=ctx,
        )  # fmt: skip
        return schemas.ProposalOut.model_validate(row)

    return perform(request, work, payload=data, status_code=201)


@router.get("/pricebook-proposals/{proposal_id}", response_model=schemas.ProposalOut)
def get_proposal(
    proposal_id: str,
    grant: Grant = Depends(allow(A, PM, F, AU, scope=PROPOSAL)),
    session: Session = Depends(read_session),
) -> Any:
    return repricing.get(session, proposal_id)


@router.post("/pricebook-proposals/{proposal_id}/approve", response_model=schemas.ProposalOut)
def approve_proposal(
    proposal_id: str,
    request: Request,
    grant: Grant = Depends(allow(A, PM, scope=PROPOSAL)),
) -> Any:
    """Apply the proposal's base prices (the program's version moves on, so new quotes use
    them). Someone other than its author approves it; a proposal whose current prices changed
    since it was made is stale (409)."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return schemas.ProposalOut.model_validate(repricing.approve(s, proposal_id, ctx))

    return perform(request, work)


@router.post("/pricebook-proposals/{proposal_id}/reject", response_model=schemas.ProposalOut)
def reject_proposal(
    proposal_id: str,
    body: schemas.RejectIn,
    request: Request,
    grant: Grant = Depends(allow(A, PM, scope=PROPOSAL)),
) -> Any:

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return schemas.ProposalOut.model_validate(repricing.reject(s, proposal_id, body.note, ctx))

    return perform(request, work, payload=body)
