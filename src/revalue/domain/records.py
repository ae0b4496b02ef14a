"""Values recorded along the way: rejection reasons, sanitization, disposition routes."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class RejectReason(StrEnum):
    BLOCKLISTED = "blocklisted"
    ACTIVATION_LOCKED = "activation_locked"
    NOT_DECLARED_DEVICE = "not_declared_device"  # a different model than the one quoted
    COUNTERFEIT = "counterfeit"
    EMPTY_PACKAGE = "empty_package"
    OTHER = "other"


class SanitizationLevel(StrEnum):  # NIST SP 800-88, weakest first
    CLEAR = "clear"
    PURGE = "purge"
    DESTROY = "destroy"


class SanitizationTechnique(StrEnum):
    CRYPTOGRAPHIC_ERASE = "cryptographic_erase"
    BLOCK_ERASE = "block_erase"
    OVERWRITE = "overwrite"
    FACTORY_RESET_VERIFIED = "factory_reset_verified"
    PHYSICAL_DESTRUCTION = "physical_destruction"


class SanitizationResult(StrEnum):  # best first
    ERASED = "erased"
    ERASED_WITH_EXCEPTIONS = "erased_with_exceptions"
    NOT_ERASED = "not_erased"


class MediumKind(StrEnum):
    INTERNAL_STORAGE = "internal_storage"  # soldered flash: phones, tablets, watches
    REMOVABLE_CARD = "removable_card"  # a factory reset leaves SD cards as they were
    SSD = "ssd"
    HDD = "hdd"
    OTHER = "other"


class Verification(StrEnum):
    """Independent verification of a record: a sample (default 5 %) is checked again by
    someone other than the operator."""

    NOT_SAMPLED = "not_sampled"
    REQUIRED = "required"
    PASSED = "passed"
    FAILED = "failed"


_LEVELS = list(SanitizationLevel)
_RESULTS = list(SanitizationResult)


def weakest_level(levels: Iterable[SanitizationLevel]) -> SanitizationLevel:
    return min(levels, key=_LEVELS.index)


def worst_result(results: Iterable[SanitizationResult]) -> SanitizationResult:
    return max(results, key=_RESULTS.index)


def summary_technique(techniques: Iterable[SanitizationTechnique]) -> str:
    distinct = set(techniques)
    return str(distinct.pop()) if len(distinct) == 1 else "mixed"


class Route(StrEnum):
    REFURBISH_RESELL = "refurbish_resell"
    MARKETPLACE = "marketplace"
    WHOLESALE = "wholesale"
    PARTS = "parts"
    RECYCLE = "recycle"


# Routes where the device, with its storage, reaches another person.
REUSE_ROUTES = frozenset({Route.REFURBISH_RESELL, Route.MARKETPLACE, Route.WHOLESALE})


def route_refusal(
    *,
    route: Route,
    result: SanitizationResult | None,
    level: SanitizationLevel | None,
    verification: Verification | None,
) -> str | None:
    """Why the device may not take ``route`` given its latest sanitization record, or None.

    Recycling is always open (the recycler shreds the storage). Parts leave in other hands, so
    they need a record that erased or destroyed the storage; reuse routes need the device
    itself still working, so a Destroy record does not open them.
    """
    if route == Route.RECYCLE:
        return None
    if result != SanitizationResult.ERASED:
        return f"it needs a sanitization that fully erased it (last result: {result or 'none'})"
    if verification in (Verification.REQUIRED, Verification.FAILED):
        return f"its sanitization record awaits independent verification ({verification})"
    if route in REUSE_ROUTES and level == SanitizationLevel.DESTROY:
        return "its storage was destroyed: only parts or recycling remain"
    return None
