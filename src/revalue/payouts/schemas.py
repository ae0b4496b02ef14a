from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from revalue.schemas_common import Strict


class PayIn(Strict):
    """Where cash goes: a bank account, or a PayPal address (by default the customer's
    e-mail). Other methods need nothing."""

    rail: Literal["bank_transfer", "paypal"] | None = Field(None, examples=["bank_transfer"])
    account: str | None = Field(
        None, min_length=4, max_length=80, examples=["GB33BUKB20201555555555"]
    )
    note: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _bank_needs_account(self) -> PayIn:
        if self.rail == "bank_transfer" and not self.account:
            raise ValueError("a bank transfer needs the account to pay to")
        return self


class ExecutedIn(Strict):
    bank_reference: str = Field(min_length=3, max_length=120, examples=["BACS-2026-11-26-0042"])


class FailedIn(Strict):
    reason: str = Field(min_length=3, max_length=200, examples=["account closed (bank return)"])


class PaymentOut(BaseModel):
    reference: str
    trade_in_id: str
    method: str
    status: str = Field(
        description="awaiting_approval, paid, reversed (a failed transfer: pay again), or "
        "clawed_back (instant credit for a device not taken)"
    )
    amount: int
    currency: str
    points: int | None
    requested_by: str
    requested_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    paid_at: datetime | None
    instrument: dict[str, Any] | None = Field(
        None, description="The card, coupon or cash instruction the payout created"
    )


class OverdueOut(BaseModel):
    trade_in_id: str
    program_id: str
    payout_method: str | None
    offer_final_at: datetime
    due_at: datetime = Field(description="The program's business days after the final offer")
    status: str = Field(description="unpaid, or awaiting_approval")
