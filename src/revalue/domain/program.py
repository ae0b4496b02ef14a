"""Program configuration values: pathways, payout methods, resale strategy, objectives."""

from __future__ import annotations

from enum import StrEnum


class Pathway(StrEnum):
    IN_STORE = "in_store"
    MAIL_IN = "mail_in"
    KIOSK = "kiosk"
    BUSINESS_LOT = "business_lot"


# Pathways where the customer hands the device over in person: it is received on acceptance,
# without a shipment.
HANDED_OVER = frozenset({Pathway.IN_STORE, Pathway.KIOSK})


class PayoutMethod(StrEnum):
    CASH = "cash"
    STORE_CREDIT = "store_credit"
    PURCHASE_DISCOUNT = "purchase_discount"
    LOYALTY_POINTS = "loyalty_points"


class ResaleStrategy(StrEnum):
    MAXIMIZE_VALUE = "maximize_value"
    MAXIMIZE_SPEED = "maximize_speed"


class ObjectiveMetric(StrEnum):
    DEVICES_PER_MONTH = "devices_per_month"
    REUSE_SHARE_BP = "reuse_share_bp"  # share of disposed devices reused, in basis points
    AVERAGE_MARGIN_BP = "average_margin_bp"
