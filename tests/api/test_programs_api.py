"""Programs over HTTP: create, read, patch, base prices (set and derived), promotions and the
price list. A refused change leaves the program, its version and its prices as they were."""

from datetime import datetime

from tests import factories
from tests.api.support import (
    LAPTOP,
    LAUNCH,
    PHONE,
    PHONE_256,
    PIXEL,
    PROGRAM,
    TABLET,
    WATCH,
    assert_error,
    expected_offer,
    offer,
    post_quote,
    quote_body,
)

NOW = "2026-06-15T12:00:00Z"


def program_json(**overrides) -> dict:
    return factories.program_in(**overrides).model_dump(mode="json")


def get_program(client, program_id: str = "acme") -> dict:
    r = client.get(f"/programs/{program_id}")
    assert r.status_code == 200, r.text
    return r.json()


def price_list(client, program_id: str = "acme") -> list[dict]:
    r = client.get(f"/programs/{program_id}/price-list")
    assert r.status_code == 200, r.text
    return r.json()


def test_creating_a_program_answers_201_with_its_defaults(client):
    r = client.post("/programs", json=program_json(id="beta", name="Beta"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] == "beta"
    assert body["name"] == "Beta"
    assert body["currency"] == "USD"
    assert body["quote_validity_days"] == 14
    assert body["resale_strategy"] == "maximize_value"
    assert body["objectives"] == []
    assert body["pricing"]["grade_multipliers_bp"] == {"A": 10000, "B": 8500, "C": 6500, "D": 4000}
    assert (body["pricing"]["floor"], body["pricing"]["rounding_increment"]) == (500, 100)
    assert (body["version"], body["priced_variants"]) == (1, 0)
    assert body["created_at"] == body["updated_at"] == NOW
    assert get_program(client, "beta") == body


def test_a_duplicate_program_id_is_a_409_and_the_first_stays(client, seeded):
    before = get_program(client)
    r = client.post("/programs", json=program_json(name="Impostor"))
    assert_error(r, 409, "program_exists", field="id")
    assert get_program(client) == before


def test_programs_are_listed_by_id(client, seeded):
    assert client.post("/programs", json=program_json(id="zeta")).status_code == 201
    assert client.post("/programs", json=program_json(id="beta")).status_code == 201
    r = client.get("/programs")
    assert r.status_code == 200
    assert [p["id"] for p in r.json()] == ["acme", "beta", "zeta"]
    assert r.json()[0]["priced_variants"] == 6


def test_an_unknown_program_is_a_404_on_every_program_route(client, seeded):
    promo = {"name": "P", "starts_at": NOW, "ends_at": "2026-07-01T00:00:00Z", "amount": 100}
    price = {"prices": [{"variant_sku": PHONE, "amount": 100}]}
    for r in (
        client.get("/programs/nope"),
        client.patch("/programs/nope", json={"name": "X"}),
        client.put("/programs/nope/prices", json=price),
        client.post("/programs/nope/prices/derive", json={}),
        client.post("/programs/nope/promotions", json=promo),
        client.get("/programs/nope/price-list"),
        client.post("/quotes", json=quote_body(program="nope")),
    ):
        assert_error(r, 404, "program_not_found", field="program_id")


def test_an_unknown_currency_is_refused_and_nothing_is_created(client):
    r = client.post("/programs", json=program_json(id="beta", currency="XYZ"))
    assert_error(r, 422, "unknown_currency", field="currency")
    r = client.post("/programs", json={**program_json(id="beta"), "currency": "usd"})
    assert_error(r, 422, "validation_error", field="currency")
    assert client.get("/programs").json() == []


def test_bad_program_fields_are_named_and_nothing_is_created(client):
    cases = {
        "colour": {**program_json(id="beta"), "colour": "red"},
        "id": {**program_json(id="beta"), "id": "Not A Slug"},
        "accepted_categories.0": {**program_json(id="beta"), "accepted_categories": ["toaster"]},
        "payout_options.0.method": {
            **program_json(id="beta"),
            "payout_options": [{"method": "bitcoin"}],
        },
        "payout_options.0.bonus_bp": {
            **program_json(id="beta"),
            "payout_options": [{"method": "cash", "bonus_bp": -1}],
        },
        "pricing.floor": {**program_json(id="beta"), "pricing": {"floor": 12.5}},
        "quote_validity_days": {**program_json(id="beta"), "quote_validity_days": 0},
    }
    for field, body in cases.items():
        assert_error(client.post("/programs", json=body), 422, "validation_error", field=field)
    assert client.get("/programs").json() == []


def test_pricing_rules_that_break_the_ordering_of_grades_are_refused(client):
    body = program_json(id="beta")
    body["pricing"] = {"grade_multipliers_bp": {"A": 9000, "B": 9500, "C": 6500, "D": 4000}}
    body = assert_error(client.post("/programs", json=body), 422, "invalid_price_book")
    assert body["details"]["field"] == "grade_multipliers_bp.B"
    assert client.get("/programs").json() == []


def test_patch_changes_only_what_it_names_and_bumps_the_version(client, seeded, clock):
    before = get_program(client)
    clock.advance(hours=1)
    r = client.patch("/programs/acme", json={"name": "Acme Renewed", "quote_validity_days": 30})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["version"] == before["version"] + 1
    assert after["updated_at"] == "2026-06-15T13:00:00Z"
    expected = {**before, "name": "Acme Renewed", "quote_validity_days": 30}
    assert {**after, "version": 0, "updated_at": 0} == {**expected, "version": 0, "updated_at": 0}
    assert get_program(client) == after
    quote = post_quote(client)["quote"]
    assert quote["expires_at"] == "2026-07-15T13:00:00Z"  # 30 days of price lock


def test_patching_one_pricing_rule_keeps_the_others(client, seeded):
    before = get_program(client)
    r = client.patch("/programs/acme", json={"pricing": {"rounding_increment": 1000}})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["pricing"] == {**before["pricing"], "rounding_increment": 1000}
    assert after["version"] == before["version"] + 1
    exact = expected_offer(PHONE)  # rounded to 1.00 USD: 153.00 -> 150.00 at 10.00 USD
    assert offer(post_quote(client)["quote"], "cash") == exact - exact % 1000


def test_a_refused_patch_changes_nothing(client, seeded):
    before = get_program(client)
    for body, code, field in (
        ({"currency": "EUR"}, "validation_error", "currency"),
        ({"name": ""}, "validation_error", "name"),
        ({"pathways": ["teleport"]}, "validation_error", "pathways.0"),
        (
            {"pricing": {"max_depreciation_bp": 10001}},
            "validation_error",
            "pricing.max_depreciation_bp",
        ),
    ):
        assert_error(client.patch("/programs/acme", json=body), 422, code, field=field)
    assert get_program(client) == before


def test_a_category_patched_out_of_a_program_is_no_longer_quoted(client, seeded):
    r = client.patch("/programs/acme", json={"accepted_categories": ["smartphone"]})
    assert r.status_code == 200, r.text
    r = client.post("/quotes", json=quote_body(LAPTOP))
    body = assert_error(r, 422, "category_not_accepted", field="variant_sku")
    assert body["details"]["accepted"] == ["smartphone"]
    assert {e["variant_sku"] for e in price_list(client)} == {PHONE, PHONE_256, PIXEL}


def test_putting_base_prices_updates_them_and_the_next_quote(client, seeded):
    before = get_program(client)
    r = client.put(
        "/programs/acme/prices",
        json={"prices": [{"variant_sku": PHONE, "amount": 40000}]},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"program_id": "acme", "updated": 1, "version": before["version"] + 1}
    assert get_program(client)["priced_variants"] == 6  # an update, not a new price
    assert offer(post_quote(client)["quote"], "cash") == expected_offer(PHONE, base=40000)


def test_bad_base_prices_are_named_and_nothing_changes(client, seeded):
    before, listed = get_program(client), price_list(client)
    cases = (
        ([{"variant_sku": PHONE, "amount": -1}], "validation_error", "prices.0.amount"),
        ([{"variant_sku": PHONE, "amount": 12.5}], "validation_error", "prices.0.amount"),
        ([{"variant_sku": PHONE, "amount": "100"}], "validation_error", "prices.0.amount"),
        ([{"variant_sku": PHONE}], "validation_error", "prices.0.amount"),
        ([], "validation_error", "prices"),
        (
            [{"variant_sku": PHONE, "amount": 1}, {"variant_sku": PHONE, "amount": 2}],
            "invalid_input",
            "prices",
        ),
    )
    for prices, code, field in cases:
        r = client.put("/programs/acme/prices", json={"prices": prices})
        assert_error(r, 422, code, field=field)
    assert get_program(client) == before
    assert price_list(client) == listed


def test_unknown_variants_refuse_the_whole_price_update(client, seeded):
    before, listed = get_program(client), price_list(client)
    prices = [
        {"variant_sku": PHONE, "amount": 1000},
        {"variant_sku": "nokia-3310-x", "amount": 100},
        {"variant_sku": "apple-iphone-99-1tb", "amount": 100},
    ]
    r = client.put("/programs/acme/prices", json={"prices": prices})
    body = assert_error(r, 422, "unknown_variants", field="prices.variant_sku")
    assert body["details"]["unknown"] == ["apple-iphone-99-1tb", "nokia-3310-x"]
    assert get_program(client) == before
    assert price_list(client) == listed  # the known variant's price was not written either


def test_derived_prices_are_a_share_of_launch_price_for_the_chosen_categories(client, seeded):
    assert client.post("/programs", json=program_json(id="beta")).status_code == 201
    r = client.post(
        "/programs/beta/prices/derive",
        json={"share_of_launch_bp": 5000, "categories": ["smartphone"]},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"program_id": "beta", "updated": 3, "version": 2}
    assert get_program(client, "beta")["priced_variants"] == 3
    body = quote_body(PIXEL, program="beta")
    quote = client.post("/quotes", json=body).json()["quote"]
    assert offer(quote, "cash") == expected_offer(PIXEL, base=LAUNCH[PIXEL][0] // 2)
    assert_error(
        client.post("/quotes", json=quote_body(TABLET, program="beta")),
        422,
        "variant_not_priced",
        field="variant_sku",
    )


def test_deriving_prices_defaults_to_all_accepted_categories(client, seeded):
    assert client.post("/programs", json=program_json(id="beta")).status_code == 201
    r = client.post("/programs/beta/prices/derive", json={})
    assert r.status_code == 200, r.text
    assert r.json()["updated"] == 6


def test_deriving_prices_with_nothing_to_price_is_refused(client, seeded):
    body = program_json(id="euro", currency="EUR")
    assert client.post("/programs", json=body).status_code == 201
    r = client.post("/programs/euro/prices/derive", json={})
    assert_error(r, 422, "invalid_input", field="categories")  # the catalog is all USD
    r = client.post("/programs/acme/prices/derive", json={"share_of_launch_bp": 10001})
    assert_error(r, 422, "validation_error", field="share_of_launch_bp")
    assert get_program(client, "euro")["version"] == 1


def test_the_price_list_offers_the_best_method_for_a_flawless_device(client, seeded):
    listed = {e["variant_sku"]: e for e in price_list(client)}
    assert set(listed) == set(LAUNCH)
    for sku in LAUNCH:
        best = expected_offer(sku, method="store_credit", cosmetic="flawless")
        assert listed[sku]["top_offer"] == best, sku
        assert listed[sku]["currency"] == "USD"
    assert listed[WATCH]["model_id"] == "apple-watch-series-9-45mm"
    assert (listed[PIXEL]["brand"], listed[PIXEL]["name"]) == ("Google", "Pixel 8")
    assert listed[TABLET]["category"] == "tablet"


def test_a_program_without_prices_lists_nothing(client, seeded):
    assert client.post("/programs", json=program_json(id="beta")).status_code == 201
    assert price_list(client, "beta") == []


def test_adding_a_promotion_answers_201_and_bumps_the_version(client, seeded):
    before = get_program(client)
    promo = {
        "name": "Back to school",
        "starts_at": "2026-06-01T00:00:00Z",
        "ends_at": "2026-07-01T00:00:00Z",
        "category": "laptop",
        "percent_bp": 1000,
    }
    r = client.post("/programs/acme/promotions", json=promo)
    assert r.status_code == 201, r.text
    body = r.json()
    assert isinstance(body.pop("id"), int)
    for name in ("starts_at", "ends_at"):  # the same instant, however it is written
        assert datetime.fromisoformat(body.pop(name)) == datetime.fromisoformat(promo.pop(name))
    assert body == {**promo, "model_id": None, "amount": 0}
    assert get_program(client)["version"] == before["version"] + 1


def test_bad_promotions_are_refused_and_change_nothing(client, seeded):
    before = get_program(client)
    base = {"name": "P", "starts_at": NOW, "ends_at": "2026-07-01T00:00:00Z", "amount": 500}
    for body, field in (
        ({**base, "amount": -1}, "amount"),
        ({**base, "amount": 12.5}, "amount"),
        ({**base, "percent_bp": 10001}, "percent_bp"),
        ({**base, "category": "toaster"}, "category"),
        ({**base, "extra": True}, "extra"),
        ({**base, "ends_at": NOW}, "ends_at"),
        ({**base, "starts_at": "2026-06-01T00:00:00"}, "starts_at"),
        ({**base, "amount": 0}, "percent_bp"),
    ):
        r = client.post("/programs/acme/promotions", json=body)
        assert_error(r, 422, "validation_error", field=field)
    r = client.post("/programs/acme/promotions", json={**base, "model_id": "nokia-3310"})
    assert_error(r, 404, "model_not_found", field="model_id")
    assert get_program(client) == before


def test_branding_is_saved_and_unreadable_colours_are_refused(client, seeded):
    look = {"display_name": "Acme Trade-In", "primary": "#0b3d2e", "accent": "#9a3412",
            "logo_url": "/static/acme.svg"}  # fmt: skip
    r = client.patch(f"/programs/{PROGRAM}", json={"branding": look})
    assert r.status_code == 200, r.text
    assert r.json()["branding"] == look
    pale = client.patch(f"/programs/{PROGRAM}", json={"branding": {**look, "primary": "#a0c4ff"}})
    assert pale.status_code == 422 and "contrast" in pale.text
    scripted = client.patch(
        f"/programs/{PROGRAM}", json={"branding": {**look, "logo_url": "javascript:alert(1)"}}
    )
    assert scripted.status_code == 422
    assert client.get(f"/programs/{PROGRAM}").json()["branding"] == look
