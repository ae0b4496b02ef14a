"""Inventory for the sales and repricing tests: a trade-in taken through the real flow (quoted,
accepted, received with its IMEI, inspected, erased and disposed over the API), then its
channel and inventory item inserted as the plan's application makes them."""

from __future__ import annotations

from itertools import count

from revalue.ids import new_id
from revalue.recovery.models import Channel, InventoryItem
from tests import factories
from tests.api.support import PHONE, PROGRAM, SANITIZED, ok, post_quote

_SERIALS = count(1)


def imei(n: int) -> str:
    """A valid IMEI (Luhn check digit) on an unknown TAC, one per ``n``."""
    body = f"35209900{n:06d}"
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def channel(
    sessions,  # type: ignore[no-untyped-def]
    code: str,
    route: str,
    *,
    program: str = PROGRAM,
    fee_bp: int = 0,
    fee_fixed: int = 0,
    active: bool = True,
) -> str:
    with sessions.begin() as s:
        row = Channel(
            id=new_id("ch", factories.NOW),
            program_id=program,
            code=code,
            name=code.title(),
            route=route,
            currency="USD",
            fee_bp=fee_bp,
            fee_fixed=fee_fixed,
            active=active,
            created_at=factories.NOW,
            updated_at=factories.NOW,
        )
        s.add(row)
        return row.id


def disposed(  # type: ignore[no-untyped-def]
    client, route: str, *, sku: str = PHONE, program: str = PROGRAM, place: dict | None = None
) -> tuple[str, str]:
    """(trade-in id, IMEI) of a device disposed onto ``route``, moved to ``place`` (a site and
    location) before that if given."""
    number = imei(next(_SERIALS))
    tid = post_quote(client, sku, program)["trade_in_id"]
    ok(client, tid, "accept", {"payout_method": "cash", "pathway": "in_store"})
    ok(client, tid, "receive", {"identifiers": {"imei": number}})
    ok(client, tid, "inspect", {"condition": factories.answers()})
    ok(client, tid, "sanitize", SANITIZED)
    if place is not None:
        ok(client, tid, "move", place)
    ok(client, tid, "dispose", {"route": route})
    return tid, number


def item(
    client,  # type: ignore[no-untyped-def]
    sessions,
    channel_id: str,
    *,
    route: str = "wholesale",
    grade: str = "B",
    status: str = "available",
    sku: str = PHONE,
    program: str = PROGRAM,
    expected_net: int | None = None,
    list_price: int | None = None,
    place: dict | None = None,
) -> str:
    """A new inventory item's id, its device disposed onto ``route`` first."""
    tid, _ = disposed(client, route, sku=sku, program=program, place=place)
    with sessions.begin() as s:
        row = InventoryItem(
            id=new_id("inv", factories.NOW),
            program_id=program,
            trade_in_id=tid,
            variant_sku=sku,
            grade=grade,
            route=route,
            channel_id=channel_id,
            status=status,
            currency="USD",
            paid=20_000,
            repair_cost=0,
            expected_net=expected_net,
            list_price=list_price,
            created_at=factories.NOW,
            updated_at=factories.NOW,
        )
        s.add(row)
        return row.id
