"""The demo's devices as the screening sees them: an IMEI for every phone and tablet, from a
small TAC list of the demo's own (TACs starting 99, never a real manufacturer's), and a few
that are blocklisted, of another model than declared, or seen before."""

from __future__ import annotations

import random

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from stdnum import luhn

from revalue.catalog.models import DeviceModel
from revalue.domain.catalog import Category
from revalue.domain.context import Context
from revalue.domain.records import RejectReason
from revalue.identity import blocklist
from revalue.identity.models import TacEntry
from revalue.tradeins import processing, schemas, screening

SOURCE = "demo"
WITH_IMEI = {Category.SMARTPHONE, Category.TABLET}


def imei(tac: str, serial: int) -> str:
    body = f"{tac}{serial:06d}"
    return body + luhn.calc_check_digit(body)


def set_up(session: Session, ctx: Context) -> dict[str, str]:
    """A TAC per phone and tablet model of the catalog (if missing), and a blocklist of three
    stolen devices; the model → TAC map."""
    models = session.scalars(
        select(DeviceModel)
        .where(DeviceModel.category.in_([str(c) for c in WITH_IMEI]))
        .order_by(DeviceModel.id)
    ).all()
    tacs = {m.id: f"99{i:06d}" for i, m in enumerate(models)}
    if session.scalar(select(TacEntry.tac).where(TacEntry.source == SOURCE).limit(1)) is None:
        rows = [
            {
                "tac": tacs[m.id],
                "source": SOURCE,
                "brand": m.brand,
                "name": m.name,
                "model_code": None,
                "catalog_model_id": m.id,
                "imported_at": ctx.now,
            }
            for m in models
        ]
        session.execute(insert(TacEntry.__table__), rows)
        for serial in (1, 2, 3):
            blocklist.add(
                session, imei=imei(tacs[models[0].id], serial), reason="stolen",
                note="demo: reported stolen", source="demo-police", ctx=ctx,
            )  # fmt: skip
    return tacs


def other_device(
    rng: random.Random, model_id: str, category: Category, tacs: dict[str, str]
) -> schemas.IdentifiersIn:
    """What identifies a device other than the one declared (found in a mail-in box)."""
    if category in WITH_IMEI:
        other = rng.choice(sorted(set(tacs) - {model_id}))
        return schemas.IdentifiersIn(imei=imei(tacs[other], rng.randrange(10**6)))
    return schemas.IdentifiersIn(serial=f"DEMO{rng.randrange(10**8):08d}")


def identifiers(
    rng: random.Random, model_id: str, category: Category, tacs: dict[str, str]
) -> schemas.IdentifiersIn | None:
    """The device's IMEI: mostly its own, now and then a suspicious one (none for devices
    without a modem)."""
    ids = None
    if category in WITH_IMEI:
        roll = rng.random()
        if roll < 0.01:
            number = imei(tacs[min(tacs)], rng.randint(1, 3))  # on the blocklist
        elif roll < 0.03:
            other = rng.choice(sorted(set(tacs) - {model_id}))
            number = imei(tacs[other], rng.randrange(10**6))  # another model than declared
        elif roll < 0.04:
            number = imei(tacs[model_id], 424242)  # seen before: a repeat
        else:
            number = imei(tacs[model_id], rng.randrange(10**6))
        ids = schemas.IdentifiersIn(imei=number)
    return ids


# How the desk explains the flags it clears in the demo.
EXPLAINED = {
    screening.Kind.MODEL_MISMATCH: "the customer picked the wrong model; the inspection prices it",
    screening.Kind.DUPLICATE_IMEI: "the earlier trade-in was abandoned by the same customer",
    screening.Kind.RECENT_TRADE: "bought refurbished and traded in again: receipts checked",
    screening.Kind.VELOCITY: "a family's devices: identity documents checked",
    screening.Kind.UNIDENTIFIED: "identified by hand from the label",
}


def settle_flags(story, tid: str) -> bool:  # type: ignore[no-untyped-def]
    """What the screening desk does with the device's open flags. False when the device
    stops here: blocklisted (held and rejected), or still locked (the sweep rejects it when
    its grace period ends)."""
    s, rng = story.session, story.rng
    desk = story.ctx("screening-desk")
    for flag in screening.open_flags(s, tid):
        if flag.kind == screening.Kind.BLOCKLISTED:
            screening.resolve(
                s, flag.id, confirm=True, reason="matches the police report", ctx=desk
            )
            reject = schemas.RejectIn(reason=RejectReason.BLOCKLISTED)
            processing.reject(s, tid, reject, desk)
            return False
        if flag.kind == screening.Kind.LOCKED:
            if rng.random() < 0.4 or not story.wait(24, 200):
                return False
            screening.resolve(
                s, flag.id, confirm=False, reason="the customer removed the lock", ctx=desk
            )
        else:
            screening.resolve(s, flag.id, confirm=False, reason=EXPLAINED[flag.kind], ctx=desk)
    return True
