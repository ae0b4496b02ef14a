"""HTTP plumbing the features' routers share: sessions, errors, idempotent writes.

It sits below the features and imports none of them; ``revalue.web`` composes the app.
"""
