"""Market prices and resale estimates.

Observations come from two places: our own reuse sales (source ``sale``, reference the sale's
id) and imported feeds (CSV, one source name per feed). A feed is checked whole: any bad line
refuses it, every problem named by line and column, and nothing is written; a row imported
before (same program, source and reference) is skipped and counted, so a feed may be imported
again. The estimates are recomputed from every observation by ``domain.market.estimate``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from revalue.catalog import repository as catalog
from revalue.db import chunks
from revalue.domain import market
from revalue.domain.condition import Grade
from revalue.domain.context import Context
from revalue.domain.errors import InvalidInput
from revalue.programs import service as programs
from revalue.recovery.models import MarketPrice, ResaleEstimate, Sale

COLUMNS = ("variant_sku", "grade", "price", "currency", "observed_at", "reference")
SALE = "sale"
MAX_BYTES = 20 * 2**20
MAX_PRICE = 10**12  # as any amount of money the API takes
PROBLEMS_SHOWN = 1000
GRADES = frozenset(str(g) for g in Grade)

Progress = Callable[[int, int], None]


class InvalidFeed(InvalidInput):
    code = "market_feed_invalid"


@dataclass(slots=True)
class Checked:
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Imported:
    source: str
    rows: int
    imported: int
    skipped: int  # imported before


def _check(session: Session, text: str, currency: str, ctx: Context) -> Checked:
    out = Checked()
    if len(text.encode()) > MAX_BYTES:
        raise InvalidFeed(f"a feed is at most {MAX_BYTES // 2**20} MB", field="file")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or ()]
    if tuple(header) != COLUMNS:
        out.problems.append(
            {"line": 1, "column": "", "message": f"the header is {','.join(COLUMNS)}"}
        )
        return out
    reader.fieldnames = header
    raw = [(reader.line_num, {k: (v or "").strip() for k, v in r.items() if k}, None in r)
           for r in reader]  # fmt: skip
    known = set()
    for part in chunks(sorted({r["variant_sku"] for _, r, _ in raw})):
        known |= set(catalog.variants_by_sku(session, part))
    first_line: dict[str, int] = {}
    for line, r, extra in raw:
        if not any(r.values()):
            continue
        bad = partial(_problem, out.problems, line)
        if extra:
            bad("", "more fields than the header has columns")
            continue
        before = len(out.problems)
        if r["variant_sku"] not in known:
            bad("variant_sku", f"unknown variant {r['variant_sku']!r}")
        if r["grade"] not in GRADES:
            bad("grade", f"grade is one of {', '.join(sorted(GRADES))}")
        digits = r["price"]
        price = int(digits) if digits.isascii() and digits.isdigit() else None
        if price is None or price > MAX_PRICE:
            bad("price", f"price is a whole number of minor units from 0 to {MAX_PRICE}")
        if r["currency"] != currency:
            bad("currency", f"the program's currency is {currency}")
        observed = _time(r["observed_at"])
        if observed is None:
            bad("observed_at", "observed_at is an ISO 8601 time with its offset")
        elif observed > ctx.now:
            bad("observed_at", "observed_at is in the future")
        reference = r["reference"]
        if not reference or len(reference) > 120:
            bad("reference", "reference is 1 to 120 characters")
        elif reference in first_line:
            bad("reference", f"reference {reference!r} is also on line {first_line[reference]}")
        else:
            first_line[reference] = line
        if len(out.problems) == before:
            out.rows.append({**r, "price": price, "observed_at": observed})
    return out


def _problem(problems: list[dict[str, Any]], line: int, column: str, message: str) -> None:
    problems.append({"line": line, "column": column, "message": message})


def _time(value: str) -> datetime | None:
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return None if t.utcoffset() is None else t.astimezone(UTC)


def import_feed(
    session: Session,
    program_id: str,
    *,
    source: str,
    text: str,
    ctx: Context,
    progress: Progress | None = None,
) -> Imported:
    """Check the whole feed, then add the rows not imported before."""
    program = programs.get(session, program_id)
    if not source or source == SALE or len(source) > 60:
        raise InvalidInput(f"a feed's source is 1 to 60 characters, not {SALE!r}", field="source")
    checked = _check(session, text, program.currency, ctx)
    if checked.problems:
        raise InvalidFeed(
            f"{len(checked.problems)} problem(s) in the feed; nothing was written",
            field="file",
            problem_count=len(checked.problems),
            problems=checked.problems[:PROBLEMS_SHOWN],
        )
    seen: set[str] = set()
    references = [r["reference"] for r in checked.rows]
    for part in chunks(references):
        seen |= set(
            session.scalars(
                select(MarketPrice.reference).where(
                    MarketPrice.program_id == program_id,
                    MarketPrice.source == source,
                    MarketPrice.reference.in_(part),
                )
            )
        )
    fresh = [r for r in checked.rows if r["reference"] not in seen]
    for done, r in enumerate(fresh, 1):
        session.add(
            MarketPrice(
                program_id=program_id,
                variant_sku=r["variant_sku"],
                grade=r["grade"],
                price=r["price"],
                currency=program.currency,
                source=source,
                reference=r["reference"],
                observed_at=r["observed_at"],
                imported_at=ctx.now,
            )
        )
        if progress is not None and (done % 500 == 0 or done == len(fresh)):
            progress(done, len(fresh))
    session.flush()
    return Imported(source, len(checked.rows), len(fresh), len(checked.rows) - len(fresh))


def observe_sale(
    session: Session, sale: Sale, *, variant_sku: str, grade: str, ctx: Context
) -> MarketPrice:
    """A reuse sale of ours, as an observation of the market."""
    row = MarketPrice(
        program_id=sale.program_id,
        variant_sku=variant_sku,
        grade=grade,
        price=sale.price,
        currency=sale.currency,
        source=SALE,
        reference=str(sale.id),
        observed_at=sale.sold_at,
        imported_at=ctx.now,
    )
    session.add(row)
    return row


def prices(
    session: Session,
    program_id: str,
    *,
    variant_sku: str | None = None,
    grade: str | None = None,
    source: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[MarketPrice]]:
    """(how many match, one page of them, newest observation first)."""
    conditions = [MarketPrice.program_id == program_id]
    for column, value in (
        (MarketPrice.variant_sku, variant_sku),
        (MarketPrice.grade, grade),
        (MarketPrice.source, source),
    ):
        if value is not None:
            conditions.append(column == value)
    total = session.scalar(select(func.count(MarketPrice.id)).where(*conditions)) or 0
    stmt = (
        select(MarketPrice)
        .where(*conditions)
        .order_by(MarketPrice.observed_at.desc(), MarketPrice.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return total, list(session.scalars(stmt))


def refresh(
    session: Session,
    program_id: str,
    ctx: Context,
    *,
    half_life_days: int = market.DEFAULT_HALF_LIFE_DAYS,
    min_observations: int = market.DEFAULT_MIN_OBSERVATIONS,
) -> list[ResaleEstimate]:
    """Recompute every estimate of the program from its observations, replacing the old ones
    (a variant and grade that no longer has enough observations loses its estimate)."""
    program = programs.get(session, program_id)
    observed: dict[tuple[str, str], list[market.Observation]] = {}
    rows = session.execute(
        select(MarketPrice.variant_sku, MarketPrice.grade, MarketPrice.price,
               MarketPrice.observed_at)
        .where(MarketPrice.program_id == program_id, MarketPrice.currency == program.currency)
    )  # fmt: skip
    for sku, grade, price, observed_at in rows:
        observed.setdefault((sku, grade), []).append(
            market.Observation(price=price, observed_at=observed_at)
        )
    session.execute(delete(ResaleEstimate).where(ResaleEstimate.program_id == program_id))
    out = []
    for (sku, grade), obs in sorted(observed.items()):
        found = market.estimate(
            obs, as_of=ctx.now, half_life_days=half_life_days, min_observations=min_observations
        )
        if found is None:
            continue
        row = ResaleEstimate(
            program_id=program_id,
            variant_sku=sku,
            grade=grade,
            value=found.value,
            currency=program.currency,
            observations=found.observations,
            outliers=found.outliers,
            method=found.method,
            computed_at=ctx.now,
        )
        session.add(row)
        out.append(row)
    session.flush()
    return out


def estimates(
    session: Session, program_id: str, *, grade: str | None = None
) -> list[ResaleEstimate]:
    stmt = select(ResaleEstimate).where(ResaleEstimate.program_id == program_id)
    if grade is not None:
        stmt = stmt.where(ResaleEstimate.grade == grade)
    return list(session.scalars(stmt.order_by(ResaleEstimate.variant_sku, ResaleEstimate.grade)))
