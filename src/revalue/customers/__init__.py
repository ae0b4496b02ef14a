"""Customers: their personal data, kept apart from devices and trade-ins, and the secret links
that reach a trade-in without an account."""
