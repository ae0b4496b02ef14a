"""Values recorded along the way: rejection reasons, sanitization, disposition routes."""

from __future__ import annotations

from enum import StrEnum


class RejectReason(StrEnum):
    BLOCKLISTED = "blocklisted"
    ACTIVATION_LOCKED = "activation_locked"
    NOT_DECLARED_DEVICE = "not_declared_device"  # a different model than the one quoted
    COUNTERFEIT = "counterfeit"
    EMPTY_PACKAGE = "empty_package"
    OTHER = "other"


class SanitizationLevel(StrEnum):  # NIST SP 800-88
    CLEAR = "clear"
    PURGE = "purge"
    DESTROY = "destroy"


class SanitizationTechnique(StrEnum):
    CRYPTOGRAPHIC_ERASE = "cryptographic_erase"
    BLOCK_ERASE = "block_erase"
    OVERWRITE = "overwrite"
    FACTORY_RESET_VERIFIED = "factory_reset_verified"
    PHYSICAL_DESTRUCTION = "physical_destruction"


class SanitizationResult(StrEnum):
    ERASED = "erased"
    ERASED_WITH_EXCEPTIONS = "erased_with_exceptions"
    NOT_ERASED = "not_erased"


class Route(StrEnum):
    REFURBISH_RESELL = "refurbish_resell"
    MARKETPLACE = "marketplace"
    WHOLESALE = "wholesale"
    PARTS = "parts"
    RECYCLE = "recycle"


# Routes where the device, with its storage, reaches another person.
REUSE_ROUTES = frozenset({Route.REFURBISH_RESELL, Route.MARKETPLACE, Route.WHOLESALE})


def route_allowed(*, route: Route, sanitization: SanitizationResult | None) -> bool:
    """A device reaches another person only after a sanitization that fully erased it."""
    return route not in REUSE_ROUTES or sanitization == SanitizationResult.ERASED
