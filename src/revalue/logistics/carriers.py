"""Carriers behind one interface: make a label, read tracking events.

A carrier adapter is a class with the three methods of :class:`Carrier`, registered in
``REGISTRY`` below (the one place carriers are chosen). The core never knows which carrier
it talks to: shipments ask ``get(name).create_label(...)``, the tracking endpoint hands the
request body to ``get(name).parse_events(payload)`` and gets normalized events back.

The built-in carrier ``revalue-post`` makes labels locally (tracking numbers ``RV`` + ten
digits + a Luhn check digit; we draw the PDF) and takes events as the JSON documented in
docs/logistics.md, posted to ``POST /carriers/revalue-post/events``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from revalue.domain.errors import InvalidInput, NotFound


class Status(StrEnum):
    """The tracking statuses every adapter normalizes its carrier's codes to."""

    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"  # delayed, damaged, address problem: kept, moves nothing
    LOST = "lost"  # the carrier gave the parcel up: a transit claim is opened
    RETURNED_TO_SENDER = "returned_to_sender"


# The statuses that say the carrier has the parcel on its way.
MOVING = frozenset({Status.PICKED_UP, Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY})


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelRequest:
    """What a carrier needs to make a label. Addresses are the label's lines as printed;
    they are handed to the carrier and never stored by us outside the customer's contact."""

    shipment_id: str
    reference: str  # the trade-in (or lot) the parcel belongs to
    sender: list[str]
    recipient: list[str]
    weight_g: int
    service: str = ""


@dataclass(frozen=True, slots=True)
class Label:
    tracking_number: str
    pdf: bytes | None = None  # None: we draw the label ourselves (logistics.labels)
    service: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CarrierEvent:
    """One scan, normalized: the carrier's own event id (taken once), the parcel, when."""

    event_id: str
    tracking_number: str
    status: Status
    occurred_at: datetime
    location: str = ""
    detail: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


class Carrier(Protocol):
    name: str

    def create_label(self, request: LabelRequest) -> Label:
        """Book the parcel with the carrier and return its tracking number (and the
        carrier's own label PDF, if it draws one)."""
        ...

    def label_pdf(self, tracking_number: str) -> bytes | None:
        """The carrier's label again, for a reprint; None: we draw it. Asked at each print,
        so no label (it carries the customer's address) is ever stored by us."""
        ...

    def parse_events(self, payload: Any) -> list[CarrierEvent]:
        """The carrier's webhook body as normalized events, or InvalidInput naming the
        field; all or nothing."""
        ...


class CarrierNotFound(NotFound):
    code = "carrier_not_found"


class MalformedEvents(InvalidInput):
    code = "malformed_tracking_events"


# The built-in carrier's JSON (documented in docs/logistics.md).
class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event_id: str = Field(min_length=1, max_length=120, examples=["ev-000123"])
    tracking_number: str = Field(min_length=1, max_length=60, examples=["RV12345678903"])
    status: Status = Field(examples=["in_transit"])
    occurred_at: datetime = Field(description="With a UTC offset", examples=["2026-06-16T09:30Z"])
    location: str = Field("", max_length=160, examples=["Leeds hub"])
    detail: str = Field("", max_length=400)


class EventsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[EventIn] = Field(min_length=1, max_length=1000)


def _field(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class RevaluePost:
    """The built-in carrier: labels made here, events posted to our endpoint."""

    name = "revalue-post"
    PREFIX = "RV"

    def create_label(self, request: LabelRequest) -> Label:
        return Label(tracking_number=self.new_tracking_number(), service=request.service)

    def label_pdf(self, tracking_number: str) -> bytes | None:
        return None

    @classmethod
    def new_tracking_number(cls) -> str:
        digits = f"{secrets.randbelow(10**10):010d}"
        return f"{cls.PREFIX}{digits}{luhn_digit(digits)}"

    @classmethod
    def valid_tracking_number(cls, value: str) -> bool:
        body = value.removeprefix(cls.PREFIX)
        return (
            value.startswith(cls.PREFIX)
            and len(body) == 11
            and body.isdigit()
            and body.isascii()
            and luhn_digit(body[:-1]) == body[-1]
        )

    def parse_events(self, payload: Any) -> list[CarrierEvent]:
        try:
            doc = EventsIn.model_validate(payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = _field(first["loc"]) or "body"
            raise MalformedEvents(
                f"{where}: {first['msg']}",
                field=where,
                errors=[
                    {"field": _field(e["loc"]) or "body", "message": e["msg"]} for e in exc.errors()
                ],
            ) from None
        out = []
        for i, e in enumerate(doc.events):
            where = f"events[{i}]"
            if not self.valid_tracking_number(e.tracking_number):
                raise MalformedEvents(
                    f"{where}.tracking_number: {e.tracking_number!r} is not a revalue-post "
                    "tracking number (RV, ten digits and a check digit)",
                    field=f"{where}.tracking_number",
                )
            if e.occurred_at.utcoffset() is None:
                raise MalformedEvents(
                    f"{where}.occurred_at: give the time with its UTC offset",
                    field=f"{where}.occurred_at",
                )
            out.append(
                CarrierEvent(
                    event_id=e.event_id,
                    tracking_number=e.tracking_number,
                    status=e.status,
                    occurred_at=e.occurred_at.astimezone(UTC),
                    location=e.location,
                    detail=e.detail,
                    raw=e.model_dump(mode="json"),
                )
            )
        return out


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of a string of digits (catches any single mistyped digit and
    most swaps of neighbours, as on a label read out over the phone)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


# The one place carriers are chosen. A real carrier's adapter is added here (or by an
# installation calling ``register`` at start-up), and nothing else changes.
DEFAULT = RevaluePost.name
REGISTRY: dict[str, Carrier] = {RevaluePost.name: RevaluePost()}


def register(carrier: Carrier) -> None:
    REGISTRY[carrier.name] = carrier


def get(name: str) -> Carrier:
    carrier = REGISTRY.get(name)
    if carrier is None:
        raise CarrierNotFound(
            f"no carrier {name!r}; known: {', '.join(sorted(REGISTRY))}",
            field="carrier",
            known=sorted(REGISTRY),
        )
    return carrier
