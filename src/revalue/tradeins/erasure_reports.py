"""Importing erasure tools' reports as sanitization records, all or nothing.

A file is read (``erasure_formats``, ``erasure_blancco``: the readers are chosen here, in one
place), each report matched to a trade-in (its id, else an IMEI, else a serial, among open
trade-ins of the caller's programs) and recorded through ``sanitization.sanitize``, oldest
first, so a device erased twice ends in the state of its latest erasure. Every problem of the
whole file (malformed fields, unknown or ambiguous devices, devices the lifecycle refuses) is
collected and reported in one error, and nothing is written. A report already imported (same
format, same report id) is skipped: sending a file again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import InvalidInput, RevalueError
from revalue.domain.lifecycle import TERMINAL
from revalue.domain.records import worst_result
from revalue.identity.models import DeviceIdentity
from revalue.tradeins import erasure_blancco, sanitization
from revalue.tradeins.erasure_formats import (
    ErasureReport,
    Problem,
    ReportFormat,
    ReportReader,
    RevalueCsv,
    RevalueJson,
    check,
)
from revalue.tradeins.models import Sanitization, TradeIn

READERS: dict[ReportFormat, ReportReader] = {
    ReportFormat.REVALUE_JSON: RevalueJson(),
    ReportFormat.REVALUE_CSV: RevalueCsv(),
    ReportFormat.BLANCCO_XML: erasure_blancco.BlanccoXml(),
}
MAX_BYTES = 20 * 1024 * 1024
MAX_REPORTS = 50_000
PROBLEMS_SHOWN = 1000  # a file of 50,000 bad rows gets a readable error, not 50,000 lines
_CHUNK = 500  # identifiers per IN (...) query: well under every database's parameter limit
_CLOSED = [str(s) for s in TERMINAL]

Progress = Callable[[int, int], None]


class InvalidErasureReport(InvalidInput):
    code = "erasure_report_invalid"


class ErasureReportTooLarge(InvalidInput):
    code = "erasure_report_too_large"


def too_large() -> ErasureReportTooLarge:
    return ErasureReportTooLarge(
        f"an import takes at most {MAX_BYTES // 2**20} MB and {MAX_REPORTS:,} reports: "
        "split the file",
        field="body",
        max_bytes=MAX_BYTES,
        max_reports=MAX_REPORTS,
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    report_id: str
    already_imported: bool
    # None for a report imported earlier for a trade-in outside the caller's programs.
    trade_in_id: str | None
    result: str | None
    state: str | None


@dataclass(frozen=True, slots=True)
class ImportResult:
    format: ReportFormat
    imported: int
    already_imported: int
    records: list[Outcome]  # in the file's order


def read(fmt: ReportFormat, text: str) -> tuple[list[ErasureReport], list[Problem]]:
    """The file's valid reports and the problems of the others; a file over the limits is
    refused before it is read."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8")) > MAX_BYTES:
        raise too_large()
    drafts, problems = READERS[fmt].read(text)
    if len(drafts) > MAX_REPORTS:
        raise too_large()
    reports, found = check(drafts)
    return reports, problems + found


def import_file(
    session: Session,
    fmt: ReportFormat,
    text: str,
    ctx: Context,
    *,
    within: frozenset[str] | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Record the file's reports, or none of them: :class:`InvalidErasureReport` lists every
    problem. ``within`` limits the trade-ins to those programs (None: every program)."""
    reports, problems = read(fmt, text)
    earlier = _imported_earlier(session, fmt, [r.report_id for r in reports], within)
    fresh = [r for r in reports if r.report_id not in earlier]
    matched, unmatched = _match(session, fresh, within)
    problems += unmatched
    outcomes = dict(earlier)
    for done, report in enumerate(sorted(fresh, key=lambda r: r.record.completed_at), start=1):
        trade_in_id = matched.get(report.report_id)
        if trade_in_id is not None:
            try:
                trade_in = sanitization.sanitize(
                    session, trade_in_id, report.record, ctx,
                    source=str(fmt), report_id=report.report_id, operator=report.record.operator,
                )  # fmt: skip
            except RevalueError as exc:  # refused for the device (its state, a lock) or a time
                named = exc.details.get("field")
                about = "device" if named in (None, "trade_in_id") else named
                message = f"trade-in {trade_in_id}: {exc.message} ({exc.code})"
                problems.append(Problem(report.where, about, message, report.report_id))
            else:
                result = worst_result(m.result for m in report.record.all_media())
                outcomes[report.report_id] = Outcome(
                    report.report_id, False, trade_in.id, str(result), str(trade_in.state)
                )
        if progress is not None:
            progress(done, len(fresh))
    if problems:
        raise InvalidErasureReport(
            f"{len(problems)} problem(s) in the file; nothing was imported",
            field="body",
            problem_count=len(problems),
            problems=[p.as_dict() for p in problems[:PROBLEMS_SHOWN]],
        )
    return ImportResult(
        format=fmt,
        imported=len(fresh),
        already_imported=len(earlier),
        records=[outcomes[r.report_id] for r in reports],
    )


def _imported_earlier(
    session: Session, fmt: ReportFormat, report_ids: list[str], within: frozenset[str] | None
) -> dict[str, Outcome]:
    stmt = select(
        Sanitization.report_id, Sanitization.result, TradeIn.id, TradeIn.state, TradeIn.program_id
    ).join(TradeIn, TradeIn.id == Sanitization.trade_in_id)
    found = {}
    for chunk in _chunks(report_ids):
        rows = session.execute(
            stmt.where(Sanitization.source == str(fmt), Sanitization.report_id.in_(chunk))
        )
        for report_id, result, trade_in_id, state, program_id in rows:
            seen = within is None or program_id in within
            found[report_id] = (
                Outcome(report_id, True, trade_in_id, result, state)
                if seen
                else Outcome(report_id, True, None, None, None)
            )
    return found


def _match(
    session: Session, reports: list[ErasureReport], within: frozenset[str] | None
) -> tuple[dict[str, str], list[Problem]]:
    """Each report's trade-in (report id → trade-in id), and a problem for each report whose
    device is unknown or ambiguous."""
    named = _visible(session, {r.record.device.trade_in_id for r in reports} - {None}, within)
    by_imei = _open_by(session, {i for r in reports for i in r.imeis}, within, imei=True)
    by_serial = _open_by(session, {r.serial for r in reports} - {None}, within, imei=False)
    matched, problems = {}, []
    for report in reports:
        trade_in_id = report.record.device.trade_in_id
        if trade_in_id is not None:
            candidates = {trade_in_id} & named
            what = f"no trade-in {trade_in_id}"
        else:
            candidates = set().union(*(by_imei.get(i, set()) for i in report.imeis))
            if not candidates and report.serial:
                candidates = by_serial.get(report.serial, set())
            what = f"no open trade-in has this device: {report.device()}"
        if len(candidates) == 1:
            matched[report.report_id] = candidates.pop()
            continue
        if candidates:
            what = (
                f"{report.device()} is in {len(candidates)} open trade-ins "
                f"({', '.join(sorted(candidates))}): name the trade_in_id in the report"
            )
        problems.append(Problem(report.where, "device", what, report.report_id))
    return matched, problems


def _visible(session: Session, ids: set[str], within: frozenset[str] | None) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(ids)):
        stmt = _within(select(TradeIn.id).where(TradeIn.id.in_(chunk)), within)
        found.update(session.scalars(stmt))
    return found


def _open_by(
    session: Session, values: set[str], within: frozenset[str] | None, *, imei: bool
) -> dict[str, set[str]]:
    """Open trade-ins by the IMEI (either of a dual-SIM device's) or serial their identity
    recorded."""
    columns = [DeviceIdentity.imei, DeviceIdentity.imei2] if imei else [DeviceIdentity.serial]
    found: dict[str, set[str]] = {}
    for chunk in _chunks(sorted(values)):
        stmt = (
            select(DeviceIdentity.trade_in_id, *columns)
            .join(TradeIn, TradeIn.id == DeviceIdentity.trade_in_id)
            .where(or_(*(c.in_(chunk) for c in columns)), TradeIn.state.not_in(_CLOSED))
        )
        for trade_in_id, *keys in session.execute(_within(stmt, within)):
            for key in filter(None, keys):
                found.setdefault(key, set()).add(trade_in_id)
    return found


def _within(stmt, within: frozenset[str] | None):  # type: ignore[no-untyped-def]
    return stmt if within is None else stmt.where(TradeIn.program_id.in_(within))


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]
