"""A program's recovery set-up: settings with their defaults, channels, price lists (JSON and
CSV, all or nothing), demand and repair actions, and who may touch them."""

from __future__ import annotations

import pytest

from tests import auth
from tests.api.support import PHONE, PIXEL, PROGRAM, assert_error

SETTINGS = f"/programs/{PROGRAM}/recovery/settings"
CHANNELS = f"/programs/{PROGRAM}/channels"
REFURB = {
    "code": "refurb",
    "name": "Refurbished store",
    "route": "refurbish_resell",
    "fee_bp": 1000,
    "fee_fixed": 100,
    "logistics_cost": 500,
    "days_to_sell": 10,
    "capacity_per_week": 50,
}


def channel(client, **overrides) -> dict:  # type: ignore[no-untyped-def]
    r = client.post(CHANNELS, json={**REFURB, **overrides})
    assert r.status_code == 201, r.text
    return r.json()


def test_settings_are_the_defaults_until_saved_then_what_was_saved(client, seeded):
    r = client.get(SETTINGS)
    assert r.status_code == 200, r.text
    assert (r.json()["saved"], r.json()["labour_rate_per_hour"], r.json()["horizon_days"]) == (
        False,
        4_000,
        7,
    )
    body = {
        "labour_rate_per_hour": 3_600,
        "repair_hours_per_week": 40,
        "holding_cost_per_day": 5,
        "speed_weight_bp": 20_000,
        "horizon_days": 14,
        "target_margin_bp": 1_500,
    }
    r = client.put(SETTINGS, json=body)
    assert r.status_code == 200, r.text
    got = client.get(SETTINGS).json()
    assert got["saved"] and {k: got[k] for k in body} == body
    assert_error(client.put(SETTINGS, json={**body, "horizon_days": 0}), 422, "validation_error")
    assert client.get(SETTINGS).json()["horizon_days"] == 14


def test_a_channel_sells_in_the_programs_currency_and_its_code_is_unique(client, seeded):
    made = channel(client)
    assert (made["currency"], made["route"], made["active"]) == ("USD", "refurbish_resell", True)
    assert_error(client.post(CHANNELS, json=REFURB), 409, "channel_exists", "code")
    r = client.patch(f"/channels/{made['id']}", json={"capacity_per_week": None, "fee_bp": 500})
    assert r.status_code == 200, r.text
    assert (r.json()["capacity_per_week"], r.json()["fee_bp"]) == (None, 500)
    assert_error(
        client.patch(f"/channels/{made['id']}", json={"name": None}), 422, "invalid_input", "name"
    )
    r = client.patch(f"/channels/{made['id']}", json={"active": False})
    assert [c["active"] for c in client.get(CHANNELS).json()] == [False]
    assert client.get(CHANNELS, params={"active": True}).json() == []


def test_a_price_list_replaces_the_last_and_exports_as_the_csv_it_came_from(client, seeded):
    cid = channel(client)["id"]
    first = [{"variant_sku": PHONE, "grade": "B", "amount": 40_000}]
    assert client.put(f"/channels/{cid}/prices", json=first).status_code == 200
    csv_text = f"variant_sku,grade,amount\n{PHONE},A,52000\n{PHONE},*,30000\n{PIXEL},B,28000\n"
    r = client.put(
        f"/channels/{cid}/prices", content=csv_text, headers={"content-type": "text/csv"}
    )
    assert r.status_code == 200, r.text
    assert {(p["variant_sku"], p["grade"], p["amount"]) for p in r.json()["prices"]} == {
        (PHONE, "A", 52_000),
        (PHONE, "*", 30_000),
        (PIXEL, "B", 28_000),
    }
    exported = client.get(f"/channels/{cid}/prices", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert sorted(exported.text.splitlines()) == sorted(csv_text.splitlines())
    # The export uploads again as a file, unchanged.
    files = {"file": ("prices.csv", exported.text.encode(), "text/csv")}
    assert client.put(f"/channels/{cid}/prices", files=files).json() == r.json()


@pytest.mark.parametrize("as_csv", [False, True])
def test_every_bad_price_line_is_named_at_once_and_nothing_is_written(client, seeded, as_csv):
    cid = channel(client)["id"]
    good = [{"variant_sku": PHONE, "grade": "B", "amount": 40_000}]
    client.put(f"/channels/{cid}/prices", json=good)
    lines = [
        (PHONE, "A", 50_000),  # line 1 (CSV: 2): fine
        ("no-such-phone", "B", 100),  # unknown SKU
        (PHONE, "E", 100),  # bad grade
        (PIXEL, "B", -5),  # negative
        (PHONE, "A", 49_000),  # duplicate of the first
    ]
    if as_csv:
        text = "variant_sku,grade,amount\n" + "".join(f"{s},{g},{a}\n" for s, g, a in lines)
        r = client.put(
            f"/channels/{cid}/prices", content=text, headers={"content-type": "text/csv"}
        )
        offset = 1
    else:
        body = [{"variant_sku": s, "grade": g, "amount": a} for s, g, a in lines]
        r = client.put(f"/channels/{cid}/prices", json=body)
        offset = 0
    body = assert_error(r, 422, "price_list_invalid", "prices")
    found = {(p["line"], p["column"]) for p in body["details"]["problems"]}
    assert found == {
        (2 + offset, "variant_sku"),
        (3 + offset, "grade"),
        (4 + offset, "amount"),
        (5 + offset, "variant_sku"),
    }
    assert client.get(f"/channels/{cid}/prices").json()["prices"] == [
        {"variant_sku": PHONE, "grade": "B", "amount": 40_000}
    ]


def test_a_csv_with_another_header_is_refused(client, seeded):
    cid = channel(client)["id"]
    r = client.put(
        f"/channels/{cid}/prices", content="sku,grade,price\n", headers={"content-type": "text/csv"}
    )
    assert_error(r, 422, "price_list_invalid", "prices")


def test_demand_is_per_known_model_and_replaced_whole(client, seeded):
    cid = channel(client, code="bulk", route="wholesale")["id"]
    r = client.put(
        f"/channels/{cid}/demand", json=[{"model_id": "apple-iphone-15", "units_per_week": 20}]
    )
    assert r.status_code == 200, r.text
    assert r.json()["demand"] == [{"model_id": "apple-iphone-15", "units_per_week": 20}]
    bad = [
        {"model_id": "apple-iphone-15", "units_per_week": 3},
        {"model_id": "nope", "units_per_week": 1},
    ]
    assert_error(client.put(f"/channels/{cid}/demand", json=bad), 422, "demand_invalid", "demand")
    # Refused whole: the demand stored before is untouched.
    kept = client.get(f"/channels/{cid}/demand").json()["demand"]
    assert kept == [{"model_id": "apple-iphone-15", "units_per_week": 20}]
    r = client.put(f"/channels/{cid}/demand", json=[])
    assert r.json()["demand"] == []


SCREEN = {
    "code": "screen",
    "category": "smartphone",
    "name": "Screen",
    "fixes": "screen_cracked",
    "parts_cost": 3_000,
    "labour_minutes": 30,
}


def test_repair_actions_fix_a_defect_of_their_category_or_a_cosmetic_grade(client, seeded):
    url = f"/programs/{PROGRAM}/repair-actions"
    battery = {**SCREEN, "code": "battery", "name": "Battery", "fixes": "battery"}
    polish = {**SCREEN, "code": "polish", "name": "Polish", "fixes": "cosmetic", "grade_after": "A"}
    r = client.put(url, json={"actions": [SCREEN, battery, polish]})
    assert r.status_code == 200, r.text
    assert [a["code"] for a in client.get(url).json()] == ["battery", "polish", "screen"]
    bad = [
        {**SCREEN, "code": "hinge", "fixes": "hinge"},  # a laptop's fault, not a phone's
        {**polish, "grade_after": None},  # cosmetic without the grade after
        {**SCREEN, "category": "toaster"},
        SCREEN,  # the first line again
    ]
    body = assert_error(
        client.put(url, json={"actions": [SCREEN, *bad]}), 422, "repair_action_invalid", "actions"
    )
    assert {(p["line"], p["column"]) for p in body["details"]["problems"]} == {
        (2, "fixes"),
        (3, "grade_after"),
        (4, "category"),
        (5, "code"),
    }
    assert [a["code"] for a in client.get(url).json()] == ["battery", "polish", "screen"]


def test_a_technician_reads_repair_actions_but_sets_up_no_channel(
    client, anonymous, seeded, sessions
):
    with sessions.begin() as s:
        tech = auth.staff(s, "tech@test.example", {PROGRAM: ["technician"]})
        auditor = auth.staff(s, "auditor@test.example", {PROGRAM: ["auditor"]})
    r = anonymous.post(CHANNELS, json=REFURB, headers=auth.bearer(tech))
    assert_error(r, 403, "forbidden")
    assert client.get(CHANNELS).json() == []
    assert (
        anonymous.get(f"/programs/{PROGRAM}/repair-actions", headers=auth.bearer(tech)).status_code
        == 200
    )
    assert anonymous.get(SETTINGS, headers=auth.bearer(auditor)).status_code == 200
    assert_error(anonymous.put(SETTINGS, json={}, headers=auth.bearer(auditor)), 403, "forbidden")


def test_another_programs_channel_is_not_found(client, anonymous, seeded, sessions):
    from tests import factories

    cid = channel(client)["id"]
    with sessions.begin() as s:
        factories.add_program(s, "rival")
        rival = auth.staff(s, "pm@rival.example", {"rival": ["program_manager"]})
    r = anonymous.patch(f"/channels/{cid}", json={"fee_bp": 0}, headers=auth.bearer(rival))
    assert_error(r, 404, "channel_not_found")
    r = anonymous.get(SETTINGS, headers=auth.bearer(rival))
    assert r.status_code == 404
    assert client.get(CHANNELS).json()[0]["fee_bp"] == 1000
