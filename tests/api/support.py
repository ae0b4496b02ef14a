"""Helpers for the HTTP tests: start trade-ins, move them along, and price by the rules.

The expected offers are computed here from the pricing rules the seeded program uses (the
program defaults), independently of the application's pricing code, so a test that compares
against them checks the rules and not a copy of the output.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from tests import factories

PROGRAM = "acme"
PHONE = factories.PHONE  # Apple iPhone 15 128 GB, smartphone, released 2023-09-22, 799.00 USD
PHONE_256 = "apple-iphone-15-256gb"
PIXEL = "google-pixel-8-128gb"
TABLET = "apple-ipad-10-64gb-wifi"
LAPTOP = "apple-macbook-air-13-m2-8gb-256gb"
WATCH = "apple-watch-series-9-45mm-64gb-gps"

# What the small catalog says about each variant: launch price (minor units) and release date.
LAUNCH = {
    PHONE: (79900, date(2023, 9, 22), "smartphone"),
    PHONE_256: (89900, date(2023, 9, 22), "smartphone"),
    PIXEL: (69900, date(2023, 10, 12), "smartphone"),
    TABLET: (44900, date(2022, 10, 26), "tablet"),
    LAPTOP: (119900, date(2022, 7, 15), "laptop"),
    WATCH: (42900, date(2023, 9, 22), "wearable"),
}

# The program defaults (PricingRules) the seeded program keeps.
SHARE_OF_LAUNCH_BP = 6000  # the seeded program's base prices: 60% of the launch price
GRADE_BP = {"flawless": 10000, "good": 8500, "fair": 6500, "poor": 4000}
DEDUCTION_BP = {
    "screen_cracked": 3000,
    "battery": 1000,
    "display": 2000,
    "camera": 1500,
    "speaker": 800,
    "microphone": 800,
    "buttons": 800,
    "biometrics": 1200,
    "charging_port": 1000,
    "connectivity": 1500,
    "keyboard": 1500,
    "trackpad": 1200,
    "ports": 800,
    "hinge": 1500,
    "sensors": 1500,
    "strap": 300,
    "crown": 800,
}
MONTHLY_BP = {"smartphone": 300, "tablet": 250, "laptop": 200, "wearable": 350}
MAX_DEPRECIATION_BP = 8500
FLOOR = 500
INCREMENT = 100
BONUS_BP = {"cash": 0, "store_credit": 1000}

SANITIZED = {"level": "purge", "technique": "cryptographic_erase", "result": "erased"}
NOT_ERASED = {"level": "clear", "technique": "overwrite", "result": "not_erased"}


def base_price(sku: str) -> int:
    return LAUNCH[sku][0] * SHARE_OF_LAUNCH_BP // 10000


def months_since(released: date, today: date) -> int:
    months = (today.year - released.year) * 12 + today.month - released.month
    return max(months - (1 if today.day < released.day else 0), 0)


def half_up(value: Fraction) -> int:
    whole, rest = divmod(value.numerator, value.denominator)
    return whole + (1 if 2 * rest >= value.denominator else 0)


def expected_offer(
    sku: str,
    *,
    method: str = "cash",
    today: date = factories.NOW.date(),
    base: int | None = None,
    cosmetic: str = "good",
    defects: tuple[str, ...] = (),
    promotion: int = 0,
    promotion_bp: int = 0,
) -> int:
    """The offer for a working, unlocked device, by the program's rules, in minor units."""
    base = base_price(sku) if base is None else base
    _, released, category = LAUNCH[sku]
    kept = max(
        Fraction(10000 - MONTHLY_BP[category], 10000) ** months_since(released, today),
        Fraction(10000 - MAX_DEPRECIATION_BP, 10000),
    )
    value = base * kept * Fraction(GRADE_BP[cosmetic], 10000)
    graded = value
    for defect in defects:
        value -= min(graded * Fraction(DEDUCTION_BP[defect], 10000), value)
    value = max(value, Fraction(min(FLOOR, base)))
    value += promotion + value * Fraction(promotion_bp, 10000)
    value += value * Fraction(BONUS_BP[method], 10000)
    exact = half_up(value)
    return exact - exact % INCREMENT


def quote_body(sku: str = PHONE, program: str = PROGRAM, **answers: Any) -> dict:
    return {"program_id": program, "variant_sku": sku, "answers": factories.answers(**answers)}


# Each trade-in's customer link, kept from the quote that opened it: the customer alone answers
# a re-quote, so those actions are sent with the link rather than the staff session.
CUSTOMER_TOKENS: dict[str, str] = {}
CUSTOMER_ONLY = frozenset({"accept-requote", "decline-requote"})


def post_quote(client, sku: str = PHONE, program: str = PROGRAM, **answers: Any) -> dict:
    r = client.post("/quotes", json=quote_body(sku, program, **answers))
    assert r.status_code == 201, r.text
    body = r.json()
    CUSTOMER_TOKENS[body["trade_in_id"]] = body["customer_token"]
    return body


def as_customer(tid: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {CUSTOMER_TOKENS[tid]}"}


def offer(quote: dict, method: str) -> int:
    (match,) = [o for o in quote["offers"] if o["method"] == method]
    return match["amount"]["amount"]


def start(client, sku: str = PHONE, **answers: Any) -> str:
    """A new trade-in in state ``quoted``; its id."""
    return post_quote(client, sku, **answers)["trade_in_id"]


def act(client, tid: str, action: str, body: dict | None = None, **kw: Any):
    if action in CUSTOMER_ONLY and tid in CUSTOMER_TOKENS and "headers" not in kw:
        kw["headers"] = as_customer(tid)
    return client.post(f"/trade-ins/{tid}/{action}", json=body, **kw)


def ok(client, tid: str, action: str, body: dict | None = None) -> dict:
    r = act(client, tid, action, body)
    assert r.status_code == 200, f"{action}: {r.text}"
    return r.json()


def read(client, tid: str) -> dict:
    r = client.get(f"/trade-ins/{tid}")
    assert r.status_code == 200, r.text
    return r.json()


def snapshot(client, tid: str) -> dict:
    """What a refused action must leave exactly as it was."""
    t = read(client, tid)
    return {
        "state": t["state"],
        "custody": len(t["custody"]),
        "last_hash": t["custody"][-1]["hash"],
        "pathway": t["pathway"],
        "payout_method": t["payout_method"],
        "payable": t["payable"],
        "requote": t["requote"],
        "sanitization": t["sanitization"],
        "payment": t["payment"],
        "disposition": t["disposition"],
        "reason": t["reason"],
        "expires_at": t["expires_at"],
        "updated_at": t["updated_at"],
    }


def accepted(client, *, pathway: str = "mail_in", method: str = "cash", **answers: Any) -> str:
    tid = start(client, **answers)
    ok(client, tid, "accept", {"payout_method": method, "pathway": pathway})
    return tid


def received(client, *, pathway: str = "in_store", method: str = "cash", **answers: Any) -> str:
    tid = accepted(client, pathway=pathway, method=method, **answers)
    if pathway in ("mail_in", "business_lot"):
        ok(client, tid, "await-shipment")
        ok(client, tid, "ship")
    ok(client, tid, "receive")
    return tid


def requote_offered(client, *, method: str = "cash") -> str:
    """Declared good, found fair: the inspection opens a re-quote."""
    tid = received(client, method=method)
    ok(client, tid, "inspect", {"condition": factories.answers(cosmetic="fair")})
    return tid


def sanitized(client, *, result: dict = SANITIZED) -> str:
    tid = received(client)
    ok(client, tid, "inspect", {"condition": factories.answers()})
    ok(client, tid, "sanitize", result)
    return tid


def paid(client, *, result: dict = SANITIZED) -> str:
    tid = sanitized(client, result=result)
    ok(client, tid, "pay")
    return tid


def rejected(client) -> str:
    tid = received(client)
    ok(client, tid, "reject", {"reason": "counterfeit"})
    return tid


def assert_error(r, status: int, code: str, field: str | None = None) -> dict:
    """The response is the JSON error ``{code, message, details}``; ``field`` is named."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"code", "message", "details"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    if field is not None:
        named = {e["field"] for e in body["details"].get("errors", [])}
        if "field" in body["details"]:
            named.add(body["details"]["field"])
        assert field in named, body
    return body


def trade_in_total(client, **params: Any) -> int:
    r = client.get("/trade-ins", params=params)
    assert r.status_code == 200, r.text
    return r.json()["total"]


def record(*findings: dict, battery: int = 92, failed: tuple[str, ...] = (), **extra: Any) -> dict:
    """A smartphone inspection record: every check passed but ``failed``, these findings."""
    from revalue.domain.catalog import Category
    from revalue.domain.inspection import CHECKS_BY_CATEGORY

    checks = {str(c): "pass" for c in CHECKS_BY_CATEGORY[Category.SMARTPHONE]}
    checks.update({c: "fail" for c in failed})
    return {
        "checks": checks,
        "battery_health_pct": battery,
        "findings": list(findings),
        **extra,
    }


def finding(zone: str, defect: str, count: int = 1, size_mm: float = 3.0, **kw: Any) -> dict:
    return {"zone": zone, "defect": defect, "count": count, "size_mm": size_mm, **kw}


# Records and the price tier the CTIA-style scale gives them (the program default scale).
AS_DECLARED = record(finding("back", "light_scratch", 3, 5.0))  # B0: good, as declared
PRISTINE = record()  # A0: flawless, better than declared
DEEP_SCRATCHED = record(finding("screen", "deep_scratch", 2, 8.0))  # C0: fair
