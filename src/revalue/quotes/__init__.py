"""Instant quotes: itemized offers per payout method, stored with an id."""
