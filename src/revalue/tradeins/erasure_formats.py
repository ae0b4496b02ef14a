"""Erasure tools' reports read into one shape, and our own two formats (docs/sanitization.md).

Every format is read into drafts: the documented JSON report's fields as the file had them
(our CSV's rows grouped by report id, a Blancco report's entries mapped in ``erasure_blancco``).
One validation then turns drafts into reports or problems, so the formats cannot disagree about
what is valid. Reading touches no database; matching reports to trade-ins and recording them is
``erasure_reports``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

from revalue.identity.identifiers import InvalidIdentifier, normalize_imei, normalize_serial
from revalue.schemas_common import Strict, UTCTime
from revalue.tradeins.schemas import SanitizeIn

JSON_DOCUMENT = "revalue-erasure-report"


class ReportFormat(StrEnum):
    REVALUE_JSON = "revalue-json"
    REVALUE_CSV = "revalue-csv"
    BLANCCO_XML = "blancco-xml"


@dataclass(frozen=True, slots=True)
class Problem:
    where: str  # how a person finds it in the file: "line 4", "reports[2]", "report 1"
    field: str
    message: str
    report_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "report_id": self.report_id,
            "field": self.field,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Draft:
    """One report as its format read it: the JSON report's fields, not yet checked."""

    where: str
    fields: dict[str, Any]
    # Where each medium came from when it had a place of its own (a CSV row, a Blancco erasure).
    media_where: tuple[str, ...] = ()

    @property
    def report_id(self) -> str | None:
        value = self.fields.get("report_id")
        return value if isinstance(value, str) and value else None


class ReportReader(Protocol):
    """A file format: its text into drafts, and what made no draft."""

    def read(self, text: str) -> tuple[list[Draft], list[Problem]]: ...


class DeviceIn(Strict):
    """Which device was erased: the trade-in itself, or identifiers its identity recorded."""

    trade_in_id: str | None = Field(None, max_length=40)
    imei: str | None = Field(None, max_length=40)
    imei2: str | None = Field(None, max_length=40)
    serial: str | None = Field(None, max_length=60)
    # What the tool saw, for the people reading a problem: not matched on.
    manufacturer: str | None = Field(None, max_length=120)
    model: str | None = Field(None, max_length=120)

    @model_validator(mode="after")
    def _named(self) -> DeviceIn:
        if not (self.trade_in_id or self.imei or self.imei2 or self.serial):
            raise ValueError("name the device: trade_in_id, imei or serial")
        return self


class ReportIn(SanitizeIn):
    """One report of the revalue-json document: the record ``sanitize`` takes, and its
    report id, device and operator."""

    report_id: str = Field(min_length=1, max_length=120)
    device: DeviceIn
    operator: str | None = Field(None, max_length=120, description="Default: the importer")
    completed_at: UTCTime  # a report says when it was done; an import is not that moment


@dataclass(frozen=True, slots=True)
class ErasureReport:
    where: str
    record: ReportIn
    imeis: tuple[str, ...] = ()  # canonical
    serial: str | None = None

    @property
    def report_id(self) -> str:
        return self.record.report_id

    def device(self) -> str:
        """The device as the report names it, for messages."""
        d = self.record.device
        names = [f"IMEI {i}" for i in self.imeis] + (
            [f"serial {self.serial}"] if self.serial else []
        )
        made = " ".join(filter(None, (d.manufacturer, d.model)))
        return ", ".join(names) + (f" ({made})" if made else "")


def parse_time(value: object) -> datetime:
    """An ISO 8601 time with its offset (``Z`` is UTC), as UTC. A time without one is refused,
    not guessed: a tool's clock may be set to any zone."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("give the time as text such as 2026-06-14T09:30:00Z")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"{value!r} is not an ISO 8601 time such as 2026-06-14T09:30:00+02:00"
        ) from None
    if moment.utcoffset() is None:
        raise ValueError(f"{value!r} has no UTC offset: add Z for UTC, or the offset (+02:00)")
    return moment.astimezone(UTC)


def check(drafts: list[Draft]) -> tuple[list[ErasureReport], list[Problem]]:
    """The valid reports, and every problem of the others, a report id twice among them."""
    reports: list[ErasureReport] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    for draft in drafts:
        report, found = _check(draft)
        rid = draft.report_id
        if rid is not None and rid in first_seen:
            message = f"also at {first_seen[rid]}: a report is imported once"
            found.append(Problem(draft.where, "report_id", message, rid))
        elif rid is not None:
            first_seen[rid] = draft.where
        problems += found
        if report is not None and not found:
            reports.append(report)
    return reports, problems


def _check(draft: Draft) -> tuple[ErasureReport | None, list[Problem]]:
    fields, found = dict(draft.fields), []
    for key in ("started_at", "completed_at"):
        if isinstance(fields.get(key), str):
            try:
                fields[key] = parse_time(fields[key])
            except ValueError as exc:
                found.append(Problem(draft.where, key, str(exc), draft.report_id))
    bad_times = {(p.field,) for p in found}
    try:
        record = ReportIn.model_validate(fields)
    except ValidationError as exc:
        # A time already refused is not refused again in pydantic's words.
        found += [_problem(draft, e) for e in exc.errors() if e["loc"][:1] not in bad_times]
        return None, found
    if found:
        return None, found
    device = record.device
    try:
        imeis = tuple(
            dict.fromkeys(
                normalize_imei(value, field=f"device.{name}")
                for name, value in (("imei", device.imei), ("imei2", device.imei2))
                if value
            )
        )
        serial = normalize_serial(device.serial, field="device.serial") if device.serial else None
    except InvalidIdentifier as exc:
        return None, [Problem(draft.where, exc.details["field"], exc.message, record.report_id)]
    return ErasureReport(draft.where, record, imeis, serial), []


def _problem(draft: Draft, error: ErrorDetails) -> Problem:
    loc, where = error["loc"], draft.where
    if len(loc) > 1 and loc[0] == "media" and isinstance(loc[1], int) and draft.media_where:
        where, loc = draft.media_where[loc[1]], loc[2:]
    message = error["msg"].removeprefix("Value error, ")
    return Problem(where, _path(loc) or "report", message, draft.report_id)


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


class RevalueJson:
    """``{"format": "revalue-erasure-report", "version": 1, "reports": [...]}``."""

    def read(self, text: str) -> tuple[list[Draft], list[Problem]]:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            return [], [Problem(f"line {exc.lineno}", "body", f"not JSON: {exc.msg}")]
        if not isinstance(doc, dict):
            return [], [Problem("document", "body", "the document is an object: see the format")]
        problems = []
        if doc.get("format") != JSON_DOCUMENT:
            problems.append(Problem("document", "format", f"must be {JSON_DOCUMENT!r}"))
        if doc.get("version") != 1:
            problems.append(Problem("document", "version", "must be 1, the version read here"))
        for key in sorted(set(doc) - {"format", "version", "reports"}):
            problems.append(Problem("document", key, "unknown field"))
        reports = doc.get("reports")
        if not isinstance(reports, list):
            return [], [*problems, Problem("document", "reports", "must be a list of reports")]
        drafts = []
        for i, report in enumerate(reports):
            if isinstance(report, dict):
                drafts.append(Draft(f"reports[{i}]", report))
            else:
                problems.append(Problem(f"reports[{i}]", "report", "a report is an object"))
        return drafts, problems


DEVICE_COLUMNS = ("trade_in_id", "imei", "imei2", "serial", "manufacturer", "model")
REPORT_COLUMNS = (
    *DEVICE_COLUMNS,
    *("operator", "tool", "tool_version", "started_at", "completed_at"),
    *("verification_method", "destination"),
)
MEDIUM_COLUMNS = ("kind", "identifier", "capacity_bytes", "level", "technique", "result")
REQUIRED_COLUMNS = ("report_id", "completed_at", "level", "technique", "result")


@dataclass
class _Rows:
    where: str  # the report's first row
    report: dict[str, str]
    media: list[dict[str, str]] = field(default_factory=list)
    media_where: list[str] = field(default_factory=list)


class RevalueCsv:
    """One row per medium; the rows of one report id make one report, and must agree on its
    device, operator, tool and times."""

    def read(self, text: str) -> tuple[list[Draft], list[Problem]]:
        reader = csv.DictReader(io.StringIO(text))
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing or not set(DEVICE_COLUMNS[:4]) & set(header):
            need = ", ".join(missing) or "one of trade_in_id, imei, imei2, serial"
            return [], [Problem("line 1", "header", f"the header must name the columns {need}")]
        known = {"report_id", *REPORT_COLUMNS, *MEDIUM_COLUMNS}
        unknown = [c for c in header if c not in known]
        if unknown:
            return [], [Problem("line 1", "header", f"unknown column(s): {', '.join(unknown)}")]
        groups: dict[str, _Rows] = {}
        problems = []
        for row in reader:
            where = f"line {reader.line_num}"
            if None in row:
                problems.append(Problem(where, "row", "more cells than the header has columns"))
                continue
            cells = {k: (v or "").strip() for k, v in row.items()}
            rid = cells["report_id"]
            if not rid:
                problems.append(Problem(where, "report_id", "every row names its report"))
                continue
            report = {c: cells[c] for c in REPORT_COLUMNS if c in cells}
            rows = groups.setdefault(rid, _Rows(where, report))
            for column, value in report.items():
                if value != rows.report[column]:
                    message = f"{value!r} differs from {rows.report[column]!r} on {rows.where}"
                    problems.append(Problem(where, column, message, rid))
            rows.media.append({c: cells[c] for c in MEDIUM_COLUMNS if cells.get(c)})
            rows.media_where.append(where)
        return [self._draft(rid, rows) for rid, rows in groups.items()], problems

    @staticmethod
    def _draft(report_id: str, rows: _Rows) -> Draft:
        filled = {k: v for k, v in rows.report.items() if v}
        fields: dict[str, Any] = {
            "report_id": report_id,
            "device": {k: filled.pop(k) for k in DEVICE_COLUMNS if k in filled},
            **filled,
            "media": rows.media,
        }
        return Draft(rows.where, fields, tuple(rows.media_where))
