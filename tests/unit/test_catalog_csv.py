from revalue.catalog import csvformat
from tests import factories

HEADER = ",".join(csvformat.COLUMNS)
GOOD = (
    "apple-iphone-15,Apple,iPhone 15,smartphone,2023-09-22,171,,"
    "apple-iphone-15-128gb,128,,,799.00,USD"
)


def parse(*rows):
    return csvformat.parse("\n".join([HEADER, *rows]) + "\n")


def test_the_fixture_catalog_parses_without_errors():
    parsed = csvformat.parse(factories.CATALOG_CSV)
    assert parsed.errors == []
    assert len(parsed.models) == 5 and len(parsed.variants) == 6
    assert parsed.models["apple-iphone-15"].identifiers == (("apple", "iPhone15,4"),)
    assert parsed.variants[0].launch_price == 79900


def test_every_problem_of_every_row_is_reported_with_line_and_field():
    parsed = parse(
        GOOD,
        "Bad Id,Apple,X,phone,2023-13-01,-5,,x-1,abc,,,12.345,USD",
        "ok-model,Apple,Y,tablet,2023-01-01,400,,ok-model-64,64,,satellite,-1.00,XYZ",
    )
    found = {(e.line, e.field) for e in parsed.errors}
    assert {
        (3, "model_id"),
        (3, "category"),
        (3, "release_date"),
        (3, "weight_g"),
        (3, "storage_gb"),
        (3, "launch_price"),
    } <= found
    assert {(4, "connectivity"), (4, "currency")} <= found
    assert [v.sku for v in parsed.variants] == ["apple-iphone-15-128gb"]


def test_missing_required_field_and_missing_column():
    parsed = parse(GOOD.replace(",Apple,", ",,"))
    assert [(e.line, e.field, e.reason) for e in parsed.errors] == [(2, "brand", "is required")]
    no_currency = csvformat.parse(HEADER.rsplit(",", 1)[0] + "\n")
    assert no_currency.errors[0].field == "currency"


def test_duplicate_sku_and_inconsistent_model_rows_are_errors():
    parsed = parse(GOOD, GOOD, GOOD.replace("171", "172").replace("128gb,128", "256gb,256"))
    reasons = {(e.line, e.field): e.reason for e in parsed.errors}
    assert reasons[(3, "variant_sku")] == "duplicate of line 2"
    assert reasons[(4, "weight_g")] == "differs from line 2 of the same model"


def test_an_identifier_may_name_only_one_model():
    other = GOOD.replace("apple-iphone-15", "apple-iphone-15-plus")
    parsed = parse(
        GOOD.replace(",171,,", ',171,"apple:iPhone15,4",'),
        other.replace(",171,,", ',171,"apple:iPhone15,4",'),
    )
    assert [(e.line, e.field) for e in parsed.errors] == [(3, "identifiers")]


def test_render_round_trips():
    parsed = csvformat.parse(factories.CATALOG_CSV)
    rows = []
    for v in parsed.variants:
        m = parsed.models[v.model_id]
        rows.append(
            {
                "model_id": m.model_id,
                "brand": m.brand,
                "name": m.name,
                "category": m.category,
                "release_date": m.release_date.isoformat(),
                "weight_g": m.weight_g,
                "identifiers": ";".join(f"{s}:{x}" for s, x in m.identifiers),
                "variant_sku": v.sku,
                "storage_gb": v.storage_gb,
                "ram_gb": v.ram_gb,
                "connectivity": v.connectivity,
                "launch_price": v.launch_price,
                "currency": v.currency,
            }
        )
    again = csvformat.parse(csvformat.render(rows))
    assert again.errors == [] and again.models == parsed.models
    assert [(v.sku, v.launch_price) for v in again.variants] == [
        (v.sku, v.launch_price) for v in parsed.variants
    ]
