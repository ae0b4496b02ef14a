"""Inventory, sales lots and sales over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from revalue.schemas_common import MinorUnits, Strict, UTCTime

# A business's name or an order reference: never a consumer's name, e-mail or address.
Buyer = Annotated[
    str,
    Field(
        min_length=1,
        max_length=160,
        description="The buyer: a business's name or an order reference, never personal data",
        examples=["Refurb Wholesale Ltd"],
    ),
]


class LocationOut(BaseModel):
    site_id: str
    location: str | None = Field(description="The location's code at the site, if any")
    since: datetime


class ItemOut(BaseModel):
    id: str
    program_id: str
    trade_in_id: str
    variant_sku: str
    grade: str = Field(description='A to D; "*" for parts and recycling')
    route: str
    channel_id: str
    status: str
    currency: str
    paid: int = Field(description="What the customer was owed, minor units")
    repair_cost: int
    expected_net: int | None
    list_price: int | None
    sales_lot_id: str | None
    location: LocationOut | None = Field(description="Where the device is now (logistics)")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, item: Any, location: dict[str, Any] | None) -> ItemOut:
        data = {n: getattr(item, n) for n in cls.model_fields if n != "location"}
        return cls.model_validate({**data, "location": location})


class InventoryPage(BaseModel):
    total: int
    items: list[ItemOut]


class SummaryRow(BaseModel):
    variant_sku: str
    grade: str
    total: int
    open: int = Field(description="Not yet sold, harvested or recycled")
    by_status: dict[str, int]


class ListIn(Strict):
    list_price: MinorUnits = Field(description="The price asked on the item's channel")


class SaleIn(Strict):
    price: MinorUnits
    buyer: Buyer
    sold_at: UTCTime | None = Field(None, description="Default: now; never in the future")


class SaleOut(BaseModel):
    id: int
    item_id: str
    trade_in_id: str
    program_id: str
    channel_id: str
    sales_lot_id: str | None
    price: int
    fees: int
    net: int = Field(description="Price less the channel's fees")
    currency: str
    buyer: str
    sold_at: datetime
    recorded_by: str

    @classmethod
    def of(cls, sale: Any) -> SaleOut:
        data = {n: getattr(sale, n) for n in cls.model_fields if n != "net"}
        return cls.model_validate({**data, "net": sale.price - sale.fees})


class SalesLotIn(Strict):
    reference: str = Field(min_length=1, max_length=80, examples=["WH-2026-06-01"])
    channel_id: str = Field(description="A wholesale or marketplace channel of the program")
    item_ids: list[str] = Field(min_length=1, max_length=10_000)
    asking_price: MinorUnits | None = None


class SellLotIn(Strict):
    buyer: Buyer
    price: MinorUnits = Field(description="For the whole lot; allocated across its items")
    sold_at: UTCTime | None = None


class SalesLotOut(BaseModel):
    id: str
    program_id: str
    channel_id: str
    reference: str
    status: str
    currency: str
    asking_price: int | None
    buyer: str | None
    sold_price: int | None
    created_by: str
    created_at: datetime
    sold_at: datetime | None
    items: list[ItemOut]
    sales: list[SaleOut]
