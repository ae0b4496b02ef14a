from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator

from revalue.events import outbox
from revalue.schemas_common import Strict

DeliveryStatus = Literal["pending", "delivering", "delivered", "dead"]


class SubscriptionIn(Strict):
    url: str = Field(
        max_length=2000,
        description="Where events are POSTed: an http or https URL",
        examples=["https://partner.example/hooks/revalue"],
    )
    event_types: list[str] = Field(
        min_length=1,
        description="The event types to receive: " + ", ".join(outbox.EVENT_TYPES),
        examples=[[outbox.TRADE_IN_STATE_CHANGED, outbox.PAYOUT_MADE]],
    )
    description: str = Field("", max_length=200, examples=["Checkout status updates"])

    @field_validator("url")
    @classmethod
    def _url(cls, url: str) -> str:
        if url != url.strip() or any(c.isspace() for c in url):
            raise ValueError("the URL may not contain spaces")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("an http:// or https:// URL with a host is needed")
        if parts.username is not None or parts.password is not None:
            # The URL is listed to staff and may appear in delivery errors: no credentials in it.
            raise ValueError("the URL may not carry credentials (user:password@)")
        try:
            parts.port  # noqa: B018 - urlsplit checks the port only when it is read
        except ValueError:
            raise ValueError("the URL's port is not a number from 0 to 65535") from None
        return url

    @field_validator("event_types")
    @classmethod
    def _types(cls, types: list[str]) -> list[str]:
        unknown = [t for t in types if t not in outbox.EVENT_TYPES]
        if unknown:
            raise ValueError(
                f"unknown event type(s) {', '.join(unknown)}; "
                f"known: {', '.join(outbox.EVENT_TYPES)}"
            )
        return list(dict.fromkeys(types))  # each once, in the order given


class SubscriptionOut(BaseModel):
    id: str = Field(examples=["whk_01hz8x3k5c2ab9mvqgr7t4yd"])
    program_id: str
    url: str
    event_types: list[str]
    description: str
    created_by: str
    created_at: datetime
    disabled_at: datetime | None
    active: bool


class SubscriptionWithSecret(SubscriptionOut):
    secret: str | None = Field(
        description="The signing secret, shown in this answer only and never again (a "
        "replay of this request through its Idempotency-Key answers null: rotate the secret "
        "to get a new one).",
        examples=["whsec_5pV0bM1y7s1pQ4..."],
    )


class DeliveryOut(BaseModel):
    id: int
    subscription_id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int = Field(description="Attempts made in the current round (a replay restarts)")
    next_attempt_at: datetime = Field(description="When a pending delivery is due")
    last_status_code: int | None = Field(description="The receiver's last HTTP status")
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
