"""Sales over HTTP: one item sold on its channel, and B2B sales lots (made from available
items, exported as a manifest, sold as one or cancelled)."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from revalue.domain.access import Role
from revalue.http.auth import Grant, Scope, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.programs.api import PROGRAM
from revalue.recovery import sales, saleslots
from revalue.recovery import sales_schemas as schemas
from revalue.recovery.inventory_api import ITEM, SELLERS, items_out
from revalue.recovery.models import SalesLot

router = APIRouter(responses=ERROR_RESPONSES, tags=["sales"])
READERS = (Role.ADMIN, Role.PROGRAM_MANAGER, Role.FINANCE, Role.AUDITOR)


def _lot(session: Session, lot_id: str) -> tuple[str, None] | None:
    program_id = saleslots.program_of(session, lot_id)
    return None if program_id is None else (program_id, None)


LOT = Scope(
    "lot_id",
    _lot,
    lambda v: saleslots.SalesLotNotFound(f"no sales lot {v!r}", field="lot_id"),
)


def lot_out(session: Session, lot: SalesLot) -> schemas.SalesLotOut:
    held = saleslots.items(session, lot.id)
    sold = saleslots.sales_of(session, lot.id)
    data = {n: getattr(lot, n) for n in schemas.SalesLotOut.model_fields if hasattr(lot, n)}
    return schemas.SalesLotOut.model_validate(
        {**data, "items": items_out(session, held), "sales": [schemas.SaleOut.of(s) for s in sold]}
    )


@router.post("/inventory/{item_id}/sale", status_code=201, response_model=schemas.SaleOut)
def sell_item(
    item_id: str,
    body: schemas.SaleIn,
    request: Request,
    grant: Grant = Depends(allow(*SELLERS, scope=ITEM)),
) -> Any:
    """Sell an available or listed item on its channel: the last event of its custody chain.
    Its channel's fees are taken, its environmental receipt issued, and a reuse sale becomes
    a market price. An item is sold once; any later step is refused (409)."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        sale = sales.sell(
            s, item_id, price=body.price, buyer=body.buyer, sold_at=body.sold_at, ctx=ctx
        )
        return schemas.SaleOut.of(sale)

    return perform(request, work, payload=body, status_code=201)


@router.post(
    "/programs/{program_id}/sales-lots", status_code=201, response_model=schemas.SalesLotOut
)
def create_sales_lot(
    program_id: str,
    body: schemas.SalesLotIn,
    request: Request,
    grant: Grant = Depends(allow(*SELLERS, scope=PROGRAM)),
) -> Any:
    """Reserve available items in a lot for one business buyer. The same reference with the
    same items answers the lot made before; an item that cannot go in is named, and nothing is
    written."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        lot, _ = saleslots.create(
            s,
            program_id,
            reference=body.reference,
            channel_id=body.channel_id,
            item_ids=body.item_ids,
            asking_price=body.asking_price,
            ctx=ctx,
        )
        return lot_out(s, lot)

    return perform(request, work, payload=body, status_code=201)


@router.get("/sales-lots/{lot_id}", response_model=schemas.SalesLotOut)
def get_sales_lot(
    lot_id: str,
    grant: Grant = Depends(allow(*READERS, scope=LOT)),
    session: Session = Depends(read_session),
) -> Any:
    return lot_out(session, saleslots.get(session, lot_id))


@router.get(
    "/sales-lots/{lot_id}/manifest.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def sales_lot_manifest(
    lot_id: str,
    grant: Grant = Depends(allow(*READERS, scope=LOT)),
    session: Session = Depends(read_session),
) -> Response:
    """The lot's devices for the buyer (CSV): model, grade and identifiers, nothing about the
    customers who traded them in."""
    lot = saleslots.get(session, lot_id)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(saleslots.MANIFEST_COLUMNS)
    for row in saleslots.manifest(session, lot.id):
        writer.writerow(["" if v is None else v for v in row])
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{lot.reference}-manifest.csv"'},
    )


@router.post("/sales-lots/{lot_id}/sell", response_model=schemas.SalesLotOut)
def sell_sales_lot(
    lot_id: str,
    body: schemas.SellLotIn,
    request: Request,
    grant: Grant = Depends(allow(*SELLERS, scope=LOT)),
) -> Any:
    """Sell the open lot to its buyer: one sale per item, the price allocated across them in
    proportion to their expected net (else list price), adding up exactly."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        lot = saleslots.sell(s, lot_id, buyer=body.buyer, price=body.price,
                             sold_at=body.sold_at, ctx=ctx)  # fmt: skip
        return lot_out(s, lot)

    return perform(request, work, payload=body)


@router.post("/sales-lots/{lot_id}/cancel", response_model=schemas.SalesLotOut)
def cancel_sales_lot(
    lot_id: str,
    request: Request,
    grant: Grant = Depends(allow(*SELLERS, scope=LOT)),
) -> Any:
    """Cancel the open lot: its items are available again."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return lot_out(s, saleslots.cancel(s, lot_id, ctx))

    return perform(request, work)
