"""Matching a scanned barcode to trade-ins: a shipment id, a carrier's tracking number, a
trade-in id, an IMEI (in any spacing) or a serial number. Receiving and store batches both
scan; each decides which of the matches it may use."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from revalue.domain.errors import Conflict, NotFound
from revalue.identity import identifiers
from revalue.identity.identifiers import InvalidIdentifier
from revalue.identity.models import DeviceIdentity
from revalue.logistics.models import Shipment
from revalue.tradeins.models import TradeIn


class ScanNotFound(NotFound):
    code = "scan_not_found"


class AmbiguousScan(Conflict):
    code = "ambiguous_scan"


class NotReceivable(Conflict):
    code = "not_receivable"


class LotShipment(Conflict):
    code = "lot_shipment"


def candidates(session: Session, scan: str, within: frozenset[str] | None) -> list[TradeIn]:
    """Trade-ins a barcode may name (of these programs; ``None``: all), oldest first."""
    text = scan.strip()
    ids: set[str] = set()
    shipment_match = or_(Shipment.id == text, Shipment.tracking_number == text)
    for sh in session.scalars(select(Shipment).where(shipment_match)):
        if sh.trade_in_id is None and sh.lot_id is not None:
            raise LotShipment(
                f"shipment {sh.id} carries business lot {sh.lot_id}: receive it against the "
                "lot's manifest",
                scanned=scan,
                lot_id=sh.lot_id,
            )
        if sh.trade_in_id:
            ids.add(sh.trade_in_id)
    if session.get(TradeIn, text) is not None:
        ids.add(text)
    number = identifier(identifiers.normalize_imei, text)
    if number:
        ids |= set(
            session.scalars(
                select(DeviceIdentity.trade_in_id).where(
                    or_(DeviceIdentity.imei == number, DeviceIdentity.imei2 == number)
                )
            )
        )
    serial = identifier(identifiers.normalize_serial, text)
    if serial:
        ids |= set(
            session.scalars(
                select(DeviceIdentity.trade_in_id).where(DeviceIdentity.serial == serial)
            )
        )
    if not ids:
        return []
    stmt = select(TradeIn).where(TradeIn.id.in_(ids)).order_by(TradeIn.created_at, TradeIn.id)
    if within is not None:
        stmt = stmt.where(TradeIn.program_id.in_(within))
    return list(session.scalars(stmt))


def identifier(normalize: Callable[[str], str], text: str) -> str | None:
    try:
        return normalize(text)
    except InvalidIdentifier:
        return None


def one_of(found: list[TradeIn], scan: str, usable: Callable[[TradeIn], bool], why: str) -> TradeIn:
    """The one trade-in a scan names among those ``usable``; else a clear refusal."""
    if not found:
        raise ScanNotFound(
            f"nothing matches {scan!r}: not a shipment, tracking number, trade-in, IMEI or "
            "serial number known here",
            scanned=scan,
        )
    fits = [t for t in found if usable(t)]
    if len(fits) == 1:
        return fits[0]
    if not fits:
        states = ", ".join(f"{t.id} is {t.state}" for t in found)
        raise NotReceivable(f"{scan!r} matches no trade-in {why}: {states}", scanned=scan)
    raise AmbiguousScan(
        f"{scan!r} matches {len(fits)} trade-ins: scan the shipment or the trade-in id",
        scanned=scan,
        candidates=[{"trade_in_id": t.id, "state": t.state} for t in fits],
    )
