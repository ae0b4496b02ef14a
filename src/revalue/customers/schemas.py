from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from revalue.schemas_common import Strict

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class AddressIn(Strict):
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str = Field(min_length=1, max_length=20)
    region: str | None = Field(None, max_length=100)
    country: str = Field(pattern=r"^[A-Z]{2}$", examples=["US"], description="ISO 3166-1 alpha-2")


class ContactIn(Strict):
    """The customer's details, kept apart from the trade-in and erased after retention."""

    name: str | None = Field(None, min_length=1, max_length=160, examples=["Ada Lovelace"])
    email: str | None = Field(None, max_length=254, pattern=EMAIL, examples=["ada@example.com"])
    phone: str | None = Field(None, max_length=40, pattern=r"^\+?[0-9 ()./-]{5,40}$")
    address: AddressIn | None = None


class ContactOut(BaseModel):
    name: str | None
    email: str | None
    phone: str | None
    address: dict | None
    erased_at: datetime | None = Field(description="Set once retention erased the details")


class AccessRequestIn(Strict):
    email: str = Field(max_length=254, pattern=EMAIL)


class AccessVerifyIn(Strict):
    email: str = Field(max_length=254, pattern=EMAIL)
    code: str = Field(pattern=r"^[0-9]{6}$", examples=["042917"])


class LinkOut(BaseModel):
    trade_in_id: str
    token: str = Field(description="Shown once: send it as Authorization: Bearer <token>")
    expires_at: datetime


class LinksOut(BaseModel):
    links: list[LinkOut]
