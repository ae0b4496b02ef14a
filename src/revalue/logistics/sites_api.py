"""Sites and their locations over HTTP, moving a device between locations of its site, and a
site's inventory. Sites are the installation's (an admin sets them up, staff read them); the
devices an inventory lists are cut to the caller's programs."""

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from revalue.domain.access import ALL_STAFF, Role
from revalue.domain.logistics import SiteKind
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.logistics import sites
from revalue.logistics.models import Location, Placement, Site
from revalue.schemas_common import Slug, Strict
from revalue.tradeins import service
from revalue.tradeins.scope import TRADE_IN

router = APIRouter(responses=ERROR_RESPONSES, tags=["sites"])
A, PM, R, INS, T, SA, AU = (
    Role.ADMIN,
    Role.PROGRAM_MANAGER,
    Role.RECEIVER,
    Role.INSPECTOR,
    Role.TECHNICIAN,
    Role.STORE_ASSOCIATE,
    Role.AUDITOR,
)
STAFF = tuple(ALL_STAFF)
# Who sees what is at a site: those who handle devices, and those who oversee them.
INVENTORY_READERS = (A, PM, R, INS, T, SA, AU)


class AddressIn(Strict):
    """A postal address, as printed on labels (never a customer's: sites only)."""

    name: str = Field("", max_length=160)
    line1: str = Field(min_length=1, max_length=160)
    line2: str = Field("", max_length=160)
    city: str = Field(min_length=1, max_length=100)
    region: str = Field("", max_length=100)
    postcode: str = Field("", max_length=20)
    country: str = Field(min_length=2, max_length=2, pattern="^[A-Z]{2}$", examples=["GB"])


class SiteIn(Strict):
    id: Slug = Field(examples=["leeds-hub"])
    kind: SiteKind
    name: str = Field(min_length=1, max_length=160)
    address: AddressIn


class SitePatch(Strict):
    name: str | None = Field(None, min_length=1, max_length=160)
    address: AddressIn | None = None
    active: bool | None = Field(None, description="False closes the site: nothing is placed there")


class SiteOut(BaseModel):
    id: str
    kind: str
    name: str
    address: dict[str, str]
    active: bool
    created_at: datetime


class LocationIn(Strict):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$", examples=["A-01"])
    kind: Literal["shelf", "bin", "cage", "bench", "dock"]
    description: str = Field("", max_length=200)


class LocationPatch(Strict):
    description: str | None = Field(None, max_length=200)
    active: bool | None = None


class LocationOut(BaseModel):
    id: int
    site_id: str
    code: str
    kind: str
    description: str
    active: bool


class MoveIn(Strict):
    site_id: str = Field(max_length=60, description="The site the device is at")
    location_id: int | None = Field(None, description="None: at the site, on no location")


class PlacementOut(BaseModel):
    trade_in_id: str
    site_id: str
    location_id: int | None
    location_code: str | None
    since: datetime
    by: str


class DeviceAt(BaseModel):
    trade_in_id: str
    program_id: str
    state: str
    since: datetime
    by: str
    batch_id: str | None = Field(description="Scanned out into this store batch, not yet sent")


class InventoryGroup(BaseModel):
    location_id: int | None
    code: str | None
    kind: str | None
    devices: list[DeviceAt]


class InventoryOut(BaseModel):
    site_id: str
    devices: int
    locations: list[InventoryGroup]


def site_out(site: Site) -> SiteOut:
    return SiteOut.model_validate(site, from_attributes=True)


def location_out(row: Location) -> LocationOut:
    return LocationOut.model_validate(row, from_attributes=True)


def placement_out(session: Session, row: Placement) -> PlacementOut:
    location = session.get(Location, row.location_id) if row.location_id else None
    return PlacementOut(
        trade_in_id=row.trade_in_id,
        site_id=row.site_id,
        location_id=row.location_id,
        location_code=location.code if location else None,
        since=row.since,
        by=row.by,
    )


@router.post("/sites", response_model=SiteOut, status_code=201)
def create_site(body: SiteIn, request: Request, grant: Grant = Depends(allow(A))):
    """A processing site, store or kiosk, with the postal address labels print."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        site = sites.create_site(
            s,
            site_id=body.id,
            kind=body.kind,
            name=body.name,
            address=body.address.model_dump(),
            ctx=ctx,
        )
        return site_out(site)

    return perform(request, work, payload=body, status_code=201)


@router.get("/sites", response_model=list[SiteOut])
def list_sites(
    kind: SiteKind | None = None,
    active: bool | None = None,
    grant: Grant = Depends(allow(*STAFF)),
    session: Session = Depends(read_session),
):
    """Every site of the installation (they serve every program)."""
    return [site_out(s) for s in sites.list_sites(session, kind=kind, active=active)]


@router.get("/sites/{site_id}", response_model=SiteOut)
def get_site(
    site_id: str, grant: Grant = Depends(allow(*STAFF)), session: Session = Depends(read_session)
):
    return site_out(sites.get_site(session, site_id))


@router.patch("/sites/{site_id}", response_model=SiteOut)
def update_site(site_id: str, body: SitePatch, request: Request, grant: Grant = Depends(allow(A))):
    """Rename, re-address, close (active false) or reopen a site; its kind never changes."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        address = body.address.model_dump() if body.address is not None else None
        site = sites.update_site(s, site_id, name=body.name, address=address, active=body.active)
        return site_out(site)

    return perform(request, work, payload=body)


@router.post("/sites/{site_id}/locations", response_model=LocationOut, status_code=201)
def create_location(
    site_id: str, body: LocationIn, request: Request, grant: Grant = Depends(allow(A))
):
    """A shelf, bin, cage, bench or dock of the site; its code is unique within the site."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        row = sites.create_location(
            s, site_id, code=body.code, kind=body.kind, description=body.description
        )
        return location_out(row)

    return perform(request, work, payload=body, status_code=201)


@router.get("/sites/{site_id}/locations", response_model=list[LocationOut])
def list_locations(
    site_id: str, grant: Grant = Depends(allow(*STAFF)), session: Session = Depends(read_session)
):
    return [location_out(r) for r in sites.list_locations(session, site_id)]


@router.patch("/sites/{site_id}/locations/{location_id}", response_model=LocationOut)
def update_location(
    site_id: str,
    location_id: int,
    body: LocationPatch,
    request: Request,
    grant: Grant = Depends(allow(A)),
):
    """Describe, close (active false: nothing more is placed there) or reopen a location."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        row = sites.update_location(
            s, site_id, location_id, description=body.description, active=body.active
        )
        return location_out(row)

    return perform(request, work, payload=body)


@router.post("/trade-ins/{trade_in_id}/move", response_model=PlacementOut)
def move_device(
    trade_in_id: str,
    body: MoveIn,
    request: Request,
    grant: Grant = Depends(allow(A, R, T, INS, scope=TRADE_IN)),
):
    """Put the device on another location of the site it is at (a custody event). Another
    site is reached through a store batch or a receipt, not by a move."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        trade_in = service.get(s, trade_in_id)
        row = sites.place(s, trade_in, body.site_id, body.location_id, ctx, sites.MOVE)
        return placement_out(s, row)

    return perform(request, work, payload=body)


@router.get("/sites/{site_id}/inventory", response_model=InventoryOut)
def site_inventory(
    site_id: str,
    program_id: str | None = Query(None, max_length=60),
    grant: Grant = Depends(allow(*INVENTORY_READERS)),
    session: Session = Depends(read_session),
):
    """The devices at the site now, by location, with their state: those of the caller's
    programs only."""
    within = grant.programs()
    if program_id is not None:
        within = frozenset({program_id}) & within if within is not None else frozenset({program_id})
    groups = sites.inventory(session, site_id, within)
    return InventoryOut(
        site_id=site_id,
        devices=sum(len(g["devices"]) for g in groups),
        locations=[InventoryGroup.model_validate(g) for g in groups],
    )
