"""The ledger's named accounts. Debits are positive, credits negative; an account's balance is
the sum of its entries, so a liability (what is owed) shows as a negative balance."""

from __future__ import annotations

DEVICE_PURCHASES = "device_purchases"  # what devices cost: the base offer paid for them
PROMOTION_EXPENSE = "promotion_expense"  # bonuses and promotions on top of the base offer
TRADE_IN_LIABILITY = "trade_in_liability"  # owed to customers for final offers, until paid
CASH_CLEARING = "cash_clearing"  # cash instructed to the payout provider, not yet executed
BANK = "bank"
LOYALTY_POINTS = "loyalty_points"  # the value of points credited, owed to the loyalty scheme
RETAIL_REDEMPTIONS = "retail_redemptions"  # store credit and coupons spent at the retailer
CLAWBACK_RECEIVABLE = "clawback_receivable"  # owed back by customers, beyond their balance
COUPON_BREAKAGE = "coupon_breakage"  # coupons that expired unused


def store_credit(card_id: str) -> str:
    return f"store_credit:{card_id}"


def coupon(coupon_id: str) -> str:
    return f"coupon:{coupon_id}"
