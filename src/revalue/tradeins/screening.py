"""Fraud screening: the device's identifiers, the checks they go through, and the flags a
person clears or confirms.

Identifiers come at quote (optionally) and at receiving. Each is normalized and identified
from the TAC tables; the blocklist provider checks it; the rules raise flags: a blocklisted
device (held: never paid, never resold), a model other than declared, the same IMEI in another
open trade-in or traded again lately, too many trade-ins by one customer (velocity). A lock
found at inspection gives the customer the program's grace period to remove it. Every check
and flag is an event on the custody chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from revalue.customers import contacts
from revalue.customers.models import CustomerContact
from revalue.db import chunks
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, NotFound
from revalue.domain.inspection import BLOCKING_LOCKS, Lock
from revalue.domain.lifecycle import TERMINAL, Action, IllegalTransition
from revalue.identity import blocklist, identifiers
from revalue.identity import tac as tac_db
from revalue.identity.models import DeviceCheck, DeviceIdentity, ScreeningFlag
from revalue.programs import service as programs
from revalue.tradeins import custody, schemas, service
from revalue.tradeins.models import TradeIn
from revalue.tradeins.service import get, move, target

OPEN, CLEARED, CONFIRMED = "open", "cleared", "confirmed"
PROVIDER: blocklist.BlocklistProvider = blocklist.LocalBlocklist()


class Kind(StrEnum):
    BLOCKLISTED = "blocklisted"
    LOCKED = "locked"
    DUPLICATE_IMEI = "duplicate_imei"
    RECENT_TRADE = "recent_trade"
    VELOCITY = "velocity"
    MODEL_MISMATCH = "model_mismatch"
    UNIDENTIFIED = "unidentified"


SEVERITY = {
    Kind.BLOCKLISTED: "critical",
    Kind.LOCKED: "high",
    Kind.DUPLICATE_IMEI: "high",
    Kind.RECENT_TRADE: "medium",
    Kind.VELOCITY: "medium",
    Kind.MODEL_MISMATCH: "medium",
    Kind.UNIDENTIFIED: "low",
}
SEVERITY_ORDER = ["critical", "high", "medium", "low"]


class DeviceBlocklisted(Conflict):
    code = "device_blocklisted"


class DeviceLocked(Conflict):
    code = "device_locked"


class FlagNotFound(NotFound):
    code = "flag_not_found"


class FlagResolved(Conflict):
    code = "flag_already_resolved"


def open_flags(session: Session, trade_in_id: str) -> list[ScreeningFlag]:
    return list(
        session.scalars(
            select(ScreeningFlag)
            .where(ScreeningFlag.trade_in_id == trade_in_id, ScreeningFlag.status == OPEN)
            .order_by(ScreeningFlag.id)
        )
    )


def raise_flag(
    session: Session,
    trade_in: TradeIn,
    kind: Kind,
    reason: str,
    ctx: Context,
    *,
    due_days: int | None = None,
) -> ScreeningFlag | None:
    """A new open flag, unless one of that kind is open for the trade-in already."""
    existing = session.scalars(
        select(ScreeningFlag).where(
            ScreeningFlag.trade_in_id == trade_in.id,
            ScreeningFlag.kind == str(kind),
            ScreeningFlag.status == OPEN,
        )
    ).first()
    if existing is not None:
        return None
    flag = ScreeningFlag(
        trade_in_id=trade_in.id,
        kind=str(kind),
        severity=SEVERITY[kind],
        reason=reason[:400],
        status=OPEN,
        raised_at=ctx.now,
        due_at=None if due_days is None else ctx.now + timedelta(days=due_days),
    )
    session.add(flag)
    session.flush()
    custody.note(
        session,
        trade_in,
        "flag",
        {"flag_id": flag.id, "kind": str(kind), "reason": flag.reason},
        ctx,
    )
    return flag


def record_identity(
    session: Session, trade_in: TradeIn, data: schemas.IdentifiersIn, *, stage: str, ctx: Context
) -> DeviceIdentity:
    """Store the device's identifiers, identify it, check it and apply the rules."""
    imei = identifiers.normalize_imei(data.imei, field="imei") if data.imei else None
    imei2 = identifiers.normalize_imei(data.imei2, field="imei2") if data.imei2 else None
    meid = identifiers.normalize_meid(data.meid) if data.meid else None
    serial = identifiers.normalize_serial(data.serial) if data.serial else None
    found = tac_db.identify(session, imei) if imei else None
    row = session.get(DeviceIdentity, trade_in.id) or DeviceIdentity(trade_in_id=trade_in.id)
    row.imei, row.imei2, row.meid, row.serial = imei, imei2, meid, serial
    row.identified_model_id = found.catalog_model_id if found else None
    row.identified_name = found.name if found else None
    row.source = found.source if found else None
    row.confidence = str(found.confidence) if found else "none"
    row.stage, row.recorded_at, row.recorded_by = stage, ctx.now, ctx.actor
    session.add(row)
    session.flush()
    custody.note(
        session,
        trade_in,
        "identify",
        {
            "stage": stage,
            "imei": imei,
            "imei2": imei2,
            "serial": serial,
            "identified_model_id": row.identified_model_id,
            "source": row.source,
            "confidence": row.confidence,
        },
        ctx,
    )
    for number in (n for n in (imei, imei2) if n):
        _check_blocklist(session, trade_in, number, ctx)
        _check_repeats(session, trade_in, number, ctx)
    if found is not None and found.catalog_model_id and found.catalog_model_id != trade_in.model_id:
        raise_flag(
            session,
            trade_in,
            Kind.MODEL_MISMATCH,
            f"declared {trade_in.model_id}, identified as {found.catalog_model_id} "
            f"({found.source}, {found.confidence} confidence)",
            ctx,
        )
    elif imei and (found is None or found.confidence == "none") and stage == "receiving":
        raise_flag(session, trade_in, Kind.UNIDENTIFIED, f"TAC {imei[:8]} is not known", ctx)
    _check_velocity(session, trade_in, ctx)
    return row


def _check_blocklist(session: Session, trade_in: TradeIn, imei: str, ctx: Context) -> None:
    result = PROVIDER.check(session, imei)
    session.add(
        DeviceCheck(
            trade_in_id=trade_in.id,
            kind=result.kind,
            outcome=str(result.outcome),
            detail={"imei": imei, **result.detail},
            source=result.source,
            checked_at=ctx.now,
            checked_by=ctx.actor,
        )
    )
    custody.note(
        session,
        trade_in,
        "check",
        {"kind": result.kind, "outcome": str(result.outcome), "source": result.source},
        ctx,
    )
    if result.outcome is blocklist.Outcome.HIT:
        reasons = ", ".join(result.detail.get("reasons", []))
        raise_flag(session, trade_in, Kind.BLOCKLISTED, f"IMEI {imei} is listed: {reasons}", ctx)


def _check_repeats(session: Session, trade_in: TradeIn, imei: str, ctx: Context) -> None:
    program = programs.get(session, trade_in.program_id)
    since = ctx.now - timedelta(days=program.duplicate_window_days)
    others = session.execute(
        select(TradeIn.id, TradeIn.state, TradeIn.updated_at)
        .join(DeviceIdentity, DeviceIdentity.trade_in_id == TradeIn.id)
        .where(
            (DeviceIdentity.imei == imei) | (DeviceIdentity.imei2 == imei),
            TradeIn.id != trade_in.id,
        )
    ).all()
    open_ones = [o for o in others if o.state not in {str(s) for s in TERMINAL}]
    recent = [o for o in others if o not in open_ones and o.updated_at >= since]
    if open_ones:
        ids = ", ".join(o.id for o in open_ones)
        raise_flag(
            session, trade_in, Kind.DUPLICATE_IMEI, f"IMEI {imei} is in open trade-in(s) {ids}", ctx
        )
    if recent:
        ids = ", ".join(o.id for o in recent)
        raise_flag(
            session,
            trade_in,
            Kind.RECENT_TRADE,
            f"IMEI {imei} was traded in within {program.duplicate_window_days} days: {ids}",
            ctx,
        )


def _check_velocity(session: Session, trade_in: TradeIn, ctx: Context) -> None:
    """More trade-ins by one customer (their email) in the period than the program allows."""
    contact = contacts.get(session, trade_in.id)
    if contact is None or not contact.email:
        return
    program = programs.get(session, trade_in.program_id)
    since = ctx.now - timedelta(days=program.velocity_days)
    count = session.scalar(
        select(func.count())
        .select_from(CustomerContact)
        .join(TradeIn, TradeIn.id == CustomerContact.trade_in_id)
        .where(CustomerContact.email == contact.email, TradeIn.created_at >= since)
    )
    if (count or 0) > program.velocity_max:
        raise_flag(
            session,
            trade_in,
            Kind.VELOCITY,
            f"{count} trade-ins by this customer in {program.velocity_days} days "
            f"(the program allows {program.velocity_max})",
            ctx,
        )


def record_locks(session: Session, trade_in: TradeIn, locks: frozenset[Lock], ctx: Context) -> None:
    """Locks seen at inspection: each a check result; a blocking one starts the grace period."""
    for lock in sorted(locks):
        session.add(
            DeviceCheck(
                trade_in_id=trade_in.id,
                kind=str(lock),
                outcome=str(blocklist.Outcome.HIT),
                detail={},
                source="inspection",
                checked_at=ctx.now,
                checked_by=ctx.actor,
            )
        )
    blocking = sorted(str(lk) for lk in locks & BLOCKING_LOCKS)
    if blocking:
        program = programs.get(session, trade_in.program_id)
        then = "returned" if program.lock_expiry == "return" else "recycled"
        raise_flag(
            session,
            trade_in,
            Kind.LOCKED,
            f"{', '.join(blocking)} on: the customer has {program.lock_grace_days} days to "
            f"remove it, then the device is {then}",
            ctx,
            due_days=program.lock_grace_days,
        )


def lapse_locks(session: Session, ctx: Context) -> int:
    """Reject devices whose lock outlived its grace period; the program's rule (return or
    recycle) is the resolution staff carry out."""
    due = session.scalars(
        select(ScreeningFlag).where(
            ScreeningFlag.kind == str(Kind.LOCKED),
            ScreeningFlag.status == OPEN,
            ScreeningFlag.due_at <= ctx.now,
        )
    ).all()
    done = 0
    for flag in due:
        trade_in = get(session, flag.trade_in_id)
        program = programs.get(session, trade_in.program_id)
        flag.status, flag.resolved_at, flag.resolved_by = CONFIRMED, ctx.now, ctx.actor
        flag.resolution = (
            f"lock not removed within {program.lock_grace_days} days: {program.lock_expiry}"
        )
        try:
            target(trade_in, Action.REJECT)
        except IllegalTransition:
            continue  # already rejected, returned or recycled: the flag is closed all the same
        trade_in.reason = f"activation_locked: {flag.resolution}"
        data = {"reason": "activation_locked", "rule": program.lock_expiry}
        move(session, trade_in, Action.REJECT, ctx, data)
        done += 1
    return done


def _holding(kind: Kind) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """What makes a flag of ``kind`` hold its device: a blocklist flag until a person clears
    it (a confirmed one holds for good), a lock flag while it is open."""
    still = (
        ScreeningFlag.status != CLEARED
        if kind == Kind.BLOCKLISTED
        else (ScreeningFlag.status == OPEN)
    )
    return (ScreeningFlag.kind == str(kind), still)


def held_among(session: Session, trade_in_ids: Sequence[str], kind: Kind) -> set[str]:
    """The trade-ins a flag of ``kind`` holds (blocklisted, or locked), for many at once."""
    return {
        tid
        for chunk in chunks(trade_in_ids)
        for tid in session.scalars(
            select(ScreeningFlag.trade_in_id).where(
                ScreeningFlag.trade_in_id.in_(chunk), *_holding(kind)
            )
        )
    }


def blocked(session: Session, trade_in_id: str) -> bool:
    """A blocklist flag not cleared by a person holds the device."""
    return bool(held_among(session, [trade_in_id], Kind.BLOCKLISTED))


def resolve(
    session: Session, flag_id: int, *, confirm: bool, reason: str, ctx: Context
) -> ScreeningFlag:
    flag = session.get(ScreeningFlag, flag_id)
    if flag is None:
        raise FlagNotFound(f"no flag {flag_id}", field="flag_id")
    if flag.status != OPEN:
        raise FlagResolved(f"flag {flag_id} was {flag.status} already", field="flag_id")
    flag.status = CONFIRMED if confirm else CLEARED
    flag.resolved_at, flag.resolved_by, flag.resolution = ctx.now, ctx.actor, reason
    trade_in = get(session, flag.trade_in_id)
    custody.note(
        session,
        trade_in,
        "flag_" + flag.status,
        {"flag_id": flag.id, "kind": flag.kind, "reason": reason},
        ctx,
    )
    return flag


def receive(session: Session, trade_in_id: str, data: schemas.ReceiveIn, ctx: Context) -> TradeIn:
    """Receive the device, recording and screening its identifiers when given."""
    trade_in = service.receive(session, trade_in_id, schemas.NoteIn(note=data.note), ctx)
    if data.identifiers is not None:
        record_identity(session, trade_in, data.identifiers, stage="receiving", ctx=ctx)
    return trade_in


def refuse_if_locked(session: Session, trade_in_id: str) -> None:
    """A lock not yet removed (its flag open) holds the device where it is."""
    open_lock = session.scalars(
        select(ScreeningFlag).where(
            ScreeningFlag.trade_in_id == trade_in_id, *_holding(Kind.LOCKED)
        )
    ).first()
    if open_lock is not None:
        raise DeviceLocked(
            f"the device is locked ({open_lock.reason}); clear the flag once the lock is off",
            field="trade_in_id",
        )


def refuse_if_blocked(session: Session, trade_in_id: str) -> None:
    if blocked(session, trade_in_id):
        raise DeviceBlocklisted(
            "this device is on a blocklist: it is held, and can be neither paid for nor resold",
            field="trade_in_id",
        )
