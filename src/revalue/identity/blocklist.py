"""Blocklist checks behind a provider interface. The built-in provider is the operator's own
list (lost, stolen, fraud, unpaid), maintained by hand or imported as CSV; a commercial
service (GSMA Device Check, CheckMEND) plugs in as another ``BlocklistProvider``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import InvalidInput, NotFound
from revalue.identity.identifiers import normalize_imei
from revalue.identity.models import BlocklistEntry


class Reason(StrEnum):
    LOST = "lost"
    STOLEN = "stolen"
    FRAUD = "fraud"
    UNPAID = "unpaid"  # an unpaid finance balance on the device


class Outcome(StrEnum):
    CLEAR = "clear"
    HIT = "hit"
    UNKNOWN = "unknown"  # the provider could not answer: a person decides


@dataclass(frozen=True, slots=True)
class CheckResult:
    kind: str
    outcome: Outcome
    source: str
    detail: dict[str, Any] = field(default_factory=dict)


class BlocklistProvider(Protocol):
    source: str

    def check(self, session: Session, imei: str) -> CheckResult: ...


class EntryNotFound(NotFound):
    code = "blocklist_entry_not_found"


class InvalidBlocklistFile(InvalidInput):
    code = "blocklist_import_invalid"


class LocalBlocklist:
    """The operator's list, in this database."""

    source = "local"

    def check(self, session: Session, imei: str) -> CheckResult:
        rows = session.scalars(
            select(BlocklistEntry).where(
                BlocklistEntry.imei == imei, BlocklistEntry.removed_at.is_(None)
            )
        ).all()
        if not rows:
            return CheckResult("blocklist", Outcome.CLEAR, self.source)
        return CheckResult(
            "blocklist",
            Outcome.HIT,
            self.source,
            {
                "reasons": sorted({r.reason for r in rows}),
                "reported_by": sorted({r.source for r in rows}),
            },
        )


def add(
    session: Session, *, imei: str, reason: str, note: str, source: str, ctx: Context
) -> BlocklistEntry:
    entry = BlocklistEntry(
        imei=normalize_imei(imei),
        reason=str(_reason(reason)),
        note=note,
        source=source,
        listed_at=ctx.now,
        listed_by=ctx.actor,
    )
    session.add(entry)
    session.flush()
    return entry


def remove(session: Session, entry_id: int, ctx: Context) -> BlocklistEntry:
    """Take a device off the list (found, paid up); removing twice changes nothing."""
    entry = session.get(BlocklistEntry, entry_id)
    if entry is None:
        raise EntryNotFound(f"no blocklist entry {entry_id}", field="entry_id")
    if entry.removed_at is None:
        entry.removed_at, entry.removed_by = ctx.now, ctx.actor
    return entry


def entries(session: Session, imei: str | None = None) -> list[BlocklistEntry]:
    stmt = select(BlocklistEntry).order_by(BlocklistEntry.id)
    if imei is not None:
        stmt = stmt.where(BlocklistEntry.imei == normalize_imei(imei))
    return list(session.scalars(stmt))


def import_csv(session: Session, text: str, *, source: str, ctx: Context) -> int:
    """Add the file's devices (columns ``imei,reason,note``). Every row is checked first: one
    bad row refuses the file, naming each bad line, and nothing is written."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"imei", "reason"} <= set(reader.fieldnames):
        raise InvalidBlocklistFile("the header must name the columns imei and reason", field="body")
    rows, errors = [], []
    for line, row in enumerate(reader, start=2):
        try:
            rows.append((normalize_imei(row["imei"] or ""), _reason(row["reason"] or ""), row))
        except InvalidInput as exc:
            errors.append({"line": line, "field": exc.details.get("field"), "reason": exc.message})
    if errors:
        raise InvalidBlocklistFile(
            f"{len(errors)} bad row(s); nothing was imported", field="body", errors=errors
        )
    for imei, reason, row in rows:
        session.add(
            BlocklistEntry(
                imei=imei,
                reason=str(reason),
                note=(row.get("note") or "")[:400],
                source=source,
                listed_at=ctx.now,
                listed_by=ctx.actor,
            )
        )
    session.flush()
    return len(rows)


def _reason(value: str) -> Reason:
    try:
        return Reason(value.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"unknown blocklist reason {value!r}", field="reason", allowed=[str(r) for r in Reason]
        ) from None
