from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from revalue.customers.schemas import ContactIn
from revalue.domain.money import format_major
from revalue.domain.program import PayoutMethod
from revalue.lots.models import BusinessLot, LotLine
from revalue.quotes.schemas import ConditionIn
from revalue.schemas_common import MoneyOut, Strict


class LotIn(Strict):
    """A manifest to price as one lot (JSON; or the same fields as multipart/form-data with
    the CSV file in ``manifest``)."""

    reference: str = Field(min_length=1, max_length=80, examples=["FLEET-2026-06"])
    business_name: str = Field(min_length=1, max_length=160, examples=["Initech Ltd"])
    payout_method: PayoutMethod = Field(
        PayoutMethod.CASH, description="How the business is paid: the lot is priced for it"
    )
    manifest: str = Field(
        min_length=1,
        description="The CSV text: docs/logistics.md, section Business lots",
        examples=["imei,model,cosmetic\n352099001761481,apple-iphone-15-128gb,good\n"],
    )


class AcceptLotIn(Strict):
    contact: ContactIn | None = Field(
        None, description="The business's contact: kept apart as personal data"
    )


class ReceiveIn(Strict):
    scans: list[str] = Field(
        min_length=1,
        max_length=20_000,
        description="Scanned IMEIs or serial numbers, in the order scanned",
        examples=[["352099001761481", "F2LX1234ABCD"]],
    )


class SettleIn(Strict):
    force: bool = Field(
        False, description="Leave devices whose offer is not final out of the settlement"
    )


class BreakdownOut(BaseModel):
    variant_sku: str
    model_id: str
    devices: int
    quoted_total: MoneyOut


class LotOut(BaseModel):
    id: str
    program_id: str
    reference: str
    business_name: str
    status: str = Field(description="quoted, accepted, receiving, received, settled")
    payout_method: str
    devices: int = Field(description="Devices on the manifest")
    quoted_total: MoneyOut
    settled_total: MoneyOut | None
    counts: dict[str, int] = Field(description="Lines per status: expected, matched, ...")
    breakdown: list[BreakdownOut] = Field(description="Devices and quoted total per variant")
    has_contact: bool
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    summary: dict[str, Any] | None = Field(description="Written when the lot is settled")


class LineOut(BaseModel):
    line_no: int
    imei: str | None
    serial: str | None
    model_id: str | None
    variant_sku: str | None
    declared: ConditionIn | None
    quoted: int
    asset_tag: str | None
    status: str = Field(description="expected, matched, missing, extra")
    trade_in_id: str | None

    @staticmethod
    def of(line: LotLine) -> LineOut:
        return LineOut(
            line_no=line.line_no,
            imei=line.imei,
            serial=line.serial,
            model_id=line.model_id,
            variant_sku=line.variant_sku,
            declared=ConditionIn.model_validate(line.declared) if line.declared else None,
            quoted=line.quoted,
            asset_tag=line.asset_tag,
            status=line.status,
            trade_in_id=line.trade_in_id,
        )


class LotDetailOut(LotOut):
    total_lines: int
    lines: list[LineOut] = Field(description="A page of lines, in manifest order")


class ReceiveOut(BaseModel):
    lot_id: str
    status: str
    scanned: int
    matched: int = Field(description="Lines matched by this call (each opened a trade-in)")
    extras: list[str] = Field(description="Identifiers not on the manifest, new in this call")
    again: int = Field(description="Scans of devices recorded before: nothing changed")
    counts: dict[str, int]


class ReportLineOut(BaseModel):
    line_no: int
    imei: str | None
    serial: str | None
    quoted: int
    trade_in_id: str | None


class ReceivingReportOut(BaseModel):
    lot_id: str
    status: str
    counts: dict[str, int] = Field(description="matched, missing, extra (and expected)")
    matched: list[ReportLineOut]
    missing: list[ReportLineOut]
    extra: list[ReportLineOut]


def money(amount: int, currency: str) -> MoneyOut:
    return MoneyOut(
        amount=amount, currency=currency, formatted=f"{format_major(amount, currency)} {currency}"
    )


def lot_out(
    lot: BusinessLot, counts: dict[str, int], breakdown: list[tuple[str, str, int, int]]
) -> dict[str, Any]:
    """The fields of LotOut (LotDetailOut adds its page of lines)."""
    cur = lot.currency
    return {
        "id": lot.id,
        "program_id": lot.program_id,
        "reference": lot.reference,
        "business_name": lot.business_name,
        "status": lot.status,
        "payout_method": lot.payout_method,
        "devices": lot.devices,
        "quoted_total": money(lot.quoted_total, cur),
        "settled_total": None if lot.settled_total is None else money(lot.settled_total, cur),
        "counts": counts,
        "breakdown": [
            BreakdownOut(variant_sku=sku, model_id=model, devices=n, quoted_total=money(total, cur))
            for sku, model, n, total in breakdown
        ],
        "has_contact": lot.contact_ref is not None,
        "expires_at": lot.expires_at,
        "created_at": lot.created_at,
        "updated_at": lot.updated_at,
        "summary": lot.summary,
    }
