"""Inventory over HTTP: a program's items with where each one is, totals by variant and
grade, and listing an item on its channel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from revalue.domain.access import Role
from revalue.domain.records import Route
from revalue.domain.recovery import ItemStatus
from revalue.http.auth import Grant, Scope, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.programs.api import PROGRAM
from revalue.recovery import inventory
from revalue.recovery import sales_schemas as schemas
from revalue.recovery.models import InventoryItem

router = APIRouter(responses=ERROR_RESPONSES, tags=["inventory"])
A, PM, T, F, AU = Role.ADMIN, Role.PROGRAM_MANAGER, Role.TECHNICIAN, Role.FINANCE, Role.AUDITOR
READERS = (A, PM, T, F, AU)
SELLERS = (A, PM, F)


def _item(session: Session, item_id: str) -> tuple[str, None] | None:
    program_id = inventory.program_of(session, item_id)
    return None if program_id is None else (program_id, None)


ITEM = Scope(
    "item_id",
    _item,
    lambda v: inventory.ItemNotFound(f"no inventory item {v!r}", field="item_id"),
)


def item_out(session: Session, item: InventoryItem) -> schemas.ItemOut:
    where = inventory.locations(session, [item.trade_in_id]).get(item.trade_in_id)
    return schemas.ItemOut.of(item, where)


def items_out(session: Session, items: list[InventoryItem]) -> list[schemas.ItemOut]:
    where = inventory.locations(session, [i.trade_in_id for i in items])
    return [schemas.ItemOut.of(i, where.get(i.trade_in_id)) for i in items]


@router.get("/programs/{program_id}/inventory", response_model=schemas.InventoryPage)
def list_inventory(
    program_id: str,
    status: ItemStatus | None = Query(None),
    route: Route | None = Query(None),
    channel_id: str | None = Query(None, max_length=40),
    variant_sku: str | None = Query(None, max_length=160),
    grade: str | None = Query(None, pattern=r"^([A-D]|\*)$"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> Any:
    """The program's items, oldest first, each with where the device is now."""
    filters = inventory.Filters(
        status=status,
        route=None if route is None else str(route),
        channel_id=channel_id,
        variant_sku=variant_sku,
        grade=grade,
    )
    total, page = inventory.search(session, program_id, filters, limit=limit, offset=offset)
    return schemas.InventoryPage(total=total, items=items_out(session, page))


@router.get("/programs/{program_id}/inventory/summary", response_model=list[schemas.SummaryRow])
def inventory_summary(
    program_id: str,
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> Any:
    """Items per variant and grade, with a count per status."""
    return inventory.summary(session, program_id)


@router.get("/inventory/{item_id}", response_model=schemas.ItemOut)
def get_item(
    item_id: str,
    grant: Grant = Depends(allow(*READERS, scope=ITEM)),
    session: Session = Depends(read_session),
) -> Any:
    return item_out(session, inventory.get(session, item_id))


@router.post("/inventory/{item_id}/list", response_model=schemas.ItemOut)
def list_item(
    item_id: str,
    body: schemas.ListIn,
    request: Request,
    grant: Grant = Depends(allow(*SELLERS, scope=ITEM)),
) -> Any:
    """Offer an available item on its channel at a price (a listed one is re-priced)."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return item_out(s, inventory.list_item(s, item_id, body.list_price, ctx))

    return perform(request, work, payload=body)


@router.post("/inventory/{item_id}/unlist", response_model=schemas.ItemOut)
def unlist_item(
    item_id: str,
    request: Request,
    grant: Grant = Depends(allow(*SELLERS, scope=ITEM)),
) -> Any:
    """Take a listed item off its channel: available again."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return item_out(s, inventory.unlist(s, item_id, ctx))

    return perform(request, work)
