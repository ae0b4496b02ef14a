"""Identification from TAC tables: import the public files, link them to the catalog, and say
what a TAC is, from which source and how sure we are. Services never commit.

Linking to the catalog (done at import, stored in ``tac_entries.catalog_model_id``; import
again after a catalog change to refresh the links):

* A model code links through the catalog's ``model_code:`` identifiers: the exact code, else
  its family (``code_family``: SM-S921U1 -> SM-S921) when every catalog code of that family
  names one model. A TAC listing codes of two catalog models links to neither.
* An Osmocom brand and name link when they equal a catalog model's, case and punctuation
  aside. A name alone is weak evidence (old rows, reused TACs): alone it gives low confidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from revalue.catalog.models import DeviceModel, ModelIdentifier
from revalue.domain.context import Context
from revalue.domain.errors import InvalidInput
from revalue.identity import identifiers, tac_formats
from revalue.identity.models import TacEntry
from revalue.identity.tac_formats import Parsed, RowIssue, TacRow, code_family

FORMATS: dict[str, Callable[[str], Parsed]] = {
    "osmocom": tac_formats.parse_osmocom,
    "samsung": tac_formats.parse_model_codes,
}
LINKED_BY_NAME = frozenset({"osmocom"})  # sources whose catalog link is a name match
CHUNK = 2000  # rows per executemany: big enough to be fast, small enough to show progress
_PUNCTUATION = re.compile(r"[^0-9a-z]+")
TABLE = TacEntry.__table__  # Core, not ORM units of work: 22k rows go in as executemany


class Confidence(StrEnum):
    HIGH = "high"  # two or more sources agree and link to one catalog model
    MEDIUM = "medium"  # one source links by model code, none disagrees
    LOW = "low"  # only names, a name match alone, or sources that disagree
    NONE = "none"  # unknown TAC: unidentified, not an error


class TacImportError(InvalidInput):
    code = "tac_import_invalid"


@dataclass(slots=True)
class ImportReport:
    source: str
    rows_read: int = 0
    imported: int = 0
    linked: int = 0  # imported rows linked to a catalog model
    replaced: int = 0  # rows of the previous import of this source, now replaced
    skipped: list[RowIssue] = field(default_factory=list)  # malformed, dummies, repeats
    merged: list[RowIssue] = field(default_factory=list)


def import_file(
    session: Session,
    fmt: str,
    text: str,
    ctx: Context,
    *,
    strict: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Replace the rows of source ``fmt`` with the file's, in the caller's transaction.

    Malformed rows are skipped and reported by line; with ``strict`` any malformed row
    refuses the whole file and nothing is written. ``progress(written, total)`` is called
    after each chunk.
    """
    parse = FORMATS.get(fmt)
    if parse is None:
        raise InvalidInput(f"unknown TAC format {fmt!r}: use {', '.join(FORMATS)}", field="format")
    try:
        parsed = parse(text)
    except tac_formats.UnknownLayout as exc:
        raise TacImportError(f"not a {fmt} file: {exc}", field="body") from None
    if strict and parsed.malformed:
        raise TacImportError(
            f"{len(parsed.malformed)} malformed row(s) in the {fmt} file; nothing was imported",
            errors=[{"line": i.line, "field": "tac", "reason": i.reason} for i in parsed.malformed],
        )
    links = CatalogLinks.load(session)
    report = ImportReport(
        source=fmt,
        rows_read=parsed.rows_read,
        skipped=sorted(parsed.malformed + parsed.skipped, key=lambda i: i.line),
        merged=parsed.merged,
    )
    report.replaced = session.execute(delete(TABLE).where(TABLE.c.source == fmt)).rowcount
    values = [_values(row, fmt, links, ctx) for row in parsed.rows]
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        session.execute(insert(TABLE), chunk)
        if progress is not None:
            progress(start + len(chunk), len(values))
    report.imported = len(values)
    report.linked = sum(1 for v in values if v["catalog_model_id"])
    return report


def _values(row: TacRow, source: str, links: CatalogLinks, ctx: Context) -> dict:
    by_name = source in LINKED_BY_NAME and not row.codes
    return {
        "tac": row.tac,
        "source": source,
        "brand": row.brand,
        "name": row.name,
        "model_code": row.codes[0] if row.codes else None,
        "catalog_model_id": links.by_name(row.brand, row.name)
        if by_name
        else links.by_codes(row.codes),
        "imported_at": ctx.now,
    }


def _key(*parts: str) -> str:
    return _PUNCTUATION.sub(" ", " ".join(parts).lower()).strip()


@dataclass(frozen=True, slots=True)
class CatalogLinks:
    """The catalog's model codes, code families, Apple identifiers and names, read once."""

    codes: dict[str, str]
    families: dict[str, str | None]  # None: the family spans several models
    apple: dict[str, str]
    names: dict[str, str]

    @classmethod
    def load(cls, session: Session) -> CatalogLinks:
        codes: dict[str, str] = {}
        apple: dict[str, str] = {}
        families: dict[str, str | None] = {}
        rows = session.execute(
            select(ModelIdentifier.scheme, ModelIdentifier.value, ModelIdentifier.model_id)
        )
        for scheme, value, model_id in rows:
            if scheme == "model_code":
                codes[value.upper()] = model_id
                family = code_family(value)
                families[family] = model_id if families.get(family, model_id) == model_id else None
            elif scheme == "apple":
                apple[value] = model_id
        names = {
            _key(brand, name.removeprefix(brand)): model_id
            for model_id, brand, name in session.execute(
                select(DeviceModel.id, DeviceModel.brand, DeviceModel.name)
            )
        }
        return cls(codes, families, apple, names)

    def by_code(self, code: str) -> str | None:
        return self.codes.get(code.upper()) or self.families.get(code_family(code))

    def by_codes(self, codes: Iterable[str]) -> str | None:
        found = {m for m in (self.by_code(c) for c in codes) if m}
        return found.pop() if len(found) == 1 else None

    def by_name(self, brand: str, name: str | None) -> str | None:
        return self.names.get(_key(brand, (name or "").removeprefix(brand)))


@dataclass(frozen=True, slots=True)
class Candidate:
    source: str
    brand: str | None
    name: str | None
    model_code: str | None
    catalog_model_id: str | None

    @property
    def label(self) -> str:
        what = self.model_code if self.source not in LINKED_BY_NAME else self.name
        return " ".join(p for p in (self.brand, what or self.name) if p)

    def families(self) -> set[str]:
        codes = (
            [self.model_code] if self.source in LINKED_BY_NAME else (self.name or "").split(", ")
        )
        return {code_family(c) for c in codes if c}


@dataclass(frozen=True, slots=True)
class Identification:
    tac: str
    imei: str | None  # canonical, when an IMEI was given
    candidates: tuple[Candidate, ...]
    catalog_model_id: str | None
    confidence: Confidence
    reason: str  # why this confidence, for the person who looks at a flag
    catalog_name: str | None = None

    @property
    def source(self) -> str | None:
        """The sources behind the answer: those linking to the model, else all that know it."""
        backing = [c for c in self.candidates if c.catalog_model_id == self.catalog_model_id]
        return "+".join(c.source for c in (backing or self.candidates)) or None

    @property
    def name(self) -> str | None:
        if self.catalog_name:
            return self.catalog_name
        return self.candidates[0].label if self.candidates else None


def identify(session: Session, imei_or_tac: str) -> Identification:
    """What the TAC tables say an IMEI (or a bare 8-digit TAC) is. An invalid IMEI raises
    ``InvalidImei``; an unknown TAC is an answer (confidence ``none``), not an error."""
    if len(identifiers.compact(imei_or_tac)) == 8:
        tac, imei = identifiers.normalize_tac(imei_or_tac), None
    else:
        imei = identifiers.normalize_imei(imei_or_tac)
        tac = imei[:8]
    rows = session.scalars(select(TacEntry).where(TacEntry.tac == tac).order_by(TacEntry.source))
    candidates = tuple(
        Candidate(r.source, r.brand, r.name, r.model_code, r.catalog_model_id) for r in rows
    )
    model_id, confidence, reason = judge(candidates)
    model = session.get(DeviceModel, model_id) if model_id else None
    name = f"{model.brand} {model.name.removeprefix(model.brand).strip()}" if model else None
    return Identification(tac, imei, candidates, model_id, confidence, reason, name)


def judge(candidates: tuple[Candidate, ...]) -> tuple[str | None, Confidence, str]:
    """(catalog model, confidence, reason) from what each source says. Sources disagree when
    they link to different models, name different brands, or give model codes of different
    families. The model is kept when the linking sources agree on it, even if another
    source disagrees: the low confidence is what asks a person to look."""
    if not candidates:
        return None, Confidence.NONE, "unidentified: no source knows this TAC"
    linked = {c.catalog_model_id for c in candidates if c.catalog_model_id}
    model_id = linked.pop() if len(linked) == 1 else None
    disagreement = _disagreement(candidates)
    if disagreement:
        return model_id, Confidence.LOW, disagreement
    linking = [c for c in candidates if c.catalog_model_id]
    if not linking:
        return None, Confidence.LOW, "known by name only: no catalog model matches"
    if len(linking) >= 2:
        return model_id, Confidence.HIGH, f"{len(linking)} sources agree"
    if linking[0].source in LINKED_BY_NAME:
        # Osmocom's rows are old and community-kept, and TACs get reused: never enough alone.
        return model_id, Confidence.LOW, f"only {linking[0].source} links it"
    return model_id, Confidence.MEDIUM, f"{linking[0].source} links it by model code"


def _disagreement(candidates: tuple[Candidate, ...]) -> str | None:
    linked = sorted({c.catalog_model_id for c in candidates if c.catalog_model_id})
    if len(linked) > 1:
        return f"sources disagree: catalog models {', '.join(linked)}"
    brands = {_key(c.brand or "") for c in candidates}
    coded = [c.families() for c in candidates if c.families()]
    if len(brands) > 1 or (len(coded) > 1 and not set.intersection(*coded)):
        said = "; ".join(f"{c.source} says {c.label}" for c in candidates)
        return f"sources disagree: {said}"
    return None


@dataclass(frozen=True, slots=True)
class ProductIdentification:
    identifier: str
    catalog_model_id: str | None
    name: str | None
    confidence: Confidence  # high: the catalog names the identifier; none: unknown


def identify_product(session: Session, identifier: str) -> ProductIdentification:
    """An Apple product identifier ("iPhone16,1", as a diagnostics tool reports it) through
    the catalog's ``apple:`` identifiers."""
    identifier = identifier.strip()
    model_id = CatalogLinks.load(session).apple.get(identifier)
    model = session.get(DeviceModel, model_id) if model_id else None
    if model is None:
        return ProductIdentification(identifier, None, None, Confidence.NONE)
    return ProductIdentification(identifier, model.id, model.name, Confidence.HIGH)


@dataclass(slots=True)
class AppleReport:
    """An Apple identifier map checked against the catalog. The schema keeps TACs only, so
    nothing is written: the catalog's ``apple:`` identifiers are what identification uses,
    and this report shows which of them Apple's map confirms and which it does not know."""

    source: str = "apple"
    rows_read: int = 0
    linked: list[tuple[str, str, str]] = field(default_factory=list)  # id, Apple's name, model
    not_in_catalog: int = 0
    unknown_to_apple: list[str] = field(default_factory=list)  # catalog ids Apple's map lacks
    skipped: list[RowIssue] = field(default_factory=list)


def check_apple(session: Session, text: str) -> AppleReport:
    try:
        entries, problems = tac_formats.parse_apple(text)
    except tac_formats.UnknownLayout as exc:
        raise TacImportError(f"not an apple file: {exc}", field="body") from None
    catalog = CatalogLinks.load(session).apple
    report = AppleReport(rows_read=len(entries) + len(problems), skipped=problems)
    for entry in entries:
        model_id = catalog.get(entry.identifier)
        if model_id:
            report.linked.append((entry.identifier, entry.names[0], model_id))
        else:
            report.not_in_catalog += 1
    # Only the families the file covers: an iPhone map says nothing of Mac identifiers.
    families = {re.sub(r"[\d,]+$", "", e.identifier) for e in entries}
    seen = {e.identifier for e in entries}
    report.unknown_to_apple = sorted(
        i for i in catalog if i not in seen and re.sub(r"[\d,]+$", "", i) in families
    )
    return report


def stats(session: Session) -> dict[str, tuple[int, int]]:
    """Per source: (rows, rows linked to a catalog model)."""
    stmt = (
        select(TacEntry.source, func.count(), func.count(TacEntry.catalog_model_id))
        .group_by(TacEntry.source)
        .order_by(TacEntry.source)
    )
    return {source: (rows, linked) for source, rows, linked in session.execute(stmt)}
