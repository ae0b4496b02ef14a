"""Typed business errors with a stable machine code.

Each error says what kind of failure it is (``invalid``, ``not_found``, ``conflict``); the web
layer maps the kind to an HTTP status in one place, so the domain knows nothing of HTTP.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

Kind = Literal["invalid", "not_found", "conflict", "unauthenticated", "forbidden", "rate_limited"]


class RevalueError(Exception):
    kind: ClassVar[Kind] = "invalid"
    code: ClassVar[str] = "invalid"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(RevalueError):
    """A value broke a rule; ``details['field']`` names the field when there is one."""

    code = "invalid_input"


class NotFound(RevalueError):
    kind = "not_found"
    code = "not_found"


class Conflict(RevalueError):
    kind = "conflict"
    code = "conflict"


class Unauthenticated(RevalueError):
    """No valid credentials: missing, wrong, expired or revoked."""

    kind = "unauthenticated"
    code = "unauthenticated"


class Forbidden(RevalueError):
    """Valid credentials that do not admit this operation."""

    kind = "forbidden"
    code = "forbidden"


class RateLimited(RevalueError):
    """Too many requests; ``details['retry_after']`` says how many seconds to wait."""

    kind = "rate_limited"
    code = "rate_limited"
