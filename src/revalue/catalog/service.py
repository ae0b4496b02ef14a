"""Catalog use cases: import and export CSV, browse models. Services never commit."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from revalue.catalog import csvformat, repository
from revalue.catalog.csvformat import CatalogImportError, RowError
from revalue.catalog.models import DeviceModel, ModelIdentifier, Variant
from revalue.domain.errors import NotFound


@dataclass(slots=True)
class ImportReport:
    rows: int
    models_created: int = 0
    models_updated: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    errors: list[RowError] = field(default_factory=list)


def import_csv(session: Session, text: str, *, skip_invalid: bool = False) -> ImportReport:
    """Upsert models and variants from CSV.

    With any bad row, nothing is written and :class:`CatalogImportError` lists every problem;
    with ``skip_invalid`` the good rows are written and the bad ones are still reported.
    """
    parsed = csvformat.parse(text)
    errors = list(parsed.errors)
    existing_variants = repository.variants_by_sku(session, (v.sku for v in parsed.variants))
    owners = repository.identifier_owners(
        session, {i for m in parsed.models.values() for i in m.identifiers}
    )
    rejected_models: set[str] = set()
    for model in parsed.models.values():
        for ident in model.identifiers:
            owner = owners.get(ident)
            if owner is not None and owner != model.model_id:
                line = next(v.line for v in parsed.variants if v.model_id == model.model_id)
                errors.append(
                    RowError(
                        line,
                        "identifiers",
                        f"{ident[0]}:{ident[1]} already names catalog model {owner}",
                    )
                )
                rejected_models.add(model.model_id)
    variants = []
    for variant in parsed.variants:
        known = existing_variants.get(variant.sku)
        if known is not None and known.model_id != variant.model_id:
            errors.append(
                RowError(
                    variant.line,
                    "variant_sku",
                    f"already belongs to catalog model {known.model_id}",
                )
            )
        elif variant.model_id not in rejected_models:
            variants.append(variant)
    errors.sort(key=lambda e: (e.line, e.field))
    if errors and not skip_invalid:
        raise CatalogImportError(
            f"{len(errors)} problem(s) in the catalog file; nothing was imported",
            errors=[{"line": e.line, "field": e.field, "reason": e.reason} for e in errors],
        )
    report = ImportReport(rows=parsed.rows, errors=errors)
    wanted = {v.model_id for v in variants}
    models = repository.models_by_id(session, wanted)
    for model_id in sorted(wanted):
        row = parsed.models[model_id]
        model = models.get(model_id)
        if model is None:
            model = DeviceModel(id=model_id)
            session.add(model)
            report.models_created += 1
        else:
            report.models_updated += 1
        model.brand, model.name, model.category = row.brand, row.name, str(row.category)
        model.release_date, model.weight_g = row.release_date, row.weight_g
        current = {(i.scheme, i.value) for i in model.identifiers}
        if current != set(row.identifiers):
            model.identifiers.clear()
            session.flush()
            model.identifiers.extend(ModelIdentifier(scheme=s, value=v) for s, v in row.identifiers)
    session.flush()
    for row in variants:
        variant = existing_variants.get(row.sku)
        if variant is None:
            variant = Variant(sku=row.sku, model_id=row.model_id)
            session.add(variant)
            report.variants_created += 1
        else:
            report.variants_updated += 1
        variant.storage_gb, variant.ram_gb, variant.connectivity = (
            row.storage_gb,
            row.ram_gb,
            row.connectivity,
        )
        variant.launch_price, variant.currency = row.launch_price, row.currency
    if variants:
        repository.bump_version(session)
    session.flush()
    return report


def export_csv(session: Session) -> str:
    rows = []
    for model in repository.all_models(session):
        identifiers = ";".join(
            f"{i.scheme}:{i.value}"
            for i in sorted(model.identifiers, key=lambda i: (i.scheme, i.value))
        )
        for variant in model.variants:
            rows.append(
                {
                    "model_id": model.id,
                    "brand": model.brand,
                    "name": model.name,
                    "category": model.category,
                    "release_date": model.release_date.isoformat(),
                    "weight_g": model.weight_g,
                    "identifiers": identifiers,
                    "variant_sku": variant.sku,
                    "storage_gb": variant.storage_gb,
                    "ram_gb": variant.ram_gb,
                    "connectivity": variant.connectivity,
                    "launch_price": variant.launch_price,
                    "currency": variant.currency,
                }
            )
    return csvformat.render(rows)


class ModelNotFound(NotFound):
    code = "model_not_found"


class VariantNotFound(NotFound):
    code = "variant_not_found"


def get_model(session: Session, model_id: str) -> DeviceModel:
    model = repository.get_model(session, model_id)
    if model is None:
        raise ModelNotFound(f"no catalog model {model_id!r}", field="model_id")
    return model


def get_variant(session: Session, sku: str) -> Variant:
    variant = repository.get_variant(session, sku)
    if variant is None:
        raise VariantNotFound(f"no catalog variant {sku!r}", field="variant_sku")
    return variant


def list_models(
    session: Session,
    *,
    category: str | None = None,
    brand: str | None = None,
    search: str | None = None,
) -> list[DeviceModel]:
    return repository.list_models(session, category=category, brand=brand, search=search)
