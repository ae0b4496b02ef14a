"""Market prices and resale estimates over HTTP."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from revalue.domain.access import Role
from revalue.http.auth import Grant, allow
from revalue.http.body import text_body
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.programs.api import PROGRAM
from revalue.recovery import market
from revalue.recovery import market_schemas as schemas

router = APIRouter(responses=ERROR_RESPONSES, tags=["market prices"])
A, PM, F, AU = Role.ADMIN, Role.PROGRAM_MANAGER, Role.FINANCE, Role.AUDITOR
READERS = (A, PM, F, AU)
GRADE = Query(None, pattern=r"^[A-D]$")


@router.post(
    "/programs/{program_id}/market-prices",
    response_model=schemas.FeedImported,
    openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
    },
)
async def import_market_prices(
    program_id: str,
    request: Request,
    source: str = Query(min_length=1, max_length=60, description="The feed's name"),
    grant: Grant = Depends(allow(A, PM, scope=PROGRAM)),
) -> Any:
    """Import a market price feed (CSV: variant_sku,grade,price,currency,observed_at,reference).
    Any bad line refuses the whole feed, every problem named by line and column; rows imported
    before from this source are skipped and counted."""
    raw, text = await text_body(request)

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return asdict(market.import_feed(s, program_id, source=source, text=text, ctx=ctx))

    payload = source.encode() + b"\n" + raw
    return await run_in_threadpool(perform, request, work, payload=payload)


@router.get("/programs/{program_id}/market-prices", response_model=schemas.MarketPricePage)
def list_market_prices(
    program_id: str,
    variant_sku: str | None = Query(None, max_length=160),
    grade: str | None = GRADE,
    source: str | None = Query(None, max_length=60),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> Any:
    """Observed prices, newest first: our own reuse sales (source ``sale``) and feeds' rows."""
    total, rows = market.prices(
        session, program_id, variant_sku=variant_sku, grade=grade, source=source,
        limit=limit, offset=offset,
    )  # fmt: skip
    return {"total": total, "prices": rows}


@router.post(
    "/programs/{program_id}/resale-estimates/refresh", response_model=list[schemas.EstimateOut]
)
def refresh_estimates(
    program_id: str,
    request: Request,
    body: schemas.RefreshIn | None = Body(None),
    grant: Grant = Depends(allow(A, PM, scope=PROGRAM)),
) -> Any:
    """Recompute every resale estimate of the program from its observations (weighted toward
    recent prices, outliers set aside), replacing the previous ones."""
    data = body or schemas.RefreshIn()

    def work(s, ctx):  # type: ignore[no-untyped-def]
        rows = market.refresh(
            s, program_id, ctx,
            half_life_days=data.half_life_days, min_observations=data.min_observations,
        )  # fmt: skip
        return [schemas.EstimateOut.model_validate(r) for r in rows]

    return perform(request, work, payload=data)


@router.get("/programs/{program_id}/resale-estimates", response_model=list[schemas.EstimateOut])
def list_estimates(
    program_id: str,
    grade: str | None = GRADE,
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> Any:
    return market.estimates(session, program_id, grade=grade)
