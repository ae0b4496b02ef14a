"""Request and response bodies of shipments, tracking, claims and SLAs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from revalue.schemas_common import Strict


class LabelIn(Strict):
    carrier: str | None = Field(
        None,
        max_length=40,
        description="Default: the built-in revalue-post",
        examples=["revalue-post"],
    )
    service: str = Field("", max_length=40, examples=["standard"])
    weight_g: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description="Declared parcel weight; default: typical for the category",
    )
    kit: bool | None = Field(
        None,
        description="Send a mailing kit to the customer too (programs with kits on_request; "
        "always-kit programs send one regardless)",
    )


class TrackingEventOut(BaseModel):
    id: int
    carrier: str
    event_id: str
    tracking_number: str
    shipment_id: str | None
    status: str
    occurred_at: datetime
    location: str
    detail: str
    received_at: datetime


class ShipmentOut(BaseModel):
    id: str
    program_id: str
    trade_in_id: str | None
    direction: str
    carrier: str
    service: str
    tracking_number: str
    to_site_id: str | None
    status: str
    declared_weight_g: int | None
    weighed_weight_g: int | None
    weight_flag: str | None
    created_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    received_at: datetime | None
    label_url: str = Field(description="The label and packing slip as PDF")
    events: list[TrackingEventOut] = []


class LabelOut(BaseModel):
    trade_in_id: str
    state: str = Field(description="The trade-in's state now: awaiting_shipment")
    shipments: list[ShipmentOut] = Field(
        description="The inbound parcel first; then the mailing kit to the customer, if sent"
    )


class IngestedOut(BaseModel):
    event_id: str
    tracking_number: str
    result: Literal["applied", "stored", "out_of_order", "orphan", "duplicate", "review"] = Field(
        description="applied: moved the parcel on; stored: kept, moved nothing; out_of_order: "
        "older news than the parcel's state; orphan: no shipment (yet) with that number; "
        "duplicate: this event id was taken before, nothing changed; review: the parcel of a "
        "trade-in declared lost moved again, its claim is marked for review"
    )


class IngestOut(BaseModel):
    carrier: str
    events: list[IngestedOut]


class ClaimOut(BaseModel):
    id: str
    program_id: str
    shipment_id: str
    trade_in_id: str | None
    status: str = Field(description="open, review, found or lost")
    protection: str
    reason: str
    carrier_reference: str | None
    amount: int | None
    currency: str | None
    opened_at: datetime
    opened_by: str
    resolved_at: datetime | None
    resolved_by: str | None
    note: str


class ResolveClaimIn(Strict):
    outcome: Literal["lost", "found"] = Field(
        description="lost: the carrier's search failed, the customer is paid as quoted; "
        "found: the parcel continues"
    )
    note: str = Field("", max_length=2000)
    carrier_reference: str | None = Field(None, max_length=80)


class SweepOut(BaseModel):
    program_id: str
    expired: list[str]
    repriced: list[str]
    claims_opened: list[str]


class BreachOut(BaseModel):
    kind: Literal["not_shipped", "in_transit_too_long", "batch_not_arrived", "not_paid"]
    trade_in_id: str
    reference: str | None = Field(description="The shipment, batch or claim concerned")
    since: datetime
    due: datetime
    days_late: int
