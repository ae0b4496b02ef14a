"""Quotes over HTTP: itemized offers by the program's rules, the trade-in each quote opens,
promotions in and out of their window, and refused quotes that open nothing."""

from datetime import date

import pytest

from tests.api.support import (
    LAPTOP,
    LAUNCH,
    PHONE,
    PIXEL,
    TABLET,
    WATCH,
    assert_error,
    expected_offer,
    offer,
    post_quote,
    quote_body,
    trade_in_total,
)

WATCH_FAULTS = [
    "battery",
    "buttons",
    "charging_port",
    "connectivity",
    "crown",
    "display",
    "sensors",
    "strap",
]


def lines_add_up(quote: dict) -> None:
    for o in quote["offers"]:
        assert sum(line["amount"] for line in o["lines"]) == o["amount"]["amount"], o
        assert o["lines"][0]["code"] == "base_price"


def test_a_quote_opens_a_quoted_trade_in_and_prices_each_payout_method(client, seeded):
    body = post_quote(client)
    assert body["state"] == "quoted"
    quote = body["quote"]
    assert quote["trade_in_id"] == body["trade_in_id"]
    assert quote["kind"] == "initial"
    assert (quote["program_id"], quote["model_id"]) == ("acme", "apple-iphone-15")
    assert quote["variant_sku"] == PHONE
    assert quote["condition"] == {
        "powers_on": True,
        "screen_cracked": False,
        "cosmetic": "good",
        "faults": [],
        "activation_lock_off": True,
    }
    assert (quote["grade"], quote["recycle_only"]) == ("B", False)
    assert quote["as_of"] == quote["created_at"] == "2026-06-15T12:00:00Z"
    assert quote["expires_at"] == "2026-06-29T12:00:00Z"  # 14 days of price lock
    # 799.00 launch -> 479.40 base (60%); 32 months at -3%/month keep 0.97^32 -> 180.88;
    # grade B keeps 85% -> 153.75; rounded down to whole dollars -> 153.00.
    # Store credit: +10% of 153.75 -> 169.12(5) -> 169.00.
    assert [(o["method"], o["amount"]) for o in quote["offers"]] == [
        ("cash", {"amount": 15300, "currency": "USD", "formatted": "153.00 USD"}),
        ("store_credit", {"amount": 16900, "currency": "USD", "formatted": "169.00 USD"}),
    ]
    cash = quote["offers"][0]["lines"]
    assert [line["code"] for line in cash] == [
        "base_price",
        "age_depreciation",
        "condition",
        "rounding",
    ]
    assert cash[0]["amount"] == 47940
    lines_add_up(quote)


@pytest.mark.parametrize(
    ("sku", "answers", "defects"),
    [
        (PHONE, {"cosmetic": "flawless"}, ()),
        (PIXEL, {"cosmetic": "fair", "screen_cracked": True}, ("screen_cracked",)),
        (TABLET, {"cosmetic": "poor", "faults": ["camera", "battery"]}, ("battery", "camera")),
        (LAPTOP, {"faults": ["keyboard", "hinge"]}, ("hinge", "keyboard")),
        (WATCH, {"faults": ["strap"], "screen_cracked": True}, ("screen_cracked", "strap")),
    ],
)
def test_offers_follow_the_pricing_rules_and_their_lines_add_up(
    client, seeded, sku, answers, defects
):
    quote = post_quote(client, sku, **answers)["quote"]
    cosmetic = answers.get("cosmetic", "good")
    for method in ("cash", "store_credit"):
        expected = expected_offer(sku, method=method, cosmetic=cosmetic, defects=defects)
        assert offer(quote, method) == expected, method
    lines_add_up(quote)
    (cash,) = [o for o in quote["offers"] if o["method"] == "cash"]
    deductions = [line for line in cash["lines"] if line["code"] == "deduction"]
    assert len(deductions) == len(defects)
    assert all(line["amount"] < 0 for line in deductions)


def test_store_credit_with_a_ten_percent_bonus_beats_cash(client, seeded):
    for sku in LAUNCH:
        quote = post_quote(client, sku, cosmetic="flawless")["quote"]
        cash, credit = offer(quote, "cash"), offer(quote, "store_credit")
        assert credit > cash, sku
        assert credit == expected_offer(sku, method="store_credit", cosmetic="flawless")
        (bonus,) = [
            line
            for o in quote["offers"]
            if o["method"] == "store_credit"
            for line in o["lines"]
            if line["code"] == "payout_bonus"
        ]
        # the bonus is 10% of the value before it (which is at least the cash offer)
        assert bonus["amount"] >= cash // 10
        assert all(line["code"] != "payout_bonus" for line in quote["offers"][0]["lines"])


def test_a_worse_declared_condition_never_gets_a_higher_offer(client, seeded):
    # each condition is no better than the one before it, on every axis
    chain = [
        {"cosmetic": "flawless"},
        {"cosmetic": "good"},
        {"cosmetic": "good", "faults": ["speaker"]},
        {"cosmetic": "fair", "faults": ["speaker"]},
        {"cosmetic": "fair", "faults": ["speaker"], "screen_cracked": True},
        {"cosmetic": "poor", "faults": ["speaker", "battery"], "screen_cracked": True},
        {
            "cosmetic": "poor",
            "faults": ["speaker", "battery", "display", "camera", "biometrics", "connectivity"],
            "screen_cracked": True,
        },
        {"cosmetic": "poor", "faults": ["speaker"], "screen_cracked": True, "powers_on": False},
    ]
    for sku in (PHONE, PIXEL):
        offers = [post_quote(client, sku, **answers)["quote"] for answers in chain]
        for method in ("cash", "store_credit"):
            amounts = [offer(q, method) for q in offers]
            assert amounts == sorted(amounts, reverse=True), (sku, method, amounts)
            assert amounts[0] > amounts[-1] == 0


def test_a_working_device_gets_at_least_the_floor(client, seeded):
    quote = post_quote(client, WATCH, cosmetic="poor", screen_cracked=True, faults=WATCH_FAULTS)
    quote = quote["quote"]
    # the deductions add up to more than the whole value: the 5.00 USD floor applies
    assert offer(quote, "cash") == 500
    assert offer(quote, "store_credit") == 500  # 5.50 rounded down to whole dollars
    assert any(line["code"] == "floor" for line in quote["offers"][0]["lines"])
    lines_add_up(quote)


@pytest.mark.parametrize(
    ("answers", "reason"),
    [({"powers_on": False}, "power"), ({"activation_lock_off": False}, "lock")],
)
def test_a_dead_or_locked_device_gets_zero_and_is_taken_for_recycling(
    client, seeded, answers, reason
):
    quote = post_quote(client, PHONE, cosmetic="flawless", **answers)["quote"]
    assert quote["recycle_only"] is True
    assert quote["grade"] is None
    for o in quote["offers"]:
        assert o["amount"] == {"amount": 0, "currency": "USD", "formatted": "0.00 USD"}
        assert [line["code"] for line in o["lines"]] == ["base_price", "recycle_only"]
        assert reason in o["lines"][1]["label"].lower()
    lines_add_up(quote)


def test_an_older_device_is_worth_less_a_month_later(client, seeded, clock):
    first = offer(post_quote(client)["quote"], "cash")
    clock.advance(days=30)  # 2026-07-15: 33 whole months since release
    later = offer(post_quote(client)["quote"], "cash")
    assert later == expected_offer(PHONE, today=date(2026, 7, 15))
    assert later < first


def test_get_quote_returns_what_post_returned(client, seeded):
    created = post_quote(client, PIXEL, cosmetic="fair", faults=["camera"])
    r = client.get(f"/quotes/{created['quote']['id']}")
    assert r.status_code == 200
    assert r.json() == created["quote"]


def test_an_unknown_quote_is_a_404(client, seeded):
    assert_error(client.get("/quotes/q_nope"), 404, "quote_not_found", field="quote_id")


def test_a_quote_names_an_unknown_variant_or_a_mismatched_model(client, seeded):
    r = client.post("/quotes", json=quote_body("nokia-3310-x"))
    assert_error(r, 404, "variant_not_found", field="variant_sku")
    r = client.post("/quotes", json={**quote_body(PHONE), "model_id": "google-pixel-8"})
    assert_error(r, 404, "model_not_found", field="model_id")
    r = client.post("/quotes", json={**quote_body(PHONE), "model_id": "apple-iphone-15"})
    assert r.status_code == 201
    assert trade_in_total(client) == 1


@pytest.mark.parametrize(
    ("answers", "code", "field"),
    [
        ({"powers_on": "yes"}, "validation_error", "answers.powers_on"),
        ({"screen_cracked": 1}, "validation_error", "answers.screen_cracked"),
        ({"activation_lock_off": None}, "validation_error", "answers.activation_lock_off"),
        ({"cosmetic": "mint"}, "validation_error", "answers.cosmetic"),
        ({"faults": ["water_damage"]}, "validation_error", "answers.faults.0"),
        ({"faults": "battery"}, "validation_error", "answers.faults"),
        ({"faults": ["keyboard"]}, "invalid_condition", "faults"),  # not on a smartphone
        ({"faults": ["battery", "strap"]}, "invalid_condition", "faults"),
        ({"grade": "A"}, "validation_error", "answers.grade"),
    ],
)
def test_malformed_answers_are_refused_naming_the_field_and_open_nothing(
    client, seeded, answers, code, field
):
    assert_error(client.post("/quotes", json=quote_body(**answers)), 422, code, field=field)
    assert trade_in_total(client) == 0


def test_a_fault_that_applies_to_the_category_is_accepted(client, seeded):
    assert post_quote(client, LAPTOP, faults=["keyboard"])["state"] == "quoted"


def test_a_category_the_program_does_not_accept_is_refused(client, seeded):
    client.patch("/programs/acme", json={"accepted_categories": ["smartphone", "tablet"]})
    r = client.post("/quotes", json=quote_body(WATCH))
    body = assert_error(r, 422, "category_not_accepted", field="variant_sku")
    assert body["details"]["accepted"] == ["smartphone", "tablet"]
    assert trade_in_total(client) == 0


def test_a_variant_without_a_price_is_refused(client, seeded):
    r = client.post(
        "/programs",
        json={
            "id": "beta",
            "name": "Beta",
            "currency": "USD",
            "accepted_categories": ["smartphone"],
            "pathways": ["in_store"],
            "payout_options": [{"method": "cash"}],
        },
    )
    assert r.status_code == 201, r.text
    r = client.post("/quotes", json=quote_body(PHONE, program="beta"))
    assert_error(r, 422, "variant_not_priced", field="variant_sku")
    assert trade_in_total(client) == 0


def test_a_promotion_raises_the_offer_only_while_it_runs(client, seeded, clock):
    promo = {
        "name": "Summer",
        "starts_at": "2026-06-20T00:00:00Z",
        "ends_at": "2026-06-25T00:00:00Z",
        "model_id": "apple-iphone-15",
        "amount": 2500,
    }
    assert client.post("/programs/acme/promotions", json=promo).status_code == 201
    plain = expected_offer(PHONE)
    assert offer(post_quote(client)["quote"], "cash") == plain  # not started yet
    clock.advance(days=5)  # 2026-06-20 12:00, running
    quote = post_quote(client)["quote"]
    assert offer(quote, "cash") == expected_offer(PHONE, promotion=2500) > plain
    assert offer(quote, "store_credit") == expected_offer(
        PHONE, method="store_credit", promotion=2500
    )
    assert any(line["code"] == "promotion" for line in quote["offers"][0]["lines"])
    lines_add_up(quote)
    assert offer(post_quote(client, PIXEL)["quote"], "cash") == expected_offer(
        PIXEL, today=date(2026, 6, 20)
    )  # another model: no promotion
    clock.advance(days=5)  # 2026-06-25 12:00: ended (and the phone is 33 months old)
    ended = offer(post_quote(client)["quote"], "cash")
    assert ended == expected_offer(PHONE, today=date(2026, 6, 25))


def test_a_category_promotion_by_share_applies_to_that_category_only(client, seeded):
    promo = {
        "name": "Tablets +20%",
        "starts_at": "2026-06-01T00:00:00Z",
        "ends_at": "2026-07-01T00:00:00Z",
        "category": "tablet",
        "percent_bp": 2000,
    }
    assert client.post("/programs/acme/promotions", json=promo).status_code == 201
    tablet = post_quote(client, TABLET)["quote"]
    assert offer(tablet, "cash") == expected_offer(TABLET, promotion_bp=2000)
    assert offer(post_quote(client, LAPTOP)["quote"], "cash") == expected_offer(LAPTOP)


def test_the_best_running_promotion_applies_alone(client, seeded):
    for name, amount in (("Small", 1000), ("Big", 3000)):
        promo = {
            "name": name,
            "starts_at": "2026-06-01T00:00:00Z",
            "ends_at": "2026-07-01T00:00:00Z",
            "amount": amount,
        }
        assert client.post("/programs/acme/promotions", json=promo).status_code == 201
    quote = post_quote(client)["quote"]
    assert offer(quote, "cash") == expected_offer(PHONE, promotion=3000)
    promos = [line for line in quote["offers"][0]["lines"] if line["code"] == "promotion"]
    assert [line["label"] for line in promos] == ["Promotion: Big"]


def test_trade_ins_are_listed_newest_first_and_filtered(client, seeded, clock):
    ids = []
    for _ in range(3):
        ids.append(post_quote(client)["trade_in_id"])
        clock.advance(minutes=1)
    client.post(f"/trade-ins/{ids[0]}/cancel")
    r = client.get("/trade-ins")
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == 3
    assert [t["id"] for t in page["items"]] == ids[::-1]
    assert all(t["custody"] is None for t in page["items"])
    assert trade_in_total(client, state="quoted") == 2
    assert trade_in_total(client, state="cancelled") == 1
    assert trade_in_total(client, state="disposed") == 0
    assert trade_in_total(client, program_id="acme") == 3
    assert trade_in_total(client, program_id="other") == 0
    r = client.get("/trade-ins", params={"limit": 1, "offset": 1})
    assert r.json()["total"] == 3
    assert [t["id"] for t in r.json()["items"]] == [ids[1]]
