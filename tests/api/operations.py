"""Every API operation, who may call it, and a request that reaches it.

``ACCESS`` is the access policy written out by hand, independently of the routes' own
declarations: the role-matrix test holds every route to it, and a route missing here (or
declaring nothing) fails that test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from revalue.domain.access import Role
from revalue.http.auth import Operation, operations
from tests import auth, factories, images
from tests.api.support import PROGRAM, SANITIZED, post_quote

A, PM, SA = Role.ADMIN, Role.PROGRAM_MANAGER, Role.STORE_ASSOCIATE
R, INS, T, F, AU = Role.RECEIVER, Role.INSPECTOR, Role.TECHNICIAN, Role.FINANCE, Role.AUDITOR
STAFF = frozenset(Role)
PARTNER, CUSTOMER, ANYONE = "partner", "customer", "anyone"
TRADE_IN = "/trade-ins/{trade_in_id}"
WEBHOOKS = "/programs/{program_id}/webhooks"
REPORTS = "/programs/{program_id}/reports"

ACCESS: dict[tuple[str, str], frozenset] = {
    ("get", "/health"): frozenset({ANYONE}),
    ("post", "/auth/login"): frozenset({ANYONE}),
    ("post", "/auth/logout"): STAFF,
    ("get", "/auth/me"): STAFF | {PARTNER, CUSTOMER},
    ("post", "/api-keys"): frozenset({A, PM}),
    ("get", "/api-keys"): frozenset({A, PM, AU}),
    ("post", "/api-keys/{key_id}/rotate"): frozenset({A, PM}),
    ("post", "/api-keys/{key_id}/revoke"): frozenset({A, PM}),
    ("get", "/audit/security-events"): frozenset({A}),
    ("get", "/catalog/models"): frozenset({ANYONE}),
    ("get", "/catalog/models/{model_id}"): frozenset({ANYONE}),
    ("get", "/catalog/variants/{sku}"): frozenset({ANYONE}),
    ("post", "/catalog/import"): frozenset({A}),
    ("get", "/catalog/export"): STAFF,
    ("get", "/identify/{imei}"): frozenset({A, PM, SA, R, INS, AU, PARTNER}),
    ("post", "/tac/import"): frozenset({A}),
    ("get", "/programs"): STAFF | {PARTNER},
    ("post", "/programs"): frozenset({A}),
    ("get", "/programs/{program_id}"): STAFF | {PARTNER},
    ("patch", "/programs/{program_id}"): frozenset({A, PM}),
    ("put", "/programs/{program_id}/prices"): frozenset({A, PM}),
    ("post", "/programs/{program_id}/prices/derive"): frozenset({A, PM}),
    ("post", "/programs/{program_id}/promotions"): frozenset({A, PM}),
    ("get", "/programs/{program_id}/price-list"): STAFF | {PARTNER},
    ("post", "/quotes"): frozenset({ANYONE}),
    ("get", "/quotes/{quote_id}"): STAFF | {PARTNER, CUSTOMER},
    ("get", "/trade-ins"): STAFF | {PARTNER},
    ("get", TRADE_IN): STAFF | {PARTNER, CUSTOMER},
    ("get", f"{TRADE_IN}/custody/verify"): frozenset({A, PM, AU}),
    ("post", f"{TRADE_IN}/links"): frozenset({A, PM, SA, PARTNER}),
    ("post", f"{TRADE_IN}/links/revoke"): frozenset({A, PM, SA, PARTNER, CUSTOMER}),
    ("get", f"{TRADE_IN}/contact"): frozenset({A, PM, SA, R, PARTNER, CUSTOMER}),
    ("put", f"{TRADE_IN}/contact"): frozenset({A, SA, PARTNER, CUSTOMER}),
    ("post", f"{TRADE_IN}/accept"): frozenset({A, SA, PARTNER, CUSTOMER}),
    ("post", f"{TRADE_IN}/await-shipment"): frozenset({A, SA, R, PARTNER, CUSTOMER}),
    ("post", f"{TRADE_IN}/ship"): frozenset({A, R, PARTNER, CUSTOMER}),
    ("post", f"{TRADE_IN}/receive"): frozenset({A, SA, R}),
    ("post", f"{TRADE_IN}/inspect"): frozenset({A, SA, INS}),
    ("post", f"{TRADE_IN}/accept-requote"): frozenset({PARTNER, CUSTOMER}),
    ("post", f"{TRADE_IN}/decline-requote"): frozenset({PARTNER, CUSTOMER}),
    ("post", f"{TRADE_IN}/reject"): frozenset({A, R, INS}),
    ("post", f"{TRADE_IN}/return"): frozenset({A, R}),
    ("post", f"{TRADE_IN}/sanitize"): frozenset({A, T}),
    ("post", f"{TRADE_IN}/pay"): frozenset({A, F}),
    ("post", f"{TRADE_IN}/payout/approve"): frozenset({A, F}),
    ("post", f"{TRADE_IN}/pay/instant"): frozenset({A, F, SA}),
    ("post", "/payouts/reconcile"): frozenset({A, F}),
    ("get", f"{TRADE_IN}/payout"): STAFF | {PARTNER, CUSTOMER},
    ("get", "/payouts/awaiting-approval"): frozenset({A, F, PM, AU}),
    ("get", "/payouts/overdue"): frozenset({A, F, PM, AU}),
    ("post", f"{TRADE_IN}/payout/executed"): frozenset({A, F}),
    ("post", f"{TRADE_IN}/payout/failed"): frozenset({A, F}),
    ("get", "/programs/{program_id}/payouts/instructions.csv"): frozenset({A, F}),
    ("get", "/programs/{program_id}/ledger/entries.csv"): frozenset({A, F, AU}),
    ("get", "/programs/{program_id}/payouts.csv"): frozenset({A, F, AU}),
    ("get", "/programs/{program_id}/ledger/daily"): frozenset({A, F, AU}),
    ("get", "/programs/{program_id}/ledger/balances"): frozenset({A, F, AU}),
    ("post", f"{TRADE_IN}/dispose"): frozenset({A, PM, T}),
    ("post", f"{TRADE_IN}/cancel"): frozenset({A, SA, PARTNER, CUSTOMER}),
    ("post", f"{TRADE_IN}/expire"): frozenset({A, PM}),
    ("post", f"{TRADE_IN}/photos"): frozenset({A, R, INS, SA}),
    ("get", f"{TRADE_IN}/photos"): STAFF | {PARTNER, CUSTOMER},
    ("get", f"{TRADE_IN}/photos/{{sha256}}"): STAFF | {PARTNER, CUSTOMER},
    ("post", f"{TRADE_IN}/second-opinion"): frozenset({A, INS}),
    ("get", f"{TRADE_IN}/inspections"): STAFF | {PARTNER, CUSTOMER},
    ("get", "/grading/calibration"): frozenset({A, PM, AU}),
    ("post", f"{TRADE_IN}/certificate"): frozenset({A, T}),
    ("get", f"{TRADE_IN}/certificates"): STAFF | {PARTNER, CUSTOMER},
    ("get", "/.well-known/revalue-certificate-keys.json"): frozenset({ANYONE}),
    ("get", "/certificates/{certificate_id}"): frozenset({ANYONE}),
    ("get", "/certificates/{certificate_id}.pdf"): frozenset({ANYONE}),
    ("post", "/certificates/verify"): frozenset({ANYONE}),
    ("get", "/verify/{certificate_id}"): frozenset({ANYONE}),
    ("get", "/programs/{program_id}/theme.css"): frozenset({ANYONE}),
    # The customer portal's pages: public; the customer's link token is in the address.
    ("get", "/p/{program_id}"): frozenset({ANYONE}),
    ("get", "/p/{program_id}/quote/{variant_sku}"): frozenset({ANYONE}),
    ("post", "/p/{program_id}/quote"): frozenset({ANYONE}),
    ("get", "/t/{token}"): frozenset({ANYONE}),
    ("post", "/t/{token}/accept"): frozenset({ANYONE}),
    ("post", "/t/{token}/label"): frozenset({ANYONE}),
    ("post", "/t/{token}/requote"): frozenset({ANYONE}),
    ("get", "/t/{token}/label.pdf"): frozenset({ANYONE}),
    ("get", "/t/{token}/handover.svg"): frozenset({ANYONE}),
    ("get", "/t/{token}/photos/{sha256}"): frozenset({ANYONE}),
    ("get", "/t/{token}/certificate.pdf"): frozenset({ANYONE}),
    ("get", "/t/{token}/receipt.pdf"): frozenset({ANYONE}),
    # The staff console's pages (cookie session; browsers are sent to sign in).
    ("get", "/console/login"): frozenset({ANYONE}),
    ("post", "/console/login"): frozenset({ANYONE}),
    ("post", "/console/logout"): STAFF,
    ("get", "/console"): STAFF,
    ("get", "/console/receiving"): frozenset({A, R, SA}),
    ("post", "/console/receiving"): frozenset({A, R, SA}),
    ("get", "/console/trade-ins/{trade_in_id}"): STAFF,
    ("post", "/console/trade-ins/{trade_in_id}/return"): frozenset({A, R}),
    ("get", "/console/inspection"): frozenset({A, SA, INS}),
    ("get", "/console/trade-ins/{trade_in_id}/inspect"): frozenset({A, SA, INS}),
    ("post", "/console/trade-ins/{trade_in_id}/inspect"): frozenset({A, SA, INS}),
    ("post", "/console/trade-ins/{trade_in_id}/inspect/preview"): frozenset({A, SA, INS}),
    ("post", "/console/trade-ins/{trade_in_id}/photos"): frozenset({A, R, INS, SA}),
    ("get", "/console/queues"): frozenset({A, PM, R, INS, T, F, AU}),
    ("get", "/console/dashboard"): frozenset({A, PM, F, AU}),
    ("post", "/programs/{program_id}/certificate-summaries"): frozenset({A, T}),
    ("get", "/programs/{program_id}/certificate-summaries"): frozenset({A, PM, T, AU}),
    ("get", f"{TRADE_IN}/sanitizations"): frozenset({A, PM, T, AU}),
    ("post", f"{TRADE_IN}/sanitizations/verify"): frozenset({A, T}),
    ("get", "/sanitizations/awaiting-verification"): frozenset({A, PM, T, AU}),
    ("post", "/sanitization-reports"): frozenset({A, T}),
    ("get", "/screening/flags"): frozenset({A, PM, R, INS, AU}),
    ("post", "/screening/flags/{flag_id}/clear"): frozenset({A, PM}),
    ("post", "/screening/flags/{flag_id}/confirm"): frozenset({A, PM}),
    ("get", f"{TRADE_IN}/screening"): frozenset({A, PM, SA, R, INS, AU}),
    ("get", "/blocklist"): frozenset({A, PM, AU}),
    ("post", "/blocklist"): frozenset({A, PM}),
    ("post", "/blocklist/{entry_id}/remove"): frozenset({A}),
    ("post", "/blocklist/import"): frozenset({A}),
    ("get", "/grading/scales"): frozenset({A, PM, SA, INS, AU}),
    ("get", "/grading/scales/{scale_id}"): frozenset({A, PM, SA, INS, AU}),
    ("post", "/grading/scales"): frozenset({A, PM}),
    ("post", "/grading/preview"): frozenset({A, PM, SA, INS, AU}),
    ("post", "/trade-ins/expire-due"): frozenset({A}),
    ("get", "/audit/verify"): frozenset({A, PM, AU}),
    ("post", "/customer/access"): frozenset({ANYONE}),
    ("post", "/customer/access/verify"): frozenset({ANYONE}),
    ("post", WEBHOOKS): frozenset({A, PM}),
    ("get", WEBHOOKS): frozenset({A, PM, AU}),
    ("get", f"{WEBHOOKS}/{{subscription_id}}"): frozenset({A, PM, AU}),
    ("post", f"{WEBHOOKS}/{{subscription_id}}/disable"): frozenset({A, PM}),
    ("post", f"{WEBHOOKS}/{{subscription_id}}/rotate-secret"): frozenset({A, PM}),
    ("post", f"{WEBHOOKS}/{{subscription_id}}/ping"): frozenset({A, PM}),
    ("get", f"{WEBHOOKS}/deliveries"): frozenset({A, PM, AU}),
    ("post", f"{WEBHOOKS}/deliveries/{{delivery_id}}/replay"): frozenset({A, PM}),
    ("post", "/store-credits/balance"): frozenset({A, F, SA, PARTNER}),
    ("post", "/store-credits/redeem"): frozenset({A, SA, PARTNER}),
    ("post", "/coupons/redeem"): frozenset({A, SA, PARTNER}),
    # Business lots: a manifest priced as one lot, received against it and settled.
    ("post", "/programs/{program_id}/lots"): frozenset({A, PM, PARTNER}),
    ("get", "/programs/{program_id}/lots"): frozenset({A, PM, R, F, AU, PARTNER}),
    ("get", "/lots/{lot_id}"): frozenset({A, PM, R, F, AU, PARTNER}),
    ("get", "/lots/{lot_id}/lines.csv"): frozenset({A, PM, R, F, AU, PARTNER}),
    ("post", "/lots/{lot_id}/accept"): frozenset({A, PM, PARTNER}),
    ("post", "/lots/{lot_id}/receive"): frozenset({A, R}),
    ("post", "/lots/{lot_id}/close-receiving"): frozenset({A, R}),
    ("post", "/lots/{lot_id}/settle"): frozenset({A, F}),
    # Shipments, carriers and tracking, claims and SLAs (logistics).
    ("post", f"{TRADE_IN}/shipments"): frozenset({A, SA, PARTNER, CUSTOMER}),
    ("get", f"{TRADE_IN}/shipments"): STAFF | {PARTNER, CUSTOMER},
    ("get", "/shipments/{shipment_id}/label.pdf"): frozenset({A, PM, SA, R, PARTNER, CUSTOMER}),
    ("post", "/carriers/{carrier}/events"): frozenset({A, R, PARTNER}),
    ("get", "/tracking/orphans"): frozenset({A}),
    ("post", "/programs/{program_id}/logistics/sweep"): frozenset({A, PM}),
    ("get", "/programs/{program_id}/logistics/overdue"): frozenset({A, PM, AU}),
    ("get", "/programs/{program_id}/claims"): frozenset({A, PM, F, AU}),
    ("post", "/claims/{claim_id}/resolve"): frozenset({A, PM}),
    # Sites, receiving and store batches. Sites and batches are the installation's: the matrix
    # names none that exists, so every caller admitted gets its 404, in any program.
    ("post", "/sites"): frozenset({A}),
    ("get", "/sites"): STAFF,
    ("get", "/sites/{site_id}"): STAFF,
    ("patch", "/sites/{site_id}"): frozenset({A}),
    ("post", "/sites/{site_id}/locations"): frozenset({A}),
    ("get", "/sites/{site_id}/locations"): STAFF,
    ("patch", "/sites/{site_id}/locations/{location_id}"): frozenset({A}),
    ("post", f"{TRADE_IN}/move"): frozenset({A, R, T, INS}),
    ("get", "/sites/{site_id}/inventory"): frozenset({A, PM, R, INS, T, SA, AU}),
    ("post", "/sites/{site_id}/receive"): frozenset({A, R, SA}),
    ("get", "/sites/{site_id}/receipts"): frozenset({A, PM, R, SA, AU}),
    ("get", f"{TRADE_IN}/receipts"): frozenset({A, PM, R, SA, INS, AU}),
    ("post", "/receipts/{receipt_id}/resolve"): frozenset({A, PM, R}),
    ("post", "/batches"): frozenset({A, SA}),
    ("post", "/batches/{batch_id}/items"): frozenset({A, SA}),
    ("post", "/batches/{batch_id}/dispatch"): frozenset({A, SA}),
    ("post", "/batches/{batch_id}/receive-item"): frozenset({A, R}),
    ("post", "/batches/{batch_id}/close"): frozenset({A, R}),
    ("get", "/batches/{batch_id}"): frozenset({A, PM, R, SA, AU}),
    # Environmental receipts and program reports (value recovery). A receipt not issued yet:
    # an admitted caller gets 404.
    ("get", "/environmental-factors"): frozenset({ANYONE}),
    ("get", f"{TRADE_IN}/environmental-receipt"): STAFF | {PARTNER, CUSTOMER},
    ("get", f"{TRADE_IN}/environmental-receipt.pdf"): STAFF | {PARTNER, CUSTOMER},
    ("get", "/programs/{program_id}/environment"): frozenset({A, PM, F, AU, PARTNER}),
    ("get", f"{REPORTS}/recovery"): frozenset({A, PM, F, AU, PARTNER}),
    ("get", f"{REPORTS}/disposition-mix"): frozenset({A, PM, F, AU, PARTNER}),
    ("get", f"{REPORTS}/days-to-sell"): frozenset({A, PM, F, AU, PARTNER}),
    ("get", f"{REPORTS}/requotes"): frozenset({A, PM, F, AU, PARTNER}),
    ("get", f"{REPORTS}/stages"): frozenset({A, PM, F, AU, PARTNER}),
    ("get", f"{REPORTS}/objectives"): frozenset({A, PM, F, AU, PARTNER}),
    ("get", f"{REPORTS}/summary"): frozenset({A, PM, F, AU, PARTNER}),
    # Inventory, B2B sales lots and sales (value recovery).
    ("get", "/programs/{program_id}/inventory"): frozenset({A, PM, T, F, AU}),
    ("get", "/programs/{program_id}/inventory/summary"): frozenset({A, PM, T, F, AU}),
    ("get", "/inventory/{item_id}"): frozenset({A, PM, T, F, AU}),
    ("post", "/inventory/{item_id}/list"): frozenset({A, PM, F}),
    ("post", "/inventory/{item_id}/unlist"): frozenset({A, PM, F}),
    ("post", "/inventory/{item_id}/sale"): frozenset({A, PM, F}),
    ("post", "/programs/{program_id}/sales-lots"): frozenset({A, PM, F}),
    ("get", "/sales-lots/{lot_id}"): frozenset({A, PM, F, AU}),
    ("get", "/sales-lots/{lot_id}/manifest.csv"): frozenset({A, PM, F, AU}),
    ("post", "/sales-lots/{lot_id}/sell"): frozenset({A, PM, F}),
    ("post", "/sales-lots/{lot_id}/cancel"): frozenset({A, PM, F}),
    # Market prices, resale estimates and price-book proposals (value recovery).
    ("post", "/programs/{program_id}/market-prices"): frozenset({A, PM}),
    ("get", "/programs/{program_id}/market-prices"): frozenset({A, PM, F, AU}),
    ("post", "/programs/{program_id}/resale-estimates/refresh"): frozenset({A, PM}),
    ("get", "/programs/{program_id}/resale-estimates"): frozenset({A, PM, F, AU}),
    ("post", "/programs/{program_id}/pricebook-proposals"): frozenset({A, PM}),
    ("get", "/pricebook-proposals/{proposal_id}"): frozenset({A, PM, F, AU}),
    ("post", "/pricebook-proposals/{proposal_id}/approve"): frozenset({A, PM}),
    ("post", "/pricebook-proposals/{proposal_id}/reject"): frozenset({A, PM}),
    # Recovery set-up, disposition plans and work orders (value recovery).
    ("get", "/programs/{program_id}/recovery/settings"): frozenset({A, PM, F, AU}),
    ("put", "/programs/{program_id}/recovery/settings"): frozenset({A, PM}),
    ("post", "/programs/{program_id}/channels"): frozenset({A, PM}),
    ("get", "/programs/{program_id}/channels"): frozenset({A, PM, F, AU}),
    ("patch", "/channels/{channel_id}"): frozenset({A, PM}),
    ("put", "/channels/{channel_id}/prices"): frozenset({A, PM}),
    ("get", "/channels/{channel_id}/prices"): frozenset({A, PM, F, AU}),
    ("put", "/channels/{channel_id}/demand"): frozenset({A, PM}),
    ("get", "/channels/{channel_id}/demand"): frozenset({A, PM, F, AU}),
    ("put", "/programs/{program_id}/repair-actions"): frozenset({A, PM}),
    ("get", "/programs/{program_id}/repair-actions"): frozenset({A, PM, T, F, AU}),
    ("post", "/programs/{program_id}/plans"): frozenset({A, PM}),
    ("get", "/plans/{plan_id}"): frozenset({A, PM, F, AU}),
    ("get", "/plans/{plan_id}/decisions"): frozenset({A, PM, F, AU}),
    ("post", "/plans/{plan_id}/apply"): frozenset({A, PM}),
    ("get", "/programs/{program_id}/work-orders"): frozenset({A, PM, T, AU}),
    ("get", "/programs/{program_id}/work-orders/capacity"): frozenset({A, PM, T, AU}),
    ("get", "/work-orders/{work_order_id}"): frozenset({A, PM, T, AU}),
    ("post", "/work-orders/{work_order_id}/start"): frozenset({A, T}),
    ("post", "/work-orders/{work_order_id}/finish"): frozenset({A, T}),
    ("post", "/work-orders/{work_order_id}/cancel"): frozenset({A, PM}),
}

# Well-formed codes nobody holds; the program is named in the body, filled in per program.
REDEMPTION = {
    ("post", "/store-credits/balance"): {"code": "RV-0000-0000-0000-000M"},
    ("post", "/store-credits/redeem"): {
        "code": "RV-0000-0000-0000-000M",
        "amount": 100,
        "currency": "USD",
        "order_reference": "ORDER-1",
    },
    ("post", "/coupons/redeem"): {
        "code": "CP-0000-0000-0000-000J",
        "customer_email": "ada@example.com",
        "order_reference": "ORDER-1",
    },
}

# Operations whose data belongs to one program, named in the path or the body: across
# programs they must answer 404, as if the data did not exist.
SCOPED = {
    op
    for op in ACCESS
    # A carrier is no program's: its events are matched to parcels the caller holds. A
    # program's public face (its portal and colours) is everyone's to see, as its quotes are.
    if "{" in op[1]
    and not op[1].startswith(("/catalog", "/identify", "/carriers", "/p/"))
    and not op[1].endswith("/theme.css")
} | {
    ("post", "/quotes"),
    ("post", "/api-keys"),
    ("post", "/grading/scales"),
    *REDEMPTION,
    ("get", "/console/dashboard"),  # ?program= names it
}


@dataclass(frozen=True)
class Ids:
    """The data one program holds, for filling in paths and bodies."""

    program_id: str
    trade_in_id: str
    quote_id: str
    key_id: str
    subscription_id: str
    delivery_id: int
    login_email: str
    login_password: str
    scale_id: str  # a grading scale loaded for the program
    flag_id: int = 0  # a screening flag on the trade-in
    entry_id: int = 0  # a blocklist entry
    customer_token: str = ""  # the trade-in's link, for the portal's /t/{token} pages


BODIES: dict[tuple[str, str], Any] = {
    ("post", "/programs"): factories.program_in(id="matrix-new").model_dump(mode="json"),
    ("patch", "/programs/{program_id}"): {"name": "Renamed"},
    ("put", "/programs/{program_id}/prices"): {"prices": []},
    ("post", "/programs/{program_id}/prices/derive"): {"share_of_launch_bp": 5000},
    ("post", "/quotes"): None,  # filled per program
    ("post", f"{TRADE_IN}/accept"): {"payout_method": "cash", "pathway": "mail_in"},
    ("post", f"{TRADE_IN}/inspect"): {"condition": factories.answers()},
    ("post", f"{TRADE_IN}/second-opinion"): {"condition": factories.answers()},
    ("post", "/grading/preview"): {"category": "smartphone", "checks": {"power": "pass"}},
    ("post", f"{TRADE_IN}/reject"): {"reason": "other"},
    ("post", f"{TRADE_IN}/sanitize"): SANITIZED,
    ("post", f"{TRADE_IN}/dispose"): {"route": "recycle"},
    ("post", f"{TRADE_IN}/payout/executed"): {"bank_reference": "BACS-1"},
    ("post", f"{TRADE_IN}/payout/failed"): {"reason": "account closed"},
    ("post", f"{TRADE_IN}/sanitizations/verify"): {"passed": True, "method": "read-back"},
    ("put", f"{TRADE_IN}/contact"): {"name": "Ada Lovelace"},
    ("post", "/customer/access"): {"email": "nobody@example.com"},
    ("post", "/screening/flags/{flag_id}/clear"): {"reason": "checked by hand"},
    ("post", "/screening/flags/{flag_id}/confirm"): {"reason": "checked by hand"},
    ("post", "/blocklist"): {"imei": "352099001761481", "reason": "stolen"},
    ("post", "/certificates/verify"): {"certificate": {}, "signature": {}},
    # A quoted trade-in cannot be certified: an admitted caller gets 409, and nothing is issued.
    ("post", "/programs/{program_id}/certificate-summaries"): None,  # filled per program
    ("post", "/customer/access/verify"): {"email": "nobody@example.com", "code": "000000"},
    ("post", WEBHOOKS): {
        "url": "https://partner.example/hooks",
        "event_types": ["trade_in.state_changed"],
    },
    ("post", f"{WEBHOOKS}/{{subscription_id}}/rotate-secret"): None,
    ("post", "/api-keys/{key_id}/rotate"): {"grace_hours": 1},
    # One phone; every admitted caller after the first gets 409 lot_exists.
    ("post", "/programs/{program_id}/lots"): {
        "reference": "MATRIX-1",
        "business_name": "Matrix Ltd",
        "manifest": "imei,model,cosmetic\n352099001761481,apple-iphone-15-128gb,good\n",
    },
    ("post", "/lots/{lot_id}/receive"): {"scans": ["352099001761481"]},
    # A quoted trade-in gets no label: an admitted caller gets 409, and nothing is written.
    ("post", f"{TRADE_IN}/shipments"): {},
    # A parcel nobody shipped: kept as an orphan (a repeat is a duplicate).
    ("post", "/carriers/{carrier}/events"): {
        "events": [
            {
                "event_id": "matrix-1",
                "tracking_number": "RV00000000000",
                "status": "in_transit",
                "occurred_at": "2026-06-15T12:00:00Z",
            }
        ]
    },
    ("post", "/claims/{claim_id}/resolve"): {"outcome": "found"},
    # The one site made: every admitted caller after the first gets 409 site_exists.
    ("post", "/sites"): {
        "id": "matrix-site",
        "kind": "processing",
        "name": "Matrix",
        "address": {"line1": "1 Matrix Way", "city": "Leeds", "country": "GB"},
    },
    ("patch", "/sites/{site_id}"): {"name": "Renamed"},
    ("post", "/sites/{site_id}/locations"): {"code": "M-01", "kind": "shelf"},
    ("patch", "/sites/{site_id}/locations/{location_id}"): {"active": False},
    ("post", f"{TRADE_IN}/move"): {"site_id": "site-none"},
    ("post", "/sites/{site_id}/receive"): {"scan": "352099001761481"},
    ("post", "/receipts/{receipt_id}/resolve"): {"resolution": "return_to_sender"},
    ("post", "/batches"): {"from_site_id": "site-none", "to_site_id": "site-none"},
    ("post", "/batches/{batch_id}/items"): {"scan": "352099001761481"},
    ("post", "/batches/{batch_id}/receive-item"): {"scan": "x", "site_id": "site-none"},
    # No such item, channel, lot or proposal: an admitted caller gets 404 (or 422 for the lot's
    # unknown channel), and nothing is written.
    ("post", "/inventory/{item_id}/list"): {"list_price": 10000},
    ("post", "/inventory/{item_id}/sale"): {"price": 10000, "buyer": "Matrix Ltd"},
    ("post", "/programs/{program_id}/sales-lots"): {
        "reference": "MATRIX-SL",
        "channel_id": "ch_none",
        "item_ids": ["inv_none"],
    },
    ("post", "/sales-lots/{lot_id}/sell"): {"buyer": "Matrix Ltd", "price": 10000},
    ("post", "/pricebook-proposals/{proposal_id}/reject"): {"note": "not now"},
    ("put", "/programs/{program_id}/recovery/settings"): {
        "labour_rate_per_hour": 4000,
        "repair_hours_per_week": 80,
        "holding_cost_per_day": 10,
        "speed_weight_bp": 30000,
        "horizon_days": 7,
        "target_margin_bp": 2000,
    },
    # The one channel made: every admitted caller after the first gets 409 channel_exists.
    ("post", "/programs/{program_id}/channels"): {
        "code": "matrix",
        "name": "Matrix",
        "route": "recycle",
    },
    ("patch", "/channels/{channel_id}"): {"fee_bp": 100},
    ("put", "/channels/{channel_id}/prices"): [],
    ("put", "/channels/{channel_id}/demand"): [],
    ("put", "/programs/{program_id}/repair-actions"): {"actions": []},
    # No sanitized device: an admitted caller gets 422 nothing_to_plan, and no plan is made.
    ("post", "/programs/{program_id}/plans"): {},
    ("post", "/work-orders/{work_order_id}/finish"): {
        "passed": True,
        "actual_parts_cost": 0,
        "actual_labour_minutes": 0,
    },
}


# The portal's forms (what a browser posts): an admitted caller gets the page or its 303.
PORTAL_FORMS: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/p/{program_id}/quote"): {
        "variant_sku": factories.PHONE,
        "powers_on": "yes",
        "screen_cracked": "no",
        "cosmetic": "good",
        "activation_lock_off": "yes",
    },
    ("post", "/t/{token}/accept"): {"payout_method": "cash", "pathway": "in_store"},
    ("post", "/t/{token}/requote"): {"answer": "decline"},
}


def house_scale(scale_id: str, program_id: str | None, version: str = "1") -> dict[str, Any]:
    """A program's own grading scale, as ``POST /grading/scales`` takes it: one axis, Working
    (no failed check, no crack) or Faulty."""
    return {
        "program_id": program_id,
        "id": scale_id,
        "version": version,
        "name": "House grades",
        "description": "Working and uncracked, or not.",
        "criteria": {
            "works": {"kind": "failed_checks", "max": 0, "text": "No check failed."},
            "uncracked": {"kind": "defects", "defect": "crack", "max_count": 0, "text": "Intact."},
        },
        "axes": [
            {
                "id": "grade",
                "name": "Grade",
                "grades": [
                    {"grade": "Working", "description": "Ok", "criteria": ["works", "uncracked"]},
                    {"grade": "Faulty", "description": "Anything else", "criteria": []},
                ],
            }
        ],
        "price_tier": {"tiers": {"Working": "good", "Faulty": "poor"}},
    }


def served(client) -> list[Operation]:  # type: ignore[no-untyped-def]
    return operations(client.app.app)  # inside the liveness wrapper


def world(client, sessions, program: str = PROGRAM) -> tuple[Ids, dict[str, str]]:  # type: ignore[no-untyped-def]
    """A program's data, made by the admin ``client``, and credentials for every kind of
    caller within that program (an admin is installation-wide)."""
    quote = post_quote(client, program=program)
    tid = quote["trade_in_id"]
    with sessions.begin() as s:
        key_target = auth.partner_key(s, [program], ["get_trade_in"])
    hook = client.post(
        f"/programs/{program}/webhooks",
        json={"url": "https://partner.example/hooks", "event_types": ["trade_in.state_changed"]},
    )
    assert hook.status_code == 201, hook.text
    ping = client.post(f"/programs/{program}/webhooks/{hook.json()['id']}/ping")
    assert ping.status_code == 202, ping.text
    scale = client.post("/grading/scales", json=house_scale(f"{program}-house", program))
    assert scale.status_code == 201, scale.text
    ids = Ids(
        program_id=program,
        trade_in_id=tid,
        quote_id=quote["quote"]["id"],
        key_id=key_target.removeprefix("rvk_").partition(".")[0],
        subscription_id=hook.json()["id"],
        delivery_id=ping.json()["id"],
        login_email="admin@test.example",
        login_password=auth.PASSWORD,
        scale_id=scale.json()["id"],
        customer_token=quote["customer_token"],
        **_screening_rows(sessions, tid),
    )
    # The customer goes first: staff who may revoke the trade-in's links end theirs.
    callers = {CUSTOMER: quote["customer_token"]}
    partner_ops = {op.name for op in served(client) if op.policy and op.policy.partner}
    with sessions.begin() as s:
        for role in Role:
            scope = None if role is Role.ADMIN else program
            callers[str(role)] = auth.staff(s, f"{role}.{program}@test.example", {scope: [role]})
        callers[PARTNER] = auth.partner_key(s, [program], partner_ops)
    callers[ANYONE] = ""
    return ids, callers


def _screening_rows(sessions, trade_in_id: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A screening flag on the trade-in and a blocklist entry, made directly."""
    from revalue.identity.models import BlocklistEntry, ScreeningFlag

    with sessions.begin() as s:
        flag = ScreeningFlag(
            trade_in_id=trade_in_id,
            kind="model_mismatch",
            severity="medium",
            reason="made for the matrix",
            status="open",
            raised_at=factories.NOW,
        )
        entry = BlocklistEntry(
            imei="352099001761481",
            reason="lost",
            source="matrix",
            listed_at=factories.NOW,
            listed_by="matrix",
        )
        s.add_all([flag, entry])
        s.flush()
        return {"flag_id": flag.id, "entry_id": entry.id}


def request_for(op: tuple[str, str], ids: Ids) -> tuple[str, str, dict[str, Any]]:
    """(method, url, keyword arguments) of a well-formed call of the operation on ``ids``."""
    method, path = op
    url = path.format(
        program_id=ids.program_id,
        trade_in_id=ids.trade_in_id,
        quote_id=ids.quote_id,
        key_id=ids.key_id,
        subscription_id=ids.subscription_id,
        delivery_id=ids.delivery_id,
        model_id="apple-iphone-15",
        sku=factories.PHONE,
        scale_id=ids.scale_id,
        flag_id=ids.flag_id,
        certificate_id="cert_none",  # no such certificate: anyone gets 404
        entry_id=ids.entry_id,
        sha256="0" * 64,  # no such photo: an admitted caller gets 404
        imei="352099001761481",
        shipment_id="shp_none",  # no such shipment or claim: an admitted caller gets 404
        claim_id="clm_none",
        carrier="revalue-post",
        lot_id="lot_none",  # no such lot: an admitted caller gets 404
        site_id="site-none",  # no such site, location, receipt or batch: 404 once admitted
        location_id=0,
        receipt_id=0,
        batch_id="b_none",
        item_id="inv_none",  # no such inventory item or price-book proposal: 404 once admitted
        proposal_id="pbp_none",
        channel_id="chn_none",  # no such channel, plan or work order: 404 once admitted
        plan_id="pln_none",
        work_order_id="wo_none",
        token=ids.customer_token,
        variant_sku=factories.PHONE,
    )
    kw: dict[str, Any] = {}
    body = BODIES.get(op)
    if op == ("post", "/quotes"):
        body = {
            "program_id": ids.program_id,
            "variant_sku": factories.PHONE,
            "answers": factories.answers(),
        }
    elif op == ("post", "/auth/login"):
        body = {"email": ids.login_email, "password": ids.login_password}
    elif op == ("post", "/api-keys"):
        body = {"name": "new", "program_ids": [ids.program_id], "operations": ["get_trade_in"]}
    elif op == ("post", "/grading/scales"):
        body = house_scale(f"{ids.program_id}-new", ids.program_id)
    elif op in REDEMPTION:  # no such code: an admitted caller gets 404
        body = {**REDEMPTION[op], "program_id": ids.program_id}
    elif op == ("post", "/programs/{program_id}/certificate-summaries"):
        body = {"reference": "LOT-1", "trade_in_ids": [ids.trade_in_id]}
    elif op in (("post", "/catalog/import"), ("post", "/tac/import")):
        kw["content"] = b""
        kw["headers"] = {"content-type": "text/csv"}
        if op[1] == "/tac/import":
            url += "?format=samsung"
    elif op == ("post", "/programs/{program_id}/market-prices"):
        kw["content"] = b""  # an empty feed: refused for its header, once the caller is let in
        kw["headers"] = {"content-type": "text/csv"}
        url += "?source=matrix"
    elif op == ("post", "/sanitization-reports"):
        kw["content"] = b""  # an empty file: refused as not JSON, once the caller is let in
        kw["headers"] = {"content-type": "application/json"}
        url += "?format=revalue-json"
    elif op[1].endswith(("/ledger/entries.csv", "/payouts.csv", "/ledger/daily")):
        url += "?from=2026-06-01&to=2026-07-01&date=2026-06-15"  # each takes what it needs
    elif op in (("post", f"{TRADE_IN}/photos"), ("post", f"/console{TRADE_IN}/photos")):
        kw["files"] = {"photo": ("photo.png", images.png(), "image/png")}
    elif op == ("get", "/console/dashboard"):
        url += f"?program={ids.program_id}"
    elif op == ("post", "/console/login"):
        kw["data"] = {"email": ids.login_email, "password": ids.login_password}
    elif op == ("post", "/console/receiving"):  # no such site: an admitted caller is shown so
        kw["data"] = {"site": "site-none", "scan": "352099001761481"}
    elif op in PORTAL_FORMS:
        kw["data"] = PORTAL_FORMS[op]
    if body is not None:
        kw["json"] = body
    if url.startswith("/console"):  # a page answers with its redirect: looked at, not followed
        kw["follow_redirects"] = False
    return method, url, kw
