"""Parsers for the public TAC and identifier files: text in, rows and row problems out.

Pure functions, no database: ``tac.py`` decides what to write. Decisions about the data:

* Surrounding whitespace in a field is dropped (Osmocom's file has a few `` 35572302`` rows).
* A TAC that is not 8 digits after that is a malformed row: reported with its line, not
  guessed at (the Samsung file has 7-digit TACs whose leading digit a spreadsheet ate, or not).
* Placeholder TACs (one digit repeated, ``12312312``, ``12345678``) name no device: skipped
  and reported.
* A TAC listed twice: a Samsung-format file lists model codes, and two rows for one TAC are
  two partial lists, so they are merged (codes in order of first appearance). An Osmocom row
  names one device; a later row for the same TAC is reported and the first one kept.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

DUMMY_TACS = frozenset({d * 8 for d in "0123456789"} | {"12312312", "12345678"})
OSMOCOM_HEADER = ("tac", "name", "name")
MODEL_CODE_HEADER = ("tac", "model")
BRAND_MAX, NAME_MAX, CODE_MAX = 80, 200, 60  # the widths of tac_entries' columns
_TAC = re.compile(r"\d{8}")
# A Samsung model code's family: "SM-", the product-line letter and three digits. What
# follows is the region or carrier (B, U, U1, W, N, 0, F/DS, ...), the same device.
_SAMSUNG_FAMILY = re.compile(r"SM-[A-Z]\d{3}")


@dataclass(frozen=True, slots=True)
class TacRow:
    line: int
    tac: str
    brand: str
    name: str  # a model-code file's name is its list of codes: what that source calls it
    codes: tuple[str, ...] = ()  # model codes the source gives, first listed first


@dataclass(frozen=True, slots=True)
class RowIssue:
    line: int
    tac: str
    reason: str


@dataclass(slots=True)
class Parsed:
    rows_read: int = 0
    rows: list[TacRow] = field(default_factory=list)
    malformed: list[RowIssue] = field(default_factory=list)  # an error in strict mode
    skipped: list[RowIssue] = field(default_factory=list)  # dummies, repeated Osmocom TACs
    merged: list[RowIssue] = field(default_factory=list)  # repeated model-code TACs


class UnknownLayout(ValueError):
    """The file is not in the format it was imported as (wrong header, not JSON...)."""


def code_family(code: str) -> str:
    """What two model codes of the same device share: the Samsung family (SM-S921 for
    SM-S921B, SM-S921U1, SM-S921B/DS), else the whole code up to a "/" suffix."""
    code = code.strip().upper()
    match = _SAMSUNG_FAMILY.match(code)
    return match.group(0) if match else code.partition("/")[0]


def _model_code_in_name(name: str) -> str | None:
    """Osmocom names many Samsung phones by model code ("SM-A515F/DSN"): use it as one."""
    match = _SAMSUNG_FAMILY.match(name.upper())
    return name.upper().partition("/")[0] if match else None


def _check_tac(parsed: Parsed, line: int, raw: str) -> str | None:
    tac = raw.strip()
    if not _TAC.fullmatch(tac):
        what = "is empty" if not tac else f"{tac!r} is not 8 digits"
        parsed.malformed.append(RowIssue(line, tac, f"the TAC {what}"))
        return None
    if tac in DUMMY_TACS:
        parsed.skipped.append(RowIssue(line, tac, "placeholder TAC, names no device"))
        return None
    return tac


def _fits(parsed: Parsed, row: TacRow) -> bool:
    """The table's column widths; a longer value would be cut, so the row is refused."""
    too_long = [
        what
        for what, value, limit in (
            ("brand", row.brand, BRAND_MAX),
            ("name", row.name or "", NAME_MAX),
            ("model code", row.codes[0] if row.codes else "", CODE_MAX),
        )
        if len(value) > limit
    ]
    if too_long:
        parsed.malformed.append(RowIssue(row.line, row.tac, f"the {too_long[0]} is too long"))
    return not too_long


def _records(text: str, header_line: int) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The CSV header (lower-cased) and the records after it, with the line each ends on.
    Blank lines hold nothing to lose, so they are passed over."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header: list[str] = []
    for _ in range(header_line):
        header = next(reader, [])
    rows = ((reader.line_num, r) for r in reader if any(f.strip() for f in r))
    return [h.strip().lower() for h in header], rows


def parse_osmocom(text: str) -> Parsed:
    """The Osmocom tacdb export: line 1 a licence banner, line 2 ``tac,name,name,...``
    (TAC, brand, model, then contributor and links we do not keep)."""
    header, records = _records(text, header_line=2)
    if tuple(header[:3]) != OSMOCOM_HEADER:
        raise UnknownLayout(
            "line 2 must be the Osmocom header 'tac,name,name,...' after the licence banner"
        )
    parsed = Parsed()
    first_line: dict[str, int] = {}
    for line, record in records:
        parsed.rows_read += 1
        tac = _check_tac(parsed, line, record[0])
        if tac is None:
            continue
        brand, name = (f.strip() for f in [*record[1:3], "", ""][:2])
        if not brand or not name:
            parsed.malformed.append(RowIssue(line, tac, "the brand or model name is empty"))
            continue
        if tac in first_line:
            parsed.skipped.append(RowIssue(line, tac, f"TAC repeated; kept line {first_line[tac]}"))
            continue
        first_line[tac] = line
        code = _model_code_in_name(name)
        row = TacRow(line, tac, brand, name, (code,) if code else ())
        if _fits(parsed, row):
            parsed.rows.append(row)
    return parsed


def parse_model_codes(text: str, *, brand: str = "Samsung") -> Parsed:
    """``tac,model,model2,...``: a TAC and the model codes that use it (UTF-8, BOM or not)."""
    header, records = _records(text, header_line=1)
    if tuple(header[:2]) != MODEL_CODE_HEADER:
        raise UnknownLayout("line 1 must be the header 'tac,model,model2,...'")
    parsed = Parsed()
    by_tac: dict[str, TacRow] = {}
    for line, record in records:
        parsed.rows_read += 1
        tac = _check_tac(parsed, line, record[0])
        if tac is None:
            continue
        codes = tuple(dict.fromkeys(c.strip().upper() for c in record[1:] if c.strip()))
        if not codes:
            parsed.malformed.append(RowIssue(line, tac, "no model code"))
            continue
        first = by_tac.get(tac)
        if first is not None:
            codes = tuple(dict.fromkeys(first.codes + codes))
            parsed.merged.append(
                RowIssue(line, tac, f"TAC repeated; its codes merged into line {first.line}")
            )
        row = TacRow(first.line if first else line, tac, brand, ", ".join(codes), codes)
        if _fits(parsed, row):
            by_tac[tac] = row
    parsed.rows = list(by_tac.values())
    return parsed


@dataclass(frozen=True, slots=True)
class AppleName:
    identifier: str  # e.g. "iPhone16,1"
    names: tuple[str, ...]  # marketing names; a Mac identifier may have several


def parse_apple(text: str) -> tuple[list[AppleName], list[RowIssue]]:
    """A JSON object: Apple product identifier -> marketing name (or list of names).
    An entry that is not a name is reported (``line`` is its position in the object)."""
    try:
        data = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        raise UnknownLayout(f"not JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise UnknownLayout("the Apple identifier map must be a JSON object")
    entries, problems = [], []
    for position, (identifier, value) in enumerate(data.items(), start=1):
        names = [value] if isinstance(value, str) else value
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(n, str) and n.strip() for n in names)
        ):
            problems.append(RowIssue(position, identifier, "the name is not text"))
            continue
        entries.append(AppleName(identifier.strip(), tuple(n.strip() for n in names)))
    return entries, problems
