"""The catalog's CSV format: one row per variant, the model's fields repeated on each row.

Parsing checks every row and collects every problem as (line, field, reason); it never stops at
the first. Nothing here touches the database: the service decides what to write.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from revalue.domain.catalog import Category
from revalue.domain.errors import InvalidInput
from revalue.domain.money import MINOR_UNITS, format_major, parse_major

COLUMNS = (
    "model_id",
    "brand",
    "name",
    "category",
    "release_date",
    "weight_g",
    "identifiers",
    "variant_sku",
    "storage_gb",
    "ram_gb",
    "connectivity",
    "launch_price",
    "currency",
)
OPTIONAL = ("identifiers", "ram_gb", "connectivity")
REQUIRED = tuple(c for c in COLUMNS if c not in OPTIONAL)
CONNECTIVITY = ("wifi", "cellular", "gps")
IDENTIFIER_SCHEMES = ("apple", "model_code", "tac")
MODEL_FIELDS = ("brand", "name", "category", "release_date", "weight_g", "identifiers")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,118}[a-z0-9]$")


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    field: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelRow:
    model_id: str
    brand: str
    name: str
    category: Category
    release_date: date
    weight_g: int
    identifiers: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class VariantRow:
    line: int
    sku: str
    model_id: str
    storage_gb: int
    ram_gb: int | None
    connectivity: str | None
    launch_price: int
    currency: str


@dataclass(slots=True)
class ParsedCatalog:
    models: dict[str, ModelRow] = field(default_factory=dict)
    variants: list[VariantRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


class CatalogImportError(InvalidInput):
    code = "catalog_import_invalid"


def parse(text: str) -> ParsedCatalog:
    """Every good row, and every bad row's problems; bad rows are left out of the result."""
    out = ParsedCatalog()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = tuple(reader.fieldnames or ())
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        out.errors.append(RowError(1, ",".join(missing), "missing column(s) in the header"))
        return out
    seen_skus: dict[str, int] = {}
    seen_identifiers: dict[tuple[str, str], str] = {}
    first_line_of_model: dict[str, int] = {}
    for raw in reader:
        out.rows += 1
        line = reader.line_num
        errors: list[RowError] = []
        row = {k: (raw.get(k) or "").strip() for k in COLUMNS}
        model, variant = _parse_row(row, line, errors)
        if model is not None:
            known = out.models.get(model.model_id)
            if known is not None and known != model:
                for name in MODEL_FIELDS:
                    if getattr(known, name) != getattr(model, name):
                        first = first_line_of_model[model.model_id]
                        errors.append(
                            RowError(line, name, f"differs from line {first} of the same model")
                        )
            for ident in model.identifiers:
                owner = seen_identifiers.get(ident)
                if owner is not None and owner != model.model_id:
                    errors.append(
                        RowError(line, "identifiers", f"{ident[0]}:{ident[1]} also names {owner}")
                    )
        if variant is not None and variant.sku in seen_skus:
            errors.append(
                RowError(line, "variant_sku", f"duplicate of line {seen_skus[variant.sku]}")
            )
        if errors or model is None or variant is None:
            out.errors.extend(errors)
            continue
        seen_skus[variant.sku] = line
        first_line_of_model.setdefault(model.model_id, line)
        out.models.setdefault(model.model_id, model)
        for ident in model.identifiers:
            seen_identifiers[ident] = model.model_id
        out.variants.append(variant)
    if out.rows == 0:
        out.errors.append(RowError(1, "", "the file has a header but no rows"))
    return out


def _parse_row(
    row: dict[str, str], line: int, errors: list[RowError]
) -> tuple[ModelRow | None, VariantRow | None]:
    def fail(name: str, reason: str) -> None:
        errors.append(RowError(line, name, reason))

    for name in REQUIRED:
        if not row[name]:
            fail(name, "is required")
    if errors:
        return None, None
    for name in ("model_id", "variant_sku"):
        if not _SLUG.match(row[name]):
            fail(name, f"{row[name]!r} is not a lowercase slug (a-z, 0-9, dashes)")
    try:
        category = Category(row["category"])
    except ValueError:
        fail("category", f"{row['category']!r} is not one of {', '.join(Category)}")
        category = None
    try:
        released = date.fromisoformat(row["release_date"])
    except ValueError:
        fail("release_date", f"{row['release_date']!r} is not a date (YYYY-MM-DD)")
        released = None
    weight = _positive_int(row["weight_g"], "weight_g", fail)
    storage = _positive_int(row["storage_gb"], "storage_gb", fail)
    ram = _positive_int(row["ram_gb"], "ram_gb", fail) if row["ram_gb"] else None
    connectivity = row["connectivity"] or None
    if connectivity is not None and connectivity not in CONNECTIVITY:
        fail("connectivity", f"{connectivity!r} is not one of {', '.join(CONNECTIVITY)}")
    identifiers = _identifiers(row["identifiers"], fail)
    currency = row["currency"]
    price = None
    if currency not in MINOR_UNITS:
        fail("currency", f"{currency!r} is not an ISO 4217 currency code")
    else:
        try:
            price = parse_major(row["launch_price"], currency, field="launch_price")
        except InvalidInput as exc:
            fail("launch_price", exc.message)
        else:
            if price == 0:
                fail("launch_price", "must be more than zero")
    if errors:
        return None, None
    assert category and released and weight and storage and price is not None
    model = ModelRow(
        model_id=row["model_id"],
        brand=row["brand"],
        name=row["name"],
        category=category,
        release_date=released,
        weight_g=weight,
        identifiers=identifiers,
    )
    variant = VariantRow(
        line=line,
        sku=row["variant_sku"],
        model_id=row["model_id"],
        storage_gb=storage,
        ram_gb=ram,
        connectivity=connectivity,
        launch_price=price,
        currency=currency,
    )
    return model, variant


def _positive_int(text: str, name: str, fail) -> int | None:  # type: ignore[no-untyped-def]
    if not text.isdigit() or int(text) <= 0:
        fail(name, f"{text!r} is not a whole number above zero")
        return None
    return int(text)


def _identifiers(text: str, fail) -> tuple[tuple[str, str], ...]:  # type: ignore[no-untyped-def]
    out: list[tuple[str, str]] = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        scheme, sep, value = part.partition(":")
        if not sep or not value or scheme not in IDENTIFIER_SCHEMES:
            fail(
                "identifiers",
                f"{part!r} is not scheme:value with scheme in {', '.join(IDENTIFIER_SCHEMES)}",
            )
            continue
        if (scheme, value) not in out:
            out.append((scheme, value))
    return tuple(sorted(out))


def render(rows: Iterable[dict[str, object]]) -> str:
    """Write rows (dicts with the COLUMNS keys, money in minor units) in the import format."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        out = {k: ("" if row.get(k) is None else row[k]) for k in COLUMNS}
        out["launch_price"] = format_major(int(row["launch_price"]), str(row["currency"]))
        writer.writerow(out)
    return buf.getvalue()
