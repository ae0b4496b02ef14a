"""Sites (processing sites, stores, kiosks), the locations inside them, and where each device
is: one Placement row per trade-in, and a custody event for every change of it.

Sites serve every program of the installation; the devices placed at them belong to programs,
so lists of devices are cut to the caller's programs by the API. A device changes site only
through a receipt or a store-to-site batch (``batches``): a plain move stays inside its site.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.lifecycle import State
from revalue.domain.logistics import SiteKind
from revalue.logistics.models import Batch, BatchItem, Location, Placement, Site
from revalue.tradeins import custody
from revalue.tradeins.models import TradeIn

LOCATION_KINDS = ("shelf", "bin", "cage", "bench", "dock")
ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postcode", "country")

# Why a device is placed; only these may take it to another site than the one it is at.
MOVE, RECEIVED, TRANSFER_IN = "move", "received", "transfer_in"
CROSSES_SITES = frozenset({RECEIVED, TRANSFER_IN})

# States in which the device is not (yet, or any more) in the operator's hands.
NOT_IN_HAND = frozenset(
    {
        State.QUOTED,
        State.ACCEPTED,
        State.AWAITING_SHIPMENT,
        State.IN_TRANSIT,
        State.LOST_IN_TRANSIT,
        State.CANCELLED,
        State.EXPIRED,
        State.RETURNED,
        State.DISPOSED,
    }
)


class SiteNotFound(NotFound):
    code = "site_not_found"


class LocationNotFound(NotFound):
    code = "location_not_found"


class SiteExists(Conflict):
    code = "site_exists"


class LocationExists(Conflict):
    code = "location_exists"


class SiteInactive(Conflict):
    code = "site_inactive"


class LocationInactive(Conflict):
    code = "location_inactive"


class WrongSite(Conflict):
    """The device (or parcel, or batch) belongs at another site: ``expected_site`` names it."""

    code = "wrong_site"


class NeedsTransfer(Conflict):
    code = "needs_transfer"


class InBatch(Conflict):
    code = "device_in_batch"


class NotInHand(Conflict):
    code = "device_not_in_hand"


def clean_address(address: dict[str, Any]) -> dict[str, str]:
    """The postal address as labels print it: known fields only, line1, city and country
    required."""
    unknown = sorted(set(address) - set(ADDRESS_FIELDS))
    if unknown:
        raise InvalidInput(f"unknown address field(s): {', '.join(unknown)}", field="address")
    out = {k: str(address.get(k) or "").strip() for k in ADDRESS_FIELDS}
    for required in ("line1", "city", "country"):
        if not out[required]:
            raise InvalidInput(f"the address needs {required}", field=f"address.{required}")
    return out


def get_site(session: Session, site_id: str) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise SiteNotFound(f"no site {site_id!r}", field="site_id")
    return site


def active_site(session: Session, site_id: str) -> Site:
    site = get_site(session, site_id)
    if not site.active:
        raise SiteInactive(f"site {site_id!r} is closed", field="site_id", site_id=site_id)
    return site


def list_sites(
    session: Session, *, kind: SiteKind | None = None, active: bool | None = None
) -> list[Site]:
    stmt = select(Site).order_by(Site.id)
    if kind is not None:
        stmt = stmt.where(Site.kind == str(kind))
    if active is not None:
        stmt = stmt.where(Site.active == active)
    return list(session.scalars(stmt))


def create_site(
    session: Session,
    *,
    site_id: str,
    kind: SiteKind,
    name: str,
    address: dict[str, Any],
    ctx: Context,
) -> Site:
    if session.get(Site, site_id) is not None:
        raise SiteExists(f"site {site_id!r} exists already", field="id")
    site = Site(
        id=site_id,
        kind=str(kind),
        name=name,
        address=clean_address(address),
        active=True,
        created_at=ctx.now,
    )
    session.add(site)
    session.flush()
    return site


def update_site(
    session: Session,
    site_id: str,
    *,
    name: str | None = None,
    address: dict[str, Any] | None = None,
    active: bool | None = None,
) -> Site:
    """Rename, re-address, close or reopen a site (its kind never changes: devices and
    batches were routed by it)."""
    site = get_site(session, site_id)
    if name is not None:
        site.name = name
    if address is not None:
        site.address = clean_address(address)
    if active is not None:
        site.active = active
    session.flush()
    return site


def list_locations(session: Session, site_id: str) -> list[Location]:
    get_site(session, site_id)
    return list(
        session.scalars(select(Location).where(Location.site_id == site_id).order_by(Location.code))
    )


def create_location(
    session: Session, site_id: str, *, code: str, kind: str, description: str = ""
) -> Location:
    active_site(session, site_id)
    if kind not in LOCATION_KINDS:
        raise InvalidInput(f"a location is one of {', '.join(LOCATION_KINDS)}", field="kind")
    taken = session.scalars(
        select(Location).where(Location.site_id == site_id, Location.code == code)
    ).first()
    if taken is not None:
        raise LocationExists(f"site {site_id!r} has a location {code!r} already", field="code")
    row = Location(site_id=site_id, code=code, kind=kind, description=description, active=True)
    session.add(row)
    session.flush()
    return row


def get_location(session: Session, site_id: str, location_id: int) -> Location:
    """A location of this site: one of another site is not found here."""
    row = session.get(Location, location_id)
    if row is None or row.site_id != site_id:
        raise LocationNotFound(
            f"site {site_id!r} has no location {location_id}", field="location_id"
        )
    return row


def update_location(
    session: Session,
    site_id: str,
    location_id: int,
    *,
    description: str | None = None,
    active: bool | None = None,
) -> Location:
    row = get_location(session, site_id, location_id)
    if description is not None:
        row.description = description
    if active is not None:
        row.active = active
    session.flush()
    return row


def placement_of(session: Session, trade_in_id: str) -> Placement | None:
    return session.get(Placement, trade_in_id)


def release(session: Session, trade_in_id: str) -> Placement | None:
    """The device left the operator's hands (sold, handed to a parts buyer or the recycler):
    it is at no site any more, so it can no longer be moved. Its last place, or None."""
    row = placement_of(session, trade_in_id)
    if row is not None:
        session.delete(row)
    return row


def check_place(
    session: Session, trade_in: TradeIn, site_id: str, location_id: int | None, why: str
) -> tuple[Site, Location | None]:
    """Refuse a placement before anything is written: a closed site or location, a location
    of another site, or a plain move to another site."""
    site = active_site(session, site_id)
    location = None
    if location_id is not None:
        location = get_location(session, site_id, location_id)
        if not location.active:
            raise LocationInactive(
                f"location {location.code!r} of site {site_id!r} is closed", field="location_id"
            )
    current = placement_of(session, trade_in.id)
    if why not in CROSSES_SITES:
        if current is None and State(trade_in.state) in NOT_IN_HAND:
            raise NotInHand(
                f"trade-in {trade_in.id} is {trade_in.state}: the device is not at a site",
                field="trade_in_id",
            )
        in_batch = batch_of(session, [trade_in.id]).get(trade_in.id)
        if in_batch is not None:
            raise InBatch(
                f"the device is in store batch {in_batch[0]} ({in_batch[1]}): it moves when "
                "the batch is scanned in",
                field="trade_in_id",
                batch_id=in_batch[0],
            )
        if current is not None and current.site_id != site_id:
            raise NeedsTransfer(
                f"the device is at site {current.site_id!r}: it goes to site {site_id!r} in a "
                "store batch (or is received there), not by a move",
                field="site_id",
                current_site=current.site_id,
            )
    return site, location


def place(
    session: Session,
    trade_in: TradeIn,
    site_id: str,
    location_id: int | None,
    ctx: Context,
    why: str = MOVE,
    *,
    action: str = "move",
    extra: dict[str, Any] | None = None,
) -> Placement:
    """Put the device at a site (and a location there), and note it on the custody chain with
    where it came from. ``why`` says what took it there; only a receipt or a batch's arrival
    crosses sites."""
    _, location = check_place(session, trade_in, site_id, location_id, why)
    row = placement_of(session, trade_in.id)
    before = (None, None) if row is None else (row.site_id, row.location_id)
    from_code = _code(session, before[1])
    if row is None:
        row = Placement(trade_in_id=trade_in.id, site_id=site_id)
        session.add(row)
    row.site_id, row.location_id, row.since, row.by = site_id, location_id, ctx.now, ctx.actor
    session.flush()
    data = {
        "why": why,
        "from_site": before[0],
        "from_location": from_code,
        "to_site": site_id,
        "to_location": location.code if location else None,
        **(extra or {}),
    }
    custody.note(session, trade_in, action, data, ctx)
    return row


def _code(session: Session, location_id: int | None) -> str | None:
    if location_id is None:
        return None
    row = session.get(Location, location_id)
    return row.code if row else None


def batch_of(session: Session, trade_in_ids: list[str]) -> dict[str, tuple[str, str]]:
    """Devices whose latest store batch has not scanned them in: trade-in id -> (batch id,
    batch status). Packed (open), on their way (dispatched) or missing (received)."""
    if not trade_in_ids:
        return {}
    rows = session.execute(
        select(BatchItem.trade_in_id, BatchItem.batch_id, BatchItem.scanned_in_at, Batch.status)
        .join(Batch, Batch.id == BatchItem.batch_id)
        .where(BatchItem.trade_in_id.in_(trade_in_ids))
        .order_by(BatchItem.id)
    ).all()
    latest = {r.trade_in_id: r for r in rows}  # the last item of each device wins
    return {t: (r.batch_id, r.status) for t, r in latest.items() if r.scanned_in_at is None}


def inventory(
    session: Session, site_id: str, within: frozenset[str] | None
) -> list[dict[str, Any]]:
    """The devices at the site now (of these programs; ``None``: all), by location: those
    still in the operator's hands, each with its state and whether it waits in a batch."""
    get_site(session, site_id)
    stmt = (
        select(Placement, TradeIn.state, TradeIn.program_id)
        .join(TradeIn, TradeIn.id == Placement.trade_in_id)
        .where(
            Placement.site_id == site_id,
            TradeIn.state.not_in([str(State.RETURNED), str(State.DISPOSED)]),
        )
        .order_by(Placement.location_id, Placement.since, Placement.trade_in_id)
    )
    if within is not None:
        stmt = stmt.where(TradeIn.program_id.in_(within))
    rows = session.execute(stmt).all()
    batched = batch_of(session, [r.Placement.trade_in_id for r in rows])
    # Devices that left in a batch (on their way, or missing) are no longer here.
    rows = [r for r in rows if batched.get(r.Placement.trade_in_id, ("", "open"))[1] == "open"]
    locations = {loc.id: loc for loc in list_locations(session, site_id)}
    groups: dict[int | None, list[dict[str, Any]]] = {}
    for r in rows:
        p = r.Placement
        groups.setdefault(p.location_id, []).append(
            {
                "trade_in_id": p.trade_in_id,
                "program_id": r.program_id,
                "state": r.state,
                "since": p.since,
                "by": p.by,
                "batch_id": batched[p.trade_in_id][0] if p.trade_in_id in batched else None,
            }
        )
    out = []
    for location_id, devices in groups.items():
        loc = locations.get(location_id) if location_id is not None else None
        out.append(
            {
                "location_id": location_id,
                "code": loc.code if loc else None,
                "kind": loc.kind if loc else None,
                "devices": devices,
            }
        )
    # Devices at the site but on no location first, then by code (the same on every database).
    return sorted(out, key=lambda g: (g["code"] is not None, g["code"] or ""))
