"""A program's recovery set-up: its economics (settings), the channels it sells through with
their price lists and demand, and the repair actions its technicians can do.

A price list is replaced whole, all or nothing: every bad line of it is reported at once, by
line and column, and nothing is written, so a manager fixes the file once, not line by line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from revalue.db import chunks
from revalue.domain.catalog import Category
from revalue.domain.condition import FAULTS_BY_CATEGORY, SCREEN_CRACKED, Grade
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.recovery import ANY_GRADE, COSMETIC
from revalue.ids import new_id
from revalue.programs import service as programs
from revalue.recovery import repository
from revalue.recovery.models import (
    Channel,
    ChannelDemand,
    ChannelPrice,
    RecoverySettings,
    RepairActionRow,
)
from revalue.recovery.setup_schemas import (
    ChannelIn,
    ChannelPatch,
    DemandIn,
    PriceIn,
    RepairActionIn,
    SettingsIn,
)

PRICE_COLUMNS = ("variant_sku", "grade", "amount")
PRICE_GRADES = frozenset({*(str(g) for g in Grade), ANY_GRADE})
MAX_PRICE_LINES = 50_000
PROBLEMS_SHOWN = 200


class ChannelNotFound(NotFound):
    code = "channel_not_found"


class ChannelExists(Conflict):
    code = "channel_exists"


class InvalidPriceList(InvalidInput):
    code = "price_list_invalid"


class InvalidRepairAction(InvalidInput):
    code = "repair_action_invalid"


class InvalidDemand(InvalidInput):
    code = "demand_invalid"


def settings(session: Session, program_id: str) -> RecoverySettings:
    """The program's row, or the defaults (a row never added to the session)."""
    row = repository.settings(session, program_id)
    if row is not None:
        return row
    columns = RecoverySettings.__table__.columns
    defaults = {c.name: c.default.arg for c in columns if c.default is not None}
    return RecoverySettings(program_id=program_id, updated_at=None, **defaults)


def put_settings(
    session: Session, program_id: str, data: SettingsIn, ctx: Context
) -> RecoverySettings:
    programs.get(session, program_id)
    row = repository.settings(session, program_id)
    if row is None:
        row = RecoverySettings(program_id=program_id)
        session.add(row)
    for name, value in data.model_dump().items():
        setattr(row, name, value)
    row.updated_at = ctx.now
    session.flush()
    return row


def get_channel(session: Session, channel_id: str) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise ChannelNotFound(f"no channel {channel_id!r}", field="channel_id")
    return channel


def create_channel(session: Session, program_id: str, data: ChannelIn, ctx: Context) -> Channel:
    program = programs.get(session, program_id)
    if repository.channel_by_code(session, program_id, data.code) is not None:
        raise ChannelExists(f"program {program_id!r} has a channel {data.code!r}", field="code")
    channel = Channel(
        id=new_id("chn", ctx.now),
        program_id=program_id,
        currency=program.currency,  # a channel sells in the program's currency
        created_at=ctx.now,
        updated_at=ctx.now,
        **data.model_dump(mode="json"),
    )
    session.add(channel)
    session.flush()
    return channel


def update_channel(session: Session, channel_id: str, data: ChannelPatch, ctx: Context) -> Channel:
    channel = get_channel(session, channel_id)
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None and name != "capacity_per_week":  # null capacity: unlimited
            raise InvalidInput(f"{name} cannot be null", field=name)
        setattr(channel, name, value)
    channel.updated_at = ctx.now
    return channel


@dataclass(frozen=True, slots=True)
class PriceLine:
    line: int
    values: Mapping[str, Any]


def price_lines_from_csv(text: str) -> list[PriceLine]:
    """The lines of a CSV price list (header variant_sku,grade,amount), as read."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or ()]
    if header != list(PRICE_COLUMNS):
        raise InvalidPriceList(
            f"the header must be {','.join(PRICE_COLUMNS)}",
            field="prices",
            problems=[{"line": 1, "column": ",".join(header), "message": "wrong header"}],
        )
    reader.fieldnames = header
    lines = []
    for raw in reader:
        if len(lines) >= MAX_PRICE_LINES:
            raise InvalidPriceList(f"at most {MAX_PRICE_LINES:,} lines", field="prices")
        values = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            values["_extra"] = True
        lines.append(PriceLine(reader.line_num, values))
    return lines


def price_lines_from_json(items: Iterable[PriceIn]) -> list[PriceLine]:
    return [PriceLine(n, p.model_dump()) for n, p in enumerate(items, start=1)]


def _amount(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def put_prices(session: Session, channel_id: str, lines: list[PriceLine], ctx: Context) -> int:
    """Replace the channel's price list with these lines, or refuse them all."""
    channel = get_channel(session, channel_id)
    skus = repository.known_skus(session, [str(ln.values.get("variant_sku", "")) for ln in lines])
    problems: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    rows = []
    for ln in lines:
        sku, grade = str(ln.values.get("variant_sku", "")), str(ln.values.get("grade", ""))
        amount = _amount(ln.values.get("amount"))
        bad = []
        if ln.values.get("_extra"):
            bad.append(("", "more fields than the header has columns"))
        if sku not in skus:
            bad.append(("variant_sku", f"unknown variant {sku!r}"))
        if grade not in PRICE_GRADES:
            bad.append(("grade", f"grade {grade!r} is not one of A, B, C, D or *"))
        if amount is None or amount < 0 or amount > 10**12:
            bad.append(("amount", "the amount is a whole number of minor units, not negative"))
        first = seen.setdefault((sku, grade), ln.line)
        if first != ln.line:
            bad.append(("variant_sku", f"{sku} at grade {grade} is priced on line {first} too"))
        problems += [{"line": ln.line, "column": col, "message": msg} for col, msg in bad]
        if not bad:
            rows.append(
                {
                    "channel_id": channel.id,
                    "variant_sku": sku,
                    "grade": grade,
                    "amount": amount,
                    "updated_at": ctx.now,
                }
            )
    if problems:
        raise InvalidPriceList(
            f"{len(problems)} problem(s) in the price list; nothing was written",
            field="prices",
            problem_count=len(problems),
            problems=problems[:PROBLEMS_SHOWN],
        )
    session.execute(delete(ChannelPrice).where(ChannelPrice.channel_id == channel.id))
    for chunk in chunks(rows):
        session.execute(insert(ChannelPrice), chunk)
    channel.updated_at = ctx.now
    return len(rows)


def put_demand(session: Session, channel_id: str, items: list[DemandIn], ctx: Context) -> None:
    """Replace the channel's weekly demand per model."""
    channel = get_channel(session, channel_id)
    ids = [d.model_id for d in items]
    known = repository.known_models(session, ids)
    problems = [
        {"line": n, "column": "model_id", "message": f"unknown model {d.model_id!r}"}
        for n, d in enumerate(items, start=1)
        if d.model_id not in known
    ] + [
        {"line": n, "column": "model_id", "message": f"{d.model_id} is listed twice"}
        for n, d in enumerate(items, start=1)
        if d.model_id in ids[: n - 1]
    ]
    if problems:
        raise InvalidDemand(
            f"{len(problems)} problem(s) in the demand; nothing was written",
            field="demand",
            problems=problems,
        )
    session.execute(delete(ChannelDemand).where(ChannelDemand.channel_id == channel.id))
    session.add_all(
        ChannelDemand(channel_id=channel.id, model_id=d.model_id, units_per_week=d.units_per_week)
        for d in items
    )
    channel.updated_at = ctx.now


def _action_problems(n: int, a: RepairActionIn) -> list[dict[str, Any]]:
    try:
        category = Category(a.category)
    except ValueError:
        return [{"line": n, "column": "category", "message": f"unknown category {a.category!r}"}]
    if a.fixes == COSMETIC:
        if a.grade_after is None:
            return [
                {
                    "line": n,
                    "column": "grade_after",
                    "message": "a cosmetic repair names the grade it leaves the device at",
                }
            ]
        return []
    if a.fixes != SCREEN_CRACKED and a.fixes not in FAULTS_BY_CATEGORY[category]:
        known = sorted({SCREEN_CRACKED, COSMETIC, *FAULTS_BY_CATEGORY[category]})
        return [
            {
                "line": n,
                "column": "fixes",
                "message": f"{a.fixes!r} is no defect of a {category}: one of {', '.join(known)}",
            }
        ]
    return []


def put_repair_actions(
    session: Session, program_id: str, actions: list[RepairActionIn]
) -> list[RepairActionRow]:
    """Replace the program's repair actions, or refuse them all."""
    programs.get(session, program_id)
    problems = [p for n, a in enumerate(actions, start=1) for p in _action_problems(n, a)]
    keys = [(a.category, a.code) for a in actions]
    problems += [
        {"line": n, "column": "code", "message": f"{a.category} repair {a.code!r} is listed twice"}
        for n, a in enumerate(actions, start=1)
        if (a.category, a.code) in keys[: n - 1]
    ]
    if problems:
        raise InvalidRepairAction(
            f"{len(problems)} problem(s) in the repair actions; nothing was written",
            field="actions",
            problems=problems,
        )
    session.execute(delete(RepairActionRow).where(RepairActionRow.program_id == program_id))
    rows = [RepairActionRow(program_id=program_id, **a.model_dump(mode="json")) for a in actions]
    session.add_all(rows)
    session.flush()
    return rows
