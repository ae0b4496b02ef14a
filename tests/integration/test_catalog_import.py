from pathlib import Path

import pytest
from sqlalchemy import func, select

from revalue.catalog import service
from revalue.catalog.csvformat import CatalogImportError
from revalue.catalog.models import DeviceModel, Variant
from revalue.domain.catalog import Category
from tests import factories

DEFAULT = Path(__file__).parents[2] / "src/revalue/catalog/data/default_catalog.csv"


def counts(session):
    return (
        session.scalar(select(func.count()).select_from(DeviceModel)),
        session.scalar(select(func.count()).select_from(Variant)),
    )


def test_the_default_catalog_imports_whole(sessions):
    with sessions.begin() as s:
        report = service.import_csv(s, DEFAULT.read_text(encoding="utf-8"))
    assert report.errors == []
    with sessions() as s:
        models = service.list_models(s)
        assert len(models) >= 60
        assert {m.category for m in models} == {str(c) for c in Category}
        for category in Category:
            assert len([m for m in models if m.category == category]) >= 10
        assert counts(s) == (report.models_created, report.variants_created)


def test_a_bad_row_writes_nothing_and_reports_every_problem(sessions):
    with sessions.begin() as s:
        service.import_csv(s, factories.CATALOG_CSV)
    with sessions() as s:
        before_counts, before_export = counts(s), service.export_csv(s)
    bad = factories.CATALOG_CSV + (
        "new-phone,Acme,Phone,smartphone,2024-01-01,150,,new-phone-64,64,,,199.00,USD\n"
        "broken,Acme,Broken,toaster,2024-01-01,150,,broken-1,1,,,-5,USD\n"
    )
    with pytest.raises(CatalogImportError) as exc, sessions.begin() as s:
        service.import_csv(s, bad)
    lines = {(e["line"], e["field"]) for e in exc.value.details["errors"]}
    assert lines == {(9, "category"), (9, "launch_price")}
    with sessions() as s:
        assert counts(s) == before_counts
        assert service.export_csv(s) == before_export


def test_skip_invalid_imports_the_good_rows_and_still_reports_the_bad(sessions):
    text = factories.CATALOG_CSV + "broken,Acme,Broken,toaster,2024-01-01,150,,b-1,1,,,5,USD\n"
    with sessions.begin() as s:
        report = service.import_csv(s, text, skip_invalid=True)
    assert [(e.line, e.field) for e in report.errors] == [(8, "category")]
    assert (report.models_created, report.variants_created) == (5, 6)


def test_import_is_an_upsert_and_export_round_trips(sessions):
    with sessions.begin() as s:
        service.import_csv(s, factories.CATALOG_CSV)
    with sessions() as s:
        exported = service.export_csv(s)
    changed = exported.replace("799.00", "829.00")
    with sessions.begin() as s:
        report = service.import_csv(s, changed)
    assert (report.models_created, report.models_updated) == (0, 5)
    assert (report.variants_created, report.variants_updated) == (0, 6)
    with sessions() as s:
        assert service.get_variant(s, factories.PHONE).launch_price == 82900
        assert service.export_csv(s) == changed


def test_an_identifier_already_owned_by_another_model_is_refused(sessions):
    with sessions.begin() as s:
        service.import_csv(s, factories.CATALOG_CSV)
    thief = (
        factories.CATALOG_CSV.splitlines()[0]
        + '\nother-phone,Acme,Other,smartphone,2024-01-01,150,"apple:iPhone15,4",other-64,64,,,'
        "99.00,USD\n"
    )
    with pytest.raises(CatalogImportError) as exc, sessions.begin() as s:
        service.import_csv(s, thief)
    assert exc.value.details["errors"][0]["reason"] == (
        "apple:iPhone15,4 already names catalog model apple-iphone-15"
    )
