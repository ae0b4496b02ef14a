"""The HTTP interface: app factory, error handlers, idempotency."""
