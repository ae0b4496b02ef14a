"""A business's manifest as CSV: one row per device, checked all at once.

Columns (docs/logistics.md, "Business lots"): ``imei`` and/or ``serial`` (at least one of the
two columns, and a value in at least one per row), ``model`` (a catalog variant SKU, or a model
id when the model has a single variant), ``cosmetic`` (flawless, good, fair, poor), and
optionally ``powers_on``, ``screen_cracked``, ``activation_lock_off`` (yes/no; by default the
device works, is uncracked and unlocked), ``faults`` (``battery;camera``) and ``asset_tag``.

Every row is checked and every problem is collected as (line, column, message), never
stopping at the first, so the business fixes its file once. Nothing here touches the
database: the catalog facts come in as a mapping.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field

from revalue.domain.catalog import ModelFacts
from revalue.domain.condition import FAULTS_BY_CATEGORY, Condition, Cosmetic, Fault
from revalue.domain.errors import InvalidInput
from revalue.identity.identifiers import InvalidIdentifier, normalize_imei, normalize_serial

COLUMNS = (
    "imei",
    "serial",
    "model",
    "cosmetic",
    "powers_on",
    "screen_cracked",
    "activation_lock_off",
    "faults",
    "asset_tag",
)
MAX_ROWS = 20_000
MAX_BYTES = 8 * 1024 * 1024
PROBLEMS_SHOWN = 1000  # a file of 20,000 bad rows gets a readable error, not 20,000 lines
_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})


class InvalidManifest(InvalidInput):
    code = "manifest_invalid"


class ManifestTooLarge(InvalidInput):
    code = "manifest_too_large"


def too_large() -> ManifestTooLarge:
    return ManifestTooLarge(
        f"a manifest holds at most {MAX_ROWS:,} devices and {MAX_BYTES // 2**20} MB: split it "
        "into several lots",
        field="manifest",
        max_rows=MAX_ROWS,
        max_bytes=MAX_BYTES,
    )


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    column: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ManifestRow:
    line: int
    imei: str | None
    serial: str | None
    variant_sku: str
    model_id: str
    condition: Condition
    asset_tag: str | None


@dataclass(slots=True)
class Parsed:
    rows: list[ManifestRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def parse(
    text: str, *, facts: Mapping[str, ModelFacts], accepted_categories: frozenset[str]
) -> list[ManifestRow]:
    """The manifest's rows, or InvalidManifest listing every problem of the file."""
    parsed = check(text, facts=facts, accepted_categories=accepted_categories)
    if parsed.problems:
        problems = parsed.problems
        raise InvalidManifest(
            f"{len(problems)} problem(s) in the manifest; nothing was written",
            field="manifest",
            problem_count=len(problems),
            problems=[
                {"line": p.line, "column": p.column, "message": p.message}
                for p in problems[:PROBLEMS_SHOWN]
            ],
        )
    return parsed.rows


def check(
    text: str, *, facts: Mapping[str, ModelFacts], accepted_categories: frozenset[str]
) -> Parsed:
    """Every good row and every problem; a file with problems is refused whole by ``parse``."""
    out = Parsed()
    if len(text.encode()) > MAX_BYTES:
        raise too_large()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or ()]
    reader.fieldnames = header
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        out.problems.append(Problem(1, ",".join(unknown), f"unknown column(s); known: {_names()}"))
    missing = [c for c in ("model", "cosmetic") if c not in header]
    if "imei" not in header and "serial" not in header:
        missing.insert(0, "imei or serial")
    if missing:
        out.problems.append(Problem(1, ",".join(missing), "missing column(s) in the header"))
    if out.problems:
        return out
    variants_of = _variants_by_model(facts)
    seen: dict[tuple[str, str], int] = {}  # (column, value) -> first line
    for raw in reader:
        if len(out.rows) + len(out.problems) >= MAX_ROWS:
            raise too_large()
        line = reader.line_num
        row = {k: (raw.get(k) or "").strip() for k in COLUMNS}
        if None in raw:  # more fields than the header names
            out.problems.append(Problem(line, "", "more fields than the header has columns"))
            continue
        if not any(row.values()):
            continue  # a blank line at the end of a spreadsheet's export
        problems: list[Problem] = []
        parsed, ids = _row(row, line, facts, variants_of, accepted_categories, problems)
        for column, value in zip(("imei", "serial"), ids, strict=True):
            if value is None:
                continue
            first = seen.setdefault((column, value), line)
            if first != line:
                problems.append(Problem(line, column, f"{value} is also on line {first}"))
        if problems or parsed is None:
            out.problems.extend(problems)
        else:
            out.rows.append(parsed)
    if not out.rows and not out.problems:
        out.problems.append(Problem(1, "", "the manifest has a header but no devices"))
    return out


def _row(
    row: dict[str, str],
    line: int,
    facts: Mapping[str, ModelFacts],
    variants_of: Mapping[str, list[str]],
    accepted: frozenset[str],
    problems: list[Problem],
) -> tuple[ManifestRow | None, tuple[str | None, str | None]]:
    """The row (None if it has problems) and its identifiers, normalized where they are well
    formed, else as written: a malformed IMEI repeated is still reported as a duplicate."""

    def fail(column: str, message: str) -> None:
        problems.append(Problem(line, column, message))

    imei = row["imei"] or None
    serial = row["serial"].upper() or None
    if imei:
        try:
            imei = normalize_imei(imei)
        except InvalidIdentifier as exc:
            fail("imei", exc.message)
    if serial:
        try:
            serial = normalize_serial(serial)
        except InvalidIdentifier as exc:
            fail("serial", exc.message)
    if not row["imei"] and not row["serial"]:
        fail("imei", "each device needs an IMEI or a serial number")
    sku = _variant(row["model"], facts, variants_of, fail)
    model = facts.get(sku) if sku else None
    if model is not None and str(model.category) not in accepted:
        fail("model", f"the program does not accept {model.category} devices")
    try:
        cosmetic = Cosmetic(row["cosmetic"].lower())
    except ValueError:
        fail("cosmetic", f"{row['cosmetic']!r} is not one of {', '.join(Cosmetic)}")
        cosmetic = None
    flags = {
        name: _yes_no(row[name], default, name, fail)
        for name, default in (("powers_on", True), ("screen_cracked", False),
                              ("activation_lock_off", True))
    }  # fmt: skip
    faults = set()
    for part in filter(None, (p.strip().lower() for p in row["faults"].split(";"))):
        try:
            faults.add(Fault(part))
        except ValueError:
            fail("faults", f"{part!r} is not a fault; faults are: {', '.join(Fault)}")
    if model is not None:
        foreign = sorted(faults - FAULTS_BY_CATEGORY[model.category])
        if foreign:
            fail("faults", f"{', '.join(foreign)} do not apply to a {model.category}")
    if len(row["asset_tag"]) > 80:
        fail("asset_tag", "an asset tag has at most 80 characters")
    if problems or model is None or sku is None or cosmetic is None:
        return None, (imei, serial)
    return ManifestRow(
        line=line,
        imei=imei,
        serial=serial,
        variant_sku=sku,
        model_id=model.model_id,
        condition=Condition(
            powers_on=bool(flags["powers_on"]),
            screen_cracked=bool(flags["screen_cracked"]),
            cosmetic=cosmetic,
            faults=frozenset(faults),
            activation_lock_off=bool(flags["activation_lock_off"]),
        ),
        asset_tag=row["asset_tag"] or None,
    ), (imei, serial)


def _variant(value: str, facts: Mapping[str, ModelFacts], variants_of, fail) -> str | None:  # type: ignore[no-untyped-def]
    """The variant SKU a ``model`` cell names: a SKU, or a model id with a single variant."""
    if not value:
        fail("model", "is required: a variant SKU or a model id")
        return None
    key = value.lower()
    if key in facts:
        return key
    skus = variants_of.get(key)
    if skus is None:
        fail("model", f"{value!r} is neither a catalog variant SKU nor a model id")
        return None
    if len(skus) > 1:
        shown = ", ".join(skus[:5]) + (", …" if len(skus) > 5 else "")
        fail("model", f"model {key} comes in {len(skus)} variants ({shown}): give the SKU")
        return None
    return skus[0]


def _variants_by_model(facts: Mapping[str, ModelFacts]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for sku, model in facts.items():
        out.setdefault(model.model_id, []).append(sku)
    return {k: sorted(v) for k, v in out.items()}


def _yes_no(value: str, default: bool, column: str, fail) -> bool | None:  # type: ignore[no-untyped-def]
    text = value.lower()
    if not text:
        return default
    if text in _YES:
        return True
    if text in _NO:
        return False
    fail(column, f"{value!r} is not yes or no")
    return None


def _names() -> str:
    return ", ".join(COLUMNS)


def identify(scan: str) -> tuple[str, str]:
    """What a scanned barcode is: ("imei", the IMEI) for 15 digits with a valid check digit,
    else ("serial", the serial); InvalidIdentifier for anything else."""
    text = scan.strip()
    digits = text.replace(" ", "").replace("-", "")
    if digits.isdigit() and len(digits) == 15:
        return "imei", normalize_imei(digits, field="scans")
    if digits.isdigit() and len(digits) in (14, 16):
        normalize_imei(digits, field="scans")  # raises, naming what is wrong
    return "serial", normalize_serial(text, field="scans")
