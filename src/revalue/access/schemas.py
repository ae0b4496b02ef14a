from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from revalue.access.keys import DEFAULT_GRACE_HOURS, DEFAULT_RATE_LIMIT
from revalue.schemas_common import Strict


class LoginIn(Strict):
    email: str = Field(max_length=254, examples=["manager@demo.example"])
    password: str = Field(max_length=1000)
    bearer: bool = Field(
        False,
        description="Also return the session token, for scripts that send it as "
        "Authorization: Bearer. Browsers leave this off and use the cookie.",
    )


class MembershipOut(BaseModel):
    program_id: str | None
    role: str


class StaffOut(BaseModel):
    email: str
    name: str
    roles: list[MembershipOut]


class LoginOut(BaseModel):
    user: StaffOut
    csrf_token: str = Field(description="Send as X-CSRF-Token with cookie-signed writes")
    expires_at: datetime
    token: str | None = Field(None, description="Only when asked for with bearer=true")


class MeOut(BaseModel):
    kind: str
    actor: str
    roles: list[MembershipOut] = []
    programs: list[str] = []
    operations: list[str] = []
    trade_in_id: str | None = None


class ApiKeyIn(Strict):
    name: str = Field(min_length=1, max_length=120, examples=["Acme checkout"])
    program_ids: list[str] = Field(min_length=1, examples=[["demo"]])
    operations: list[str] = Field(min_length=1, examples=[["create_quote", "get_trade_in"]])
    rate_limit_per_minute: int = Field(DEFAULT_RATE_LIMIT, ge=1, le=100_000)


class RotateIn(Strict):
    grace_hours: int = Field(
        DEFAULT_GRACE_HOURS, ge=0, le=24 * 30, description="How long the old secret still works"
    )


class ApiKeyOut(BaseModel):
    id: str
    name: str
    program_ids: list[str]
    operations: list[str]
    rate_limit_per_minute: int
    created_by: str
    created_at: datetime
    rotated_at: datetime | None
    previous_valid_until: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyIssued(ApiKeyOut):
    key: str = Field(description="Shown once: store it now. Send as Authorization: Bearer")


class SecurityEventOut(BaseModel):
    id: int
    occurred_at: datetime
    kind: str
    subject: str
    client: str
    method: str
    path: str
    status_code: int
    detail: dict[str, Any]


class SecurityEventPage(BaseModel):
    total: int
    items: list[SecurityEventOut]
