"""Pydantic building blocks shared by the features' schemas."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StrictInt

# Money in minor units: whole, never negative, never fractional (12.5 is refused, not rounded).
MinorUnits = Annotated[StrictInt, Field(ge=0, le=10**12, examples=[12900])]
BasisPoints = Annotated[StrictInt, Field(ge=0, le=10_000, examples=[1000])]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,58}[a-z0-9]$", examples=["acme-uk"])]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["USD"])]
# A time with its offset, stored and shown in UTC.
UTCTime = Annotated[AwareDatetime, AfterValidator(lambda t: t.astimezone(UTC))]


class Strict(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class MoneyOut(BaseModel):
    amount: int = Field(description="Minor units (cents for USD)", examples=[12900])
    currency: str = Field(examples=["USD"])
    formatted: str = Field(examples=["129.00 USD"])
