from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from revalue.certificates.models import Certificate
from revalue.schemas_common import Strict


class SummaryIn(Strict):
    reference: str = Field(
        min_length=1,
        max_length=120,
        pattern=r"^\S(.*\S)?$",
        description="The batch or business lot: one summary per reference in the program",
        examples=["LOT-2026-11-0042"],
    )
    trade_in_ids: list[str] = Field(
        description="Every trade-in of the batch, once each (at most 10,000); each needs a "
        "passing sanitization record",
        examples=[["t_01jd0000000000000000000000"]],
    )


class SummaryOut(BaseModel):
    """A summary certificate in a list: its totals, not its device lines (see its document
    at ``/certificates/{certificate_id}``)."""

    certificate_id: str
    reference: str
    issued_at: datetime
    issued_by: str
    key_id: str
    totals: dict[str, Any] = Field(
        description="devices, and counts by_method_type (NIST) and by_result"
    )
    verification_url: str = Field(description="The public verification page")

    @classmethod
    def from_row(cls, row: Certificate) -> SummaryOut:
        cert = row.document["certificate"]
        return cls(
            certificate_id=row.id,
            reference=row.reference,
            issued_at=row.issued_at,
            issued_by=row.issued_by,
            key_id=row.key_id,
            totals=cert["totals"],
            verification_url=cert["verification_url"],
        )
