"""Test data for the recovery reports: trade-ins made through the API, then their disposition,
inventory item, sale and environmental receipt inserted with known values, so every figure of
a report can be worked out by hand (see ``Device`` and ``WORLD``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from revalue.recovery import environment
from revalue.recovery.models import Channel, InventoryItem, Sale
from revalue.tradeins.models import Disposition
from tests import factories
from tests.api.support import PHONE, PIXEL, PROGRAM, TABLET, WATCH, ok, post_quote

CHANNELS = {  # code: route
    "ebay": "marketplace",
    "refurb": "refurbish_resell",
    "bulk": "wholesale",
    "parts": "parts",
    "recycler": "recycle",
}


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


JUNE_16 = at(6, 16)


@dataclass(frozen=True)
class Device:
    sku: str
    route: str
    channel: str | None  # None: disposed, no inventory item
    grade: str = "*"
    paid: int = 0
    repair_cost: int = 0
    disposed_at: datetime = JUNE_16
    sale: tuple[int, int, datetime] | None = None  # price, fees, sold at


# Six sold (two in July), one listed unsold, one disposed without an inventory item.
WORLD = (
    Device(PHONE, "marketplace", "ebay", "B", 25000, 0, at(6, 16), (40000, 5200, at(6, 18))),
    Device(PHONE, "marketplace", "ebay", "A", 30000, 3000, at(6, 16), (50000, 6500, at(6, 26))),
    Device(PIXEL, "refurbish_resell", "refurb", "A", 20000, 4500, at(6, 20), (35000, 0, at(7, 3))),
    Device(TABLET, "wholesale", "bulk", "C", 12000, 0, at(6, 20), (15000, 300, at(7, 1))),
    Device(PHONE, "parts", "parts", "*", 2000, 0, at(6, 21), (3000, 0, at(6, 25))),
    Device(WATCH, "recycle", "recycler", "*", 500, 0, at(6, 21), (0, 0, at(6, 22))),
    Device(PHONE, "marketplace", "ebay", "B", 26000, 0, at(7, 2)),
    Device(PHONE, "recycle", None, disposed_at=at(7, 2)),
)


def sanitized(client, sku: str) -> str:  # type: ignore[no-untyped-def]
    """A trade-in quoted, accepted in store, received, inspected as declared and erased."""
    tid = post_quote(client, sku)["trade_in_id"]
    ok(client, tid, "accept", {"payout_method": "cash", "pathway": "in_store"})
    ok(client, tid, "receive")
    ok(client, tid, "inspect", {"condition": factories.answers()})
    ok(client, tid, "sanitize", {"level": "purge", "technique": "cryptographic_erase",
                                 "result": "erased"})  # fmt: skip
    return tid


def channels(sessions, program: str = PROGRAM) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The program's channels, one a route; their ids by code."""
    with sessions.begin() as s:
        rows = [
            Channel(
                id=f"ch-{program}-{code}", program_id=program, code=code, name=code.title(),
                route=route, currency="USD", created_at=factories.NOW, updated_at=factories.NOW,
            )
            for code, route in CHANNELS.items()
        ]  # fmt: skip
        s.add_all(rows)
    return {row.code: row.id for row in rows}


def recovered(client, sessions, device: Device, channel_ids: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """The device traded in through the API, then disposed, stocked and sold as it says (the
    sale issuing its environmental receipt); its trade-in id."""
    tid = sanitized(client, device.sku)
    with sessions.begin() as s:
        s.add(Disposition(trade_in_id=tid, route=device.route, disposed_at=device.disposed_at))
        if device.channel is None:
            return tid
        item = InventoryItem(
            id=f"inv-{tid}", program_id=PROGRAM, trade_in_id=tid, variant_sku=device.sku,
            grade=device.grade, route=device.route, channel_id=channel_ids[device.channel],
            status="listed", currency="USD", paid=device.paid, repair_cost=device.repair_cost,
            created_at=device.disposed_at, updated_at=device.disposed_at,
        )  # fmt: skip
        s.add(item)
        s.flush()
        if device.sale is not None:
            price, fees, sold_at = device.sale
            item.status = "sold" if device.route not in ("parts", "recycle") else device.route
            s.add(
                Sale(
                    item_id=item.id, trade_in_id=tid, program_id=PROGRAM,
                    channel_id=item.channel_id, price=price, fees=fees, currency="USD",
                    buyer="Buyer Ltd", sold_at=sold_at, recorded_by="tester",
                )
            )  # fmt: skip
            environment.issue(s, item, factories.ctx(sold_at))
    return tid


def world(client, sessions) -> list[str]:  # type: ignore[no-untyped-def]
    """Every device of ``WORLD`` recovered in the seeded program; their trade-in ids."""
    ids = channels(sessions)
    return [recovered(client, sessions, d, ids) for d in WORLD]


def requotes(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Three trade-ins declared good and found fair: re-quoted; one accepted, one declined and
    one waiting for its answer."""
    out = {}
    for answer in ("accept-requote", "decline-requote", None):
        tid = post_quote(client, PHONE)["trade_in_id"]
        ok(client, tid, "accept", {"payout_method": "cash", "pathway": "in_store"})
        ok(client, tid, "receive")
        ok(client, tid, "inspect", {"condition": factories.answers(cosmetic="fair")})
        if answer:
            ok(client, tid, answer)
        out[answer or "open"] = tid
    return out
