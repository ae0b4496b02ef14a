from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

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


class InspectIn(Strict):
    condition: ConditionIn = Field(description="What the inspector found")
    notes: str = Field("", max_length=2000)


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
