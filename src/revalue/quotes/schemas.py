from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, StrictBool

from revalue.domain.condition import Condition, Cosmetic, Fault, Grade
from revalue.domain.program import PayoutMethod
from revalue.schemas_common import MoneyOut, Strict


class ConditionIn(Strict):
    """The customer's answers (or, at inspection, what the inspector found)."""

    powers_on: StrictBool = Field(description="Does the device switch on and stay on?")
    screen_cracked: StrictBool = Field(description="Any crack in the screen glass?")
    cosmetic: Cosmetic = Field(description="flawless, good (light wear), fair, poor")
    faults: list[Fault] = Field(default_factory=list, description="Known faults, if any")
    activation_lock_off: StrictBool = Field(
        description="Find My / activation lock / Google account removed?"
    )

    def to_domain(self) -> Condition:
        return Condition(
            powers_on=self.powers_on,
            screen_cracked=self.screen_cracked,
            cosmetic=self.cosmetic,
            faults=frozenset(self.faults),
            activation_lock_off=self.activation_lock_off,
        )

    @staticmethod
    def dump(condition: Condition) -> dict:
        return {
            "powers_on": condition.powers_on,
            "screen_cracked": condition.screen_cracked,
            "cosmetic": str(condition.cosmetic),
            "faults": sorted(str(f) for f in condition.faults),
            "activation_lock_off": condition.activation_lock_off,
        }


class QuoteRequest(Strict):
    program_id: str = Field(examples=["demo"])
    variant_sku: str = Field(examples=["apple-iphone-15-128gb"])
    model_id: str | None = Field(
        None, description="Optional: refused if the variant is not of this model"
    )
    answers: ConditionIn
    imei: str | None = Field(
        None, max_length=40, description="Optional: identified and screened with the quote"
    )


class LineOut(BaseModel):
    code: str = Field(examples=["deduction"])
    label: str = Field(examples=["Cracked screen (-30%)"])
    amount: int = Field(description="Signed minor units", examples=[-5775])


class OfferOut(BaseModel):
    method: PayoutMethod
    amount: MoneyOut
    lines: list[LineOut]


class QuoteOut(BaseModel):
    id: str
    kind: str = Field(description="initial, or requote after inspection")
    trade_in_id: str
    program_id: str
    model_id: str
    variant_sku: str
    condition: ConditionIn
    grade: Grade | None = Field(description="None when taken for free recycling only")
    recycle_only: bool
    offers: list[OfferOut]
    as_of: datetime = Field(description="The prices this quote was made at (UTC)")
    expires_at: datetime
    created_at: datetime
