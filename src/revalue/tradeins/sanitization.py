"""Erasing devices' data: a record per erasure with its storage media, independent verification
of a sample of records, and the policy that nothing reaches another person without a passing
record.

A record that did not fully erase every medium sends the trade-in to ``sanitization_failed``:
from there it is erased again, or its storage destroyed (a Destroy record), until a record
passes. A sampled passing record holds certificates and disposal until someone other than its
operator verifies it; a failed verification sends the trade-in back the same way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revalue.domain import fairness
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.lifecycle import Action, State
from revalue.domain.records import (
    SanitizationResult,
    Verification,
    summary_technique,
    weakest_level,
    worst_result,
)
from revalue.programs import service as programs
from revalue.tradeins import custody, repository, schemas, screening
from revalue.tradeins.models import Sanitization, SanitizationMedium, TradeIn
from revalue.tradeins.service import get, move, target


class SecondOpinionPending(Conflict):
    code = "second_opinion_required"


class SanitizationNotFound(NotFound):
    code = "sanitization_not_found"


class VerificationNotOpen(Conflict):
    code = "verification_not_open"


class VerifierIsOperator(Conflict):
    code = "verifier_is_operator"


def sanitize(
    session: Session,
    trade_in_id: str,
    data: schemas.SanitizeIn,
    ctx: Context,
    *,
    source: str = "manual",
    report_id: str | None = None,
    operator: str | None = None,
) -> TradeIn:
    """Record one erasure; the trade-in moves to ``sanitized`` if it erased every medium, to
    ``sanitization_failed`` if not."""
    trade_in = get(session, trade_in_id)
    target(trade_in, Action.SANITIZE)
    screening.refuse_if_locked(session, trade_in.id)
    if trade_in.second_opinion == "required":
        raise SecondOpinionPending(
            "a second inspector must grade this device before anything else happens to it",
            field="trade_in_id",
        )
    completed_at = data.completed_at or ctx.now
    if completed_at > ctx.now:
        raise InvalidInput("completed_at is in the future", field="completed_at")
    media = data.all_media()
    result = worst_result(m.result for m in media)
    passed = result == SanitizationResult.ERASED
    program = programs.get(session, trade_in.program_id)
    attempt = _count(session, trade_in.id) + 1
    sampled = passed and fairness.sampled(
        f"{trade_in.id}:erasure:{attempt}", program.erasure_verification_bp
    )
    record = Sanitization(
        trade_in_id=trade_in.id,
        level=str(weakest_level(m.level for m in media)),
        technique=summary_technique(m.technique for m in media),
        result=str(result),
        operator=operator or ctx.actor,
        started_at=data.started_at,
        completed_at=completed_at,
        tool=data.tool,
        tool_version=data.tool_version,
        verification_method=data.verification_method,
        destination=data.destination,
        location=ctx.place,
        source=source,
        report_id=report_id,
        verification=str(Verification.REQUIRED if sampled else Verification.NOT_SAMPLED),
    )
    repository.add(session, record)
    session.flush()  # the media rows need the record's id
    for medium in media:
        session.add(
            SanitizationMedium(
                sanitization_id=record.id,
                kind=str(medium.kind),
                identifier=medium.identifier,
                capacity_bytes=medium.capacity_bytes,
                level=str(medium.level),
                technique=str(medium.technique),
                result=str(medium.result),
            )
        )
    event = {
        "record_id": record.id,
        "level": record.level,
        "technique": record.technique,
        "result": record.result,
        "media": len(media),
        "tool": " ".join(filter(None, (data.tool, data.tool_version))) or None,
        "source": source,
        "verification": record.verification,
    }
    move(session, trade_in, Action.SANITIZE if passed else Action.SANITIZE_FAILED, ctx, event)
    return trade_in


def _count(session: Session, trade_in_id: str) -> int:
    stmt = select(func.count()).where(Sanitization.trade_in_id == trade_in_id)
    return session.scalar(stmt) or 0


def records(session: Session, trade_in_id: str) -> list[tuple[Sanitization, list[Any]]]:
    """Every erasure of the trade-in, oldest first, each with its media."""
    rows = list(
        session.scalars(
            select(Sanitization)
            .where(Sanitization.trade_in_id == trade_in_id)
            .order_by(Sanitization.id)
        )
    )
    media = media_of(session, [r.id for r in rows])
    return [(r, media.get(r.id, [])) for r in rows]


def media_of(session: Session, record_ids: list[int]) -> dict[int, list[SanitizationMedium]]:
    found: dict[int, list[SanitizationMedium]] = {}
    if not record_ids:
        return found
    stmt = select(SanitizationMedium).where(SanitizationMedium.sanitization_id.in_(record_ids))
    for row in session.scalars(stmt.order_by(SanitizationMedium.id)):
        found.setdefault(row.sanitization_id, []).append(row)
    return found


def awaiting_verification(
    session: Session, program_ids: frozenset[str] | None
) -> list[Sanitization]:
    """The queue of sampled records that nobody has verified yet, oldest first."""
    stmt = (
        select(Sanitization)
        .join(TradeIn, TradeIn.id == Sanitization.trade_in_id)
        .where(Sanitization.verification == str(Verification.REQUIRED))
        .where(TradeIn.state == str(State.SANITIZED))
    )
    if program_ids is not None:
        stmt = stmt.where(TradeIn.program_id.in_(program_ids))
    return list(session.scalars(stmt.order_by(Sanitization.completed_at, Sanitization.id)))


def verify(
    session: Session, trade_in_id: str, data: schemas.VerifyErasureIn, ctx: Context
) -> Sanitization:
    """Someone other than the operator checks the latest record: passing releases the device,
    failing sends it back to sanitization."""
    trade_in = get(session, trade_in_id)
    record = repository.latest_sanitization(session, trade_in.id)
    open_ = (Verification.REQUIRED, Verification.NOT_SAMPLED)
    if (
        record is None
        or trade_in.state != State.SANITIZED
        or Verification(record.verification) not in open_
    ):
        raise VerificationNotOpen(
            "only the passing record of a sanitized device that nobody has verified yet can "
            f"be verified (trade-in is {trade_in.state}"
            + (f", record {record.verification})" if record else ", no record)"),
            field="trade_in_id",
        )
    if record.operator == ctx.actor:
        raise VerifierIsOperator(
            "independent verification must be done by someone other than the operator",
            field="trade_in_id",
        )
    outcome = Verification.PASSED if data.passed else Verification.FAILED
    record.verification = str(outcome)
    record.verifier = ctx.actor
    record.verified_at = ctx.now
    record.verifier_method = data.method
    record.verifier_note = data.note
    event = {"record_id": record.id, "verification": str(outcome), "method": data.method}
    if data.passed:
        custody.note(session, trade_in, "verify_erasure", event, ctx)
    else:
        move(session, trade_in, Action.VERIFICATION_FAILED, ctx, event)
    session.flush()
    return record
