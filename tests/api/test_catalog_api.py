"""The catalog over HTTP: browse, look up, import CSV (all or nothing, or skipping bad rows),
export, and the export/import round trip."""

from tests import factories
from tests.api.support import PHONE, assert_error

HEADER = factories.CATALOG_CSV.splitlines()[0]
NEW_ROWS = [
    "samsung-galaxy-s24,Samsung,Galaxy S24,smartphone,2024-01-31,167,model_code:SM-S921B,"
    "samsung-galaxy-s24-128gb,128,8,,799.99,USD",
    "samsung-galaxy-s24,Samsung,Galaxy S24,smartphone,2024-01-31,167,model_code:SM-S921B,"
    "samsung-galaxy-s24-256gb,256,8,,859.99,USD",
    "samsung-galaxy-tab-s9,Samsung,Galaxy Tab S9,tablet,2023-08-11,498,,"
    "samsung-galaxy-tab-s9-128gb-wifi,128,8,wifi,799.99,USD",
]
BAD_PRICE = (
    "samsung-galaxy-a55,Samsung,Galaxy A55,smartphone,2024-03-11,213,,"
    "samsung-galaxy-a55-128gb,128,8,,-5,USD"
)
BAD_CATEGORY = (
    "fairphone-5,Fairphone,Fairphone 5,phone,2023-08-30,212,,fairphone-5-256gb,256,8,,699.00,EUR"
)


def csv(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


def post_csv(client, text: str | bytes, **params):
    body = text.encode() if isinstance(text, str) else text
    return client.post(
        "/catalog/import", content=body, params=params, headers={"content-type": "text/csv"}
    )


def export(client) -> str:
    r = client.get("/catalog/export")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    return r.text


def model_ids(client, **params) -> set[str]:
    r = client.get("/catalog/models", params=params)
    assert r.status_code == 200, r.text
    return {m["id"] for m in r.json()}


ALL_MODELS = {
    "apple-iphone-15",
    "google-pixel-8",
    "apple-ipad-10",
    "apple-macbook-air-13-m2",
    "apple-watch-series-9-45mm",
}


def test_listing_returns_every_model_with_its_summary(client, seeded):
    r = client.get("/catalog/models")
    assert r.status_code == 200
    models = {m["id"]: m for m in r.json()}
    assert set(models) == ALL_MODELS
    assert models["google-pixel-8"] == {
        "id": "google-pixel-8",
        "brand": "Google",
        "name": "Pixel 8",
        "category": "smartphone",
        "release_date": "2023-10-12",
        "weight_g": 187,
    }


def test_listing_filters_by_category_brand_and_search(client, seeded):
    assert model_ids(client, category="smartphone") == {"apple-iphone-15", "google-pixel-8"}
    assert model_ids(client, category="laptop") == {"apple-macbook-air-13-m2"}
    assert model_ids(client, brand="google") == {"google-pixel-8"}  # brand is case-blind
    assert model_ids(client, brand="Apple") == ALL_MODELS - {"google-pixel-8"}
    assert model_ids(client, q="ipad") == {"apple-ipad-10"}  # search is case-blind
    assert model_ids(client, q="goog") == {"google-pixel-8"}  # and looks in the brand
    assert model_ids(client, category="smartphone", brand="apple") == {"apple-iphone-15"}
    assert model_ids(client, q="no such device") == set()


def test_an_empty_catalog_lists_nothing(client):
    r = client.get("/catalog/models")
    assert r.status_code == 200
    assert r.json() == []


def test_a_model_comes_with_its_variants_and_identifiers(client, seeded):
    r = client.get("/catalog/models/apple-iphone-15")
    assert r.status_code == 200
    model = r.json()
    assert model["name"] == "iPhone 15"
    assert model["identifiers"] == [{"scheme": "apple", "value": "iPhone15,4"}]
    assert model["variants"] == [
        {
            "sku": "apple-iphone-15-128gb",
            "model_id": "apple-iphone-15",
            "storage_gb": 128,
            "ram_gb": None,
            "connectivity": None,
            "launch_price": 79900,
            "currency": "USD",
        },
        {
            "sku": "apple-iphone-15-256gb",
            "model_id": "apple-iphone-15",
            "storage_gb": 256,
            "ram_gb": None,
            "connectivity": None,
            "launch_price": 89900,
            "currency": "USD",
        },
    ]


def test_a_variant_is_found_by_its_sku(client, seeded):
    r = client.get("/catalog/variants/apple-macbook-air-13-m2-8gb-256gb")
    assert r.status_code == 200
    assert r.json() == {
        "sku": "apple-macbook-air-13-m2-8gb-256gb",
        "model_id": "apple-macbook-air-13-m2",
        "storage_gb": 256,
        "ram_gb": 8,
        "connectivity": None,
        "launch_price": 119900,
        "currency": "USD",
    }


def test_an_unknown_model_or_variant_is_a_404_naming_it(client, seeded):
    assert_error(client.get("/catalog/models/nokia-3310"), 404, "model_not_found", "model_id")
    assert_error(client.get("/catalog/variants/nokia-3310-x"), 404, "variant_not_found")
    # a SKU is not a model id, nor the other way round
    assert_error(client.get(f"/catalog/models/{PHONE}"), 404, "model_not_found")
    assert_error(client.get("/catalog/variants/apple-iphone-15"), 404, "variant_not_found")


def test_import_creates_models_and_variants_and_reports_counts(client, seeded):
    r = post_csv(client, csv(*NEW_ROWS))
    assert r.status_code == 200, r.text
    assert r.json() == {
        "rows": 3,
        "models_created": 2,
        "models_updated": 0,
        "variants_created": 3,
        "variants_updated": 0,
        "errors": [],
    }
    model = client.get("/catalog/models/samsung-galaxy-s24").json()
    assert [v["sku"] for v in model["variants"]] == [
        "samsung-galaxy-s24-128gb",
        "samsung-galaxy-s24-256gb",
    ]
    assert model["variants"][0]["launch_price"] == 79999  # 799.99 in minor units
    assert model["identifiers"] == [{"scheme": "model_code", "value": "SM-S921B"}]
    assert model_ids(client, brand="samsung") == {"samsung-galaxy-s24", "samsung-galaxy-tab-s9"}


def test_import_of_a_known_row_updates_it(client, seeded):
    row = factories.CATALOG_CSV.splitlines()[1].replace("799.00", "749.00")
    r = post_csv(client, csv(row))
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["models_updated"], report["variants_updated"]) == (1, 1)
    assert (report["models_created"], report["variants_created"]) == (0, 0)
    assert client.get(f"/catalog/variants/{PHONE}").json()["launch_price"] == 74900


def test_a_bad_row_refuses_the_whole_file_and_writes_nothing(client, seeded):
    before = export(client)
    r = post_csv(client, csv(NEW_ROWS[0], BAD_PRICE, NEW_ROWS[1], BAD_CATEGORY))
    body = assert_error(r, 422, "catalog_import_invalid")
    errors = body["details"]["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [(3, "launch_price"), (5, "category")]
    assert all(isinstance(e["reason"], str) and e["reason"] for e in errors)
    assert "'phone'" in errors[1]["reason"]
    assert export(client) == before  # the good rows were not written either
    assert_error(client.get("/catalog/models/samsung-galaxy-s24"), 404, "model_not_found")


def test_every_problem_of_a_row_is_reported_by_line_and_field(client, seeded):
    row = "Bad Id,,X,watch,2024-13-01,heavy,nfc:1,ok-sku,0,,5g,1.234,USD"
    body = assert_error(post_csv(client, csv(row)), 422, "catalog_import_invalid")
    assert {(e["line"], e["field"]) for e in body["details"]["errors"]} == {(2, "brand")}
    row = "Bad Id,B,X,watch,2024-13-01,heavy,nfc:1,ok-sku,0,,5g,1.234,USD"
    body = assert_error(post_csv(client, csv(row)), 422, "catalog_import_invalid")
    assert {e["field"] for e in body["details"]["errors"]} == {
        "model_id",
        "category",
        "release_date",
        "weight_g",
        "storage_gb",
        "connectivity",
        "identifiers",
        "launch_price",
    }
    assert {e["line"] for e in body["details"]["errors"]} == {2}


def test_an_identifier_owned_by_another_model_is_refused(client, seeded):
    before = export(client)
    row = NEW_ROWS[0].replace("model_code:SM-S921B", '"apple:iPhone15,4"')
    body = assert_error(post_csv(client, csv(row)), 422, "catalog_import_invalid")
    (error,) = body["details"]["errors"]
    assert (error["line"], error["field"]) == (2, "identifiers")
    assert "apple-iphone-15" in error["reason"]
    assert export(client) == before


def test_a_sku_of_another_model_is_refused(client, seeded):
    before = export(client)
    row = NEW_ROWS[0].replace("samsung-galaxy-s24-128gb", PHONE)
    body = assert_error(post_csv(client, csv(row)), 422, "catalog_import_invalid")
    assert [(e["line"], e["field"]) for e in body["details"]["errors"]] == [(2, "variant_sku")]
    assert export(client) == before


def test_a_header_without_rows_or_a_missing_column_is_refused(client, seeded):
    before = export(client)
    body = assert_error(post_csv(client, HEADER + "\n"), 422, "catalog_import_invalid")
    assert [e["line"] for e in body["details"]["errors"]] == [1]
    short = HEADER.replace(",currency", "")
    body = assert_error(post_csv(client, short + "\n"), 422, "catalog_import_invalid")
    assert body["details"]["errors"][0]["field"] == "currency"
    assert export(client) == before


def test_a_file_that_is_not_utf8_is_refused(client, seeded):
    before = export(client)
    r = post_csv(client, csv(NEW_ROWS[0]).encode().replace(b"Galaxy", b"Gal\xe1xy"))
    assert_error(r, 422, "invalid_input", field="body")
    assert export(client) == before


def test_skip_invalid_imports_the_good_rows_and_reports_the_bad(client, seeded):
    r = post_csv(client, csv(NEW_ROWS[0], BAD_PRICE, NEW_ROWS[2]), skip_invalid="true")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["rows"] == 3
    assert (report["models_created"], report["variants_created"]) == (2, 2)
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(3, "launch_price")]
    assert model_ids(client, brand="samsung") == {"samsung-galaxy-s24", "samsung-galaxy-tab-s9"}
    assert_error(client.get("/catalog/models/samsung-galaxy-a55"), 404, "model_not_found")


def test_export_lists_every_variant_in_the_import_format(client, seeded):
    lines = export(client).splitlines()
    assert lines[0] == HEADER
    assert sorted(lines[1:]) == sorted(factories.CATALOG_CSV.splitlines()[1:])


def test_export_then_import_round_trips_unchanged(client, seeded):
    first = export(client)
    r = post_csv(client, first)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["rows"] == 6
    assert (report["models_created"], report["variants_created"]) == (0, 0)
    assert (report["models_updated"], report["variants_updated"]) == (5, 6)
    assert report["errors"] == []
    assert export(client) == first


def test_importing_into_an_empty_catalog_gives_back_the_same_rows(client):
    r = post_csv(client, factories.CATALOG_CSV)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["rows"], report["models_created"], report["variants_created"]) == (6, 5, 6)
    lines = export(client).splitlines()
    assert sorted(lines[1:]) == sorted(factories.CATALOG_CSV.splitlines()[1:])
