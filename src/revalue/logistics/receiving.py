"""Receiving at a site: a scanned barcode matched to its trade-in, and what was in the box.

The scan may be a shipment id, a carrier's tracking number, a trade-in id, an IMEI or a serial
number. The site must be the one the device was sent to: a mail-in parcel opened at a store,
or at another processing site than its label's, is refused as ``wrong_site`` and nothing is
written. What the receiver found decides the path:

- ``device``: received (identified and screened), placed at the site, the parcel weighed;
- ``different_device``: received with the identifiers of the device found, flagged as a model
  mismatch, so inspection prices what arrived (outcome ``received_different``);
- ``empty`` or ``accessories_only``: not received. The trade-in stays as it was, so the
  customer is not paid; the receipt is held (``held_empty``) until the program resolves it:
  the accessories go back to the sender, or the device turns up and is received after all.

Every receipt is a Receipt row and a custody event; none carries personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput
from revalue.domain.lifecycle import Action, State
from revalue.domain.logistics import Contents, SiteKind, weight_flag
from revalue.domain.program import HANDED_OVER, Pathway
from revalue.evidence.models import EvidencePhoto
from revalue.identity import identifiers
from revalue.identity.models import DeviceIdentity
from revalue.logistics import scans, sites
from revalue.logistics.models import Receipt, Shipment, Site
from revalue.programs import service as programs
from revalue.tradeins import custody, screening, service
from revalue.tradeins.models import TradeIn
from revalue.tradeins.schemas import IdentifiersIn, ReceiveIn

RECEIVED, RECEIVED_DIFFERENT, HELD_EMPTY = "received", "received_different", "held_empty"
# Trade-ins whose device may still arrive.
RECEIVABLE = frozenset(
    {State.ACCEPTED, State.AWAITING_SHIPMENT, State.IN_TRANSIT, State.LOST_IN_TRANSIT}
)
SHIPMENT_OPEN = ("label_created", "in_transit", "delivered", "lost")


class ReceiptHeld(Conflict):
    code = "receipt_held"


class PhotoNotFound(InvalidInput):
    code = "photo_not_found"


@dataclass(frozen=True, slots=True)
class Found:
    """What the receiver found, as the service takes it (the API's body, or the demo's)."""

    contents: Contents = Contents.DEVICE
    location_id: int | None = None
    weighed_weight_g: int | None = None
    identifiers: IdentifiersIn | None = None
    accessories: tuple[str, ...] = ()
    photos: tuple[str, ...] = ()  # SHA-256 of photos uploaded to the trade-in (unboxing)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    receipt: Receipt
    trade_in: TradeIn
    shipment: Shipment | None


def match(session: Session, scan: str, within: frozenset[str] | None) -> TradeIn:
    """The one trade-in the scan names that still waits for its device."""
    return scans.one_of(
        scans.candidates(session, scan, within),
        scan,
        lambda t: State(t.state) in RECEIVABLE,
        "waiting to be received",
    )


def inbound_shipment(session: Session, trade_in_id: str) -> Shipment | None:
    """The trade-in's latest inbound parcel still on its way (or just delivered)."""
    return session.scalars(
        select(Shipment)
        .where(
            Shipment.trade_in_id == trade_in_id,
            Shipment.direction == "inbound",
            Shipment.status.in_(SHIPMENT_OPEN),
        )
        .order_by(Shipment.created_at.desc(), Shipment.id.desc())
    ).first()


# --- where it may be received ----------------------------------------------------------


def expected_site(session: Session, trade_in: TradeIn, shipment: Shipment | None) -> str | None:
    """The processing site a shipped device is addressed to: its label's, else the
    program's receiving site; ``None`` when neither says."""
    if shipment is not None and shipment.to_site_id:
        return shipment.to_site_id
    return programs.get(session, trade_in.program_id).receiving_site_id


def check_site(
    session: Session, site: Site, trade_in: TradeIn, shipment: Shipment | None, contents: Contents
) -> None:
    """Refuse, before anything is written, a device received at a site it was not sent to."""
    handed_over = trade_in.pathway is not None and Pathway(trade_in.pathway) in HANDED_OVER
    if handed_over:
        if contents is not Contents.DEVICE:
            raise InvalidInput(
                "a device handed over in person is there or not: contents must be device",
                field="contents",
            )
        return
    expected = expected_site(session, trade_in, shipment)
    if site.kind != str(SiteKind.PROCESSING) or (expected and expected != site.id):
        where = f"site {expected!r}" if expected else "a processing site"
        raise sites.WrongSite(
            f"trade-in {trade_in.id} was sent to {where}, not to {site.kind} {site.id!r}: "
            "nothing was recorded",
            field="site_id",
            site_id=site.id,
            expected_site=expected,
            trade_in_id=trade_in.id,
        )


def refuse_if_held(session: Session, trade_in_id: str) -> None:
    held = session.scalars(
        select(Receipt).where(Receipt.trade_in_id == trade_in_id, Receipt.outcome == HELD_EMPTY)
    ).first()
    if held is not None:
        raise ReceiptHeld(
            f"receipt {held.id} holds this trade-in ({held.contents}): resolve it first",
            receipt_id=held.id,
        )


def photos_of(session: Session, trade_in_id: str, photos: tuple[str, ...]) -> list[str]:
    if not photos:
        return []
    have = set(
        session.scalars(
            select(EvidencePhoto.sha256).where(
                EvidencePhoto.trade_in_id == trade_in_id, EvidencePhoto.sha256.in_(photos)
            )
        )
    )
    missing = [p for p in photos if p not in have]
    if missing:
        raise PhotoNotFound(
            f"no photo {missing[0]} of this trade-in: upload it first "
            f"(POST /trade-ins/{trade_in_id}/photos, caption 'unboxing')",
            field="photos",
        )
    return list(dict.fromkeys(photos))


# --- receiving --------------------------------------------------------------------------


def receive(
    session: Session,
    site_id: str,
    scan: str,
    found: Found,
    ctx: Context,
    *,
    within: frozenset[str] | None = None,
    may_receive: Callable[[TradeIn, Site], None] | None = None,
) -> Outcome:
    """Match the scan, check the site, then record what was in the box (see the module)."""
    site = sites.active_site(session, site_id)
    # What happens here happens at the site: its custody events name it as their place.
    ctx = replace(ctx, place=site.id)
    trade_in = match(session, scan, within)
    if may_receive is not None:
        may_receive(trade_in, site)
    shipment = inbound_shipment(session, trade_in.id)
    check_site(session, site, trade_in, shipment, found.contents)
    refuse_if_held(session, trade_in.id)
    photos = photos_of(session, trade_in.id, found.photos)
    if found.contents in (Contents.EMPTY, Contents.ACCESSORIES_ONLY):
        if found.location_id is not None:
            sites.get_location(session, site_id, found.location_id)
        return _hold(session, site, trade_in, shipment, scan, found, photos, ctx)
    require_identifiers(found)
    number = scans.identifier(identifiers.normalize_imei, scan.strip())
    if found.contents is Contents.DEVICE and found.identifiers is None and number:
        # The receiver scanned the device's own IMEI: it is identified and screened as given.
        found = replace(found, identifiers=IdentifiersIn(imei=number))
    service.target(trade_in, Action.RECEIVE)  # refused here, before anything is written
    sites.check_place(session, trade_in, site_id, found.location_id, sites.RECEIVED)
    return take_in(session, site, trade_in, shipment, scan, found, photos, ctx)


def require_identifiers(found: Found) -> None:
    if found.contents is Contents.DIFFERENT_DEVICE and (
        found.identifiers is None or not (found.identifiers.imei or found.identifiers.serial)
    ):
        raise InvalidInput(
            "a different device is received with what identifies it: its IMEI or serial",
            field="identifiers",
        )


def take_in(
    session: Session,
    site: Site,
    trade_in: TradeIn,
    shipment: Shipment | None,
    scan: str,
    found: Found,
    photos: list[str],
    ctx: Context,
) -> Outcome:
    different = found.contents is Contents.DIFFERENT_DEVICE
    declared = _identity(session, trade_in.id) if different else None
    screening.receive(
        session, trade_in.id, ReceiveIn(note=found.note, identifiers=found.identifiers), ctx
    )
    sites.place(session, trade_in, site.id, found.location_id, ctx, sites.RECEIVED)
    weight = _weigh(session, trade_in, shipment, found.weighed_weight_g, ctx)
    record: dict[str, Any] = {
        "identifiers": _identity(session, trade_in.id),
        "accessories": list(found.accessories),
        "photos": photos,
        "note": found.note,
        "location_id": found.location_id,
        **weight,
    }
    if different:
        record["declared"] = {"model_id": trade_in.model_id, **(declared or {})}
    receipt = _receipt(
        session,
        site,
        trade_in,
        shipment,
        scan,
        found.contents,
        record,
        RECEIVED_DIFFERENT if different else RECEIVED,
        ctx,
    )
    if different:
        now = record["identifiers"] or {}
        identified = session.get(DeviceIdentity, trade_in.id)
        what = identified.identified_model_id if identified else None
        screening.raise_flag(
            session,
            trade_in,
            screening.Kind.MODEL_MISMATCH,
            f"receipt {receipt.id}: declared {trade_in.model_id}, a different device arrived "
            f"(IMEI {now.get('imei') or '-'}, serial {now.get('serial') or '-'}, identified "
            f"as {what or 'unknown'})",
            ctx,
        )
        custody.note(
            session,
            trade_in,
            "contents_different",
            {"receipt_id": receipt.id, "declared_model_id": trade_in.model_id, "found": now},
            ctx,
        )
    return Outcome(receipt, trade_in, shipment)


def _hold(
    session: Session,
    site: Site,
    trade_in: TradeIn,
    shipment: Shipment | None,
    scan: str,
    found: Found,
    photos: list[str],
    ctx: Context,
) -> Outcome:
    """The parcel arrived without the device: the trade-in does not move (so the customer is
    not paid), the parcel is marked received (so nobody suspects the carrier of losing it)."""
    weight = _weigh(session, trade_in, shipment, found.weighed_weight_g, ctx)
    record = {
        "accessories": list(found.accessories),
        "photos": photos,
        "note": found.note,
        "location_id": found.location_id,
        **weight,
    }
    receipt = _receipt(
        session, site, trade_in, shipment, scan, found.contents, record, HELD_EMPTY, ctx
    )
    custody.note(
        session,
        trade_in,
        "contents_dispute",
        {
            "receipt_id": receipt.id,
            "site_id": site.id,
            "contents": str(found.contents),
            "accessories": list(found.accessories),
            "shipment_id": shipment.id if shipment else None,
            "photos": photos,
        },
        ctx,
    )
    return Outcome(receipt, trade_in, shipment)


def _identity(session: Session, trade_in_id: str) -> dict[str, Any] | None:
    row = session.get(DeviceIdentity, trade_in_id)
    if row is None:
        return None
    return {
        "imei": row.imei,
        "imei2": row.imei2,
        "serial": row.serial,
        "identified_model_id": row.identified_model_id,
    }


def _weigh(
    session: Session,
    trade_in: TradeIn,
    shipment: Shipment | None,
    weighed_g: int | None,
    ctx: Context,
) -> dict[str, Any]:
    """Mark the parcel received and weigh it against its declared weight."""
    if shipment is None:
        return {"weighed_weight_g": weighed_g}
    shipment.status, shipment.received_at, shipment.updated_at = "received", ctx.now, ctx.now
    if weighed_g is None:
        return {"weighed_weight_g": None}
    tolerance = programs.get(session, trade_in.program_id).weight_tolerance_g
    shipment.weighed_weight_g = weighed_g
    shipment.weight_flag = weight_flag(shipment.declared_weight_g, weighed_g, tolerance)
    if shipment.weight_flag:
        custody.note(
            session,
            trade_in,
            "weight_flag",
            {
                "shipment_id": shipment.id,
                "declared_g": shipment.declared_weight_g,
                "weighed_g": weighed_g,
                "flag": shipment.weight_flag,
            },
            ctx,
        )
    return {"weighed_weight_g": weighed_g, "weight_flag": shipment.weight_flag}


def _receipt(
    session: Session,
    site: Site,
    trade_in: TradeIn,
    shipment: Shipment | None,
    scan: str,
    contents: Contents,
    found: dict[str, Any],
    outcome: str,
    ctx: Context,
) -> Receipt:
    row = Receipt(
        site_id=site.id,
        trade_in_id=trade_in.id,
        shipment_id=shipment.id if shipment else None,
        scanned=scan.strip()[:80],
        contents=str(contents),
        found=found,
        outcome=outcome,
        receiver=ctx.actor,
        received_at=ctx.now,
    )
    session.add(row)
    session.flush()
    return row
