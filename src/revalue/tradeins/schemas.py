from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from revalue.customers.schemas import ContactIn
from revalue.domain.lifecycle import Action, State
from revalue.domain.program import Pathway, PayoutMethod
from revalue.domain.records import (
    MediumKind,
    RejectReason,
    Route,
    SanitizationLevel,
    SanitizationResult,
    SanitizationTechnique,
    Verification,
)
from revalue.grading.schemas import InspectionRecordIn
from revalue.quotes.schemas import ConditionIn, QuoteOut
from revalue.schemas_common import MoneyOut, Strict, UTCTime


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
    variant_sku: str | None = Field(
        None,
        max_length=80,
        description="The variant found, when the device is not the one declared: it is priced "
        "as found, at the quote's date, and the customer answers the re-quote",
    )

    @model_validator(mode="after")
    def _one_of(self) -> InspectIn:
        if (self.record is None) == (self.condition is None):
            raise ValueError("give either the inspection record or the condition, not both")
        return self


class RejectIn(Strict):
    reason: RejectReason
    note: str | None = Field(None, max_length=2000)


class MediumIn(Strict):
    kind: MediumKind = MediumKind.INTERNAL_STORAGE
    identifier: str = Field("", max_length=120, description="The medium's own serial number")
    capacity_bytes: int | None = Field(None, ge=0, le=10**15)
    level: SanitizationLevel = Field(examples=["purge"])
    technique: SanitizationTechnique = Field(examples=["cryptographic_erase"])
    result: SanitizationResult = Field(examples=["erased"])

    @model_validator(mode="after")
    def _technique_fits_level(self) -> MediumIn:
        destroyed = self.technique == SanitizationTechnique.PHYSICAL_DESTRUCTION
        if destroyed != (self.level == SanitizationLevel.DESTROY):
            raise ValueError("physical destruction is the Destroy level, and only it")
        reset = self.technique == SanitizationTechnique.FACTORY_RESET_VERIFIED
        if reset and self.level != SanitizationLevel.CLEAR:
            raise ValueError("a factory reset is a Clear (NIST SP 800-88), not a Purge")
        return self


class SanitizeIn(Strict):
    """One erasure of the device: either its ``media`` one by one (a laptop's SSD, a phone's
    SD card), or ``level``, ``technique`` and ``result`` for its one internal storage."""

    # Before the summary fields: their validator looks at it.
    media: list[MediumIn] | None = Field(None, min_length=1, max_length=16)
    level: SanitizationLevel | None = Field(None, examples=["purge"], validate_default=True)
    technique: SanitizationTechnique | None = Field(
        None, examples=["cryptographic_erase"], validate_default=True
    )
    result: SanitizationResult | None = Field(None, examples=["erased"], validate_default=True)
    tool: str = Field("", max_length=120, examples=["Revalue Wipe"])
    tool_version: str = Field("", max_length=60, examples=["4.2.1"])
    started_at: UTCTime | None = None
    completed_at: UTCTime | None = Field(None, description="Defaults to the time of recording")
    verification_method: str = Field("", max_length=200, examples=["full read-back of every block"])
    destination: str = Field("", max_length=200, examples=["refurbishment, site LDN-1"])

    @field_validator("level", "technique", "result")
    @classmethod
    def _device_or_media(cls, value: Any, info: ValidationInfo) -> Any:
        if "media" not in info.data:  # media itself was malformed: that error says enough
            return value
        if info.data["media"] is None and value is None:
            raise ValueError(f"give {info.field_name}, or media (one entry per storage medium)")
        if info.data["media"] is not None and value is not None:
            raise ValueError(f"with media, give {info.field_name} per medium, not here")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SanitizeIn:
        if self.media is None:
            MediumIn(level=self.level, technique=self.technique, result=self.result)
        if self.started_at and self.completed_at and self.started_at > self.completed_at:
            raise ValueError("started_at is after completed_at")
        return self

    def all_media(self) -> list[MediumIn]:
        if self.media is not None:
            return self.media
        return [MediumIn(level=self.level, technique=self.technique, result=self.result)]


class VerifyErasureIn(Strict):
    passed: bool = Field(description="Whether the independent check found the media erased")
    method: str = Field(min_length=3, max_length=200, examples=["sampled sector read-back"])
    note: str | None = Field(None, max_length=400)


class MediumOut(BaseModel):
    kind: MediumKind
    identifier: str
    capacity_bytes: int | None
    level: SanitizationLevel
    technique: SanitizationTechnique
    result: SanitizationResult


class SanitizationOut(BaseModel):
    id: int
    trade_in_id: str
    level: SanitizationLevel = Field(description="The weakest level of its media")
    technique: str = Field(description="The media's technique, or mixed")
    result: SanitizationResult = Field(description="The worst result of its media")
    media: list[MediumOut]
    tool: str
    tool_version: str
    operator: str
    location: str
    started_at: datetime | None
    completed_at: datetime
    verification_method: str
    destination: str
    source: str = Field(description="manual, or the erasure report format it came from")
    report_id: str | None
    verification: Verification = Field(description="Independent verification of the record")
    verifier: str | None
    verified_at: datetime | None
    verifier_method: str | None
    verifier_note: str | None

    @classmethod
    def from_row(cls, row: Any, media: list[Any]) -> SanitizationOut:
        fields = {name: getattr(row, name) for name in cls.model_fields if name != "media"}
        return cls(
            **fields,
            media=[MediumOut.model_validate(m, from_attributes=True) for m in media],
        )


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
