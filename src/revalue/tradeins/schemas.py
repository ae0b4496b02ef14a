from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

from revalue.customers.schemas import ContactIn
from revalue.domain.lifecycle import Action, State
from revalue.domain.program import Pathway, PayoutMethod
from revalue.domain.records import (
    RejectReason,
    Route,
    SanitizationLevel,
    SanitizationResult,
    SanitizationTechnique,
)
from revalue.grading.schemas import InspectionRecordIn
from revalue.quotes.schemas import ConditionIn, QuoteOut
from revalue.schemas_common import MoneyOut, Strict


class AcceptIn(Strict):
    payout_method: PayoutMethod = Field(examples=["store_credit"])
    pathway: Pathway = Field(examples=["mail_in"])
    contact: ContactIn | None = Field(
        None, description="The customer's details: kept apart, erased after retention"
    )


class ShipmentIn(Strict):
    carrier: str | None = Field(None, max_length=60, examples=["UPS"])
    tracking_number: str | None = Field(None, max_length=60, examples=["1Z999AA10123456784"])


class NoteIn(Strict):
    note: str | None = Field(None, max_length=2000)


class IdentifiersIn(Strict):
    """The device's identifiers as read from it (or its box): spaces and dashes are fine."""

    imei: str | None = Field(None, max_length=40, examples=["35 209900 176148 1"])
    imei2: str | None = Field(None, max_length=40, description="A dual-SIM device's second")
    meid: str | None = Field(None, max_length=40)
    serial: str | None = Field(None, max_length=60, description="Laptops, tablets, watches")


class ReceiveIn(NoteIn):
    identifiers: IdentifiersIn | None = Field(
        None, description="Screened at once: blocklist, repeats, the identified model"
    )


class FlagOut(BaseModel):
    id: int
    trade_in_id: str
    kind: str
    severity: str
    reason: str
    status: str
    raised_at: datetime
    due_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None


class ResolveIn(Strict):
    reason: str = Field(min_length=3, max_length=400, description="Why: kept with the flag")


class ScreeningOut(BaseModel):
    trade_in_id: str
    identity: dict[str, Any] | None
    checks: list[dict[str, Any]]
    flags: list[FlagOut]
    held: bool = Field(description="Blocklisted: can be neither paid for nor resold")


class InspectIn(Strict):
    """The full inspection record, or (a quick check in store) the condition alone."""

    record: InspectionRecordIn | None = Field(
        None, description="Checks, findings per zone with photos, battery, locks, accessories"
    )
    condition: ConditionIn | None = Field(None, description="A quick check: the condition")
    notes: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def _one_of(self) -> InspectIn:
        if (self.record is None) == (self.condition is None):
            raise ValueError("give either the inspection record or the condition, not both")
        return self


class RejectIn(Strict):
    reason: RejectReason
    note: str | None = Field(None, max_length=2000)


class SanitizeIn(Strict):
    level: SanitizationLevel = Field(examples=["purge"])
    technique: SanitizationTechnique = Field(examples=["cryptographic_erase"])
    result: SanitizationResult = Field(examples=["erased"])


class DisposeIn(Strict):
    route: Route = Field(examples=["refurbish_resell"])


class EventOut(BaseModel):
    id: int
    seq: int
    occurred_at: datetime
    actor: str
    place: str
    action: str
    from_state: State | None
    to_state: State
    data: dict[str, Any]
    prev_hash: str
    hash: str


class TradeInOut(BaseModel):
    id: str
    program_id: str
    model_id: str
    variant_sku: str
    state: State
    pathway: Pathway | None
    payout_method: PayoutMethod | None
    expires_at: datetime = Field(description="Price lock: accept and ship before this time")
    reason: str | None
    second_opinion: str | None = Field(
        description="required (a re-quote waits for a second inspector), sampled, or done"
    )
    allowed_actions: list[Action]
    payable: MoneyOut | None = Field(description="What the customer is owed, once accepted")
    quote: QuoteOut
    requote: QuoteOut | None
    grade: str | None
    sanitization: dict[str, Any] | None
    payment: dict[str, Any] | None
    disposition: str | None
    created_at: datetime
    updated_at: datetime
    custody: list[EventOut] | None = Field(None, description="Included on GET of one trade-in")


class TradeInPage(BaseModel):
    total: int
    items: list[TradeInOut]


class LinkIssued(BaseModel):
    customer_token: str = Field(
        description="The customer's secret link, shown once: Authorization: Bearer <token>"
    )
    customer_link_expires_at: datetime


class StartOut(LinkIssued):
    quote: QuoteOut
    trade_in_id: str
    state: State


class InspectionOut(BaseModel):
    id: int
    kind: str = Field(description="primary, or second_opinion")
    inspector: str
    inspected_at: datetime
    condition: dict[str, Any] = Field(description="What the price book priced")
    grade: str | None = Field(description="On the program's scale (or the price tier)")
    scale_id: str | None
    grades: dict[str, Any] | None = Field(
        description="The grade on every scale, with the rules that decided it"
    )
    record: dict[str, Any] | None = Field(description="Checks, findings, battery, locks")
    photos: list[str] = Field(description="URLs of the findings' photos")
    notes: str

    @classmethod
    def from_row(cls, row: Any, trade_in_id: str) -> InspectionOut:
        findings = (row.record or {}).get("findings", [])
        photos = [
            f"/trade-ins/{trade_in_id}/photos/{f['photo']}" for f in findings if f.get("photo")
        ]
        grade = row.grades[row.scale_id]["label"] if row.grades and row.scale_id else row.grade
        return cls(
            id=row.id,
            kind=row.kind,
            inspector=row.inspector,
            inspected_at=row.inspected_at,
            condition=row.condition,
            grade=grade,
            scale_id=row.scale_id,
            grades=row.grades,
            record=row.record,
            photos=photos,
            notes=row.notes,
        )


class CalibrationOut(BaseModel):
    inspector: str
    inspections: int
    second_opinions: int = Field(description="Of this inspector's inspections")
    agreement: float | None = Field(description="Share of second opinions giving the same grade")
    kappa: float | None = Field(description="Cohen's kappa of own vs second grades")
    requote_rate: float | None
    average_adjustment: int | None = Field(description="Found minus quoted, minor units")
