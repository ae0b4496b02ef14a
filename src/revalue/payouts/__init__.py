"""Paying customers exactly once, on a double-entry ledger: payout methods, approvals, the
instruments customers spend (store credit, coupons, loyalty points) and accounting exports."""
