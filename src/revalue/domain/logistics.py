"""Logistics vocabulary and rules: kinds of sites, what a program does with unshipped or
lost parcels, what a receiver found in a box, and when a weighed parcel is suspicious."""

from __future__ import annotations

from enum import StrEnum


class SiteKind(StrEnum):
    PROCESSING = "processing"
    STORE = "store"
    KIOSK = "kiosk"


class Kits(StrEnum):
    """Who is sent a mailing kit (a box and padding) with the label."""

    NONE = "none"
    ON_REQUEST = "on_request"
    ALWAYS = "always"


class ShipLapse(StrEnum):
    """An acceptance not shipped within the program's days: expire it, or price it again at
    today's price book (the customer is told and may cancel)."""

    EXPIRE = "expire"
    REPRICE = "reprice"


class LossProtection(StrEnum):
    """How a customer whose parcel the carrier lost is protected; never charged either way."""

    PAY_QUOTE = "pay_quote"  # paid as quoted as soon as the loss is suspected
    INVESTIGATE = "investigate"  # paid as quoted once the carrier's search fails


class Contents(StrEnum):
    """What a receiver found in the box."""

    DEVICE = "device"  # the device expected
    ACCESSORIES_ONLY = "accessories_only"
    EMPTY = "empty"
    DIFFERENT_DEVICE = "different_device"


def weight_flag(declared_g: int | None, weighed_g: int, tolerance_g: int) -> str | None:
    """Why a weighed parcel is suspicious, or None: lighter than declared by more than the
    tolerance suggests an empty box or a missing device; heavier, a different device."""
    if declared_g is None:
        return None
    difference = weighed_g - declared_g
    if abs(difference) <= tolerance_g:
        return None
    side = "lighter" if difference < 0 else "heavier"
    return (
        f"weighed {weighed_g} g, declared {declared_g} g: {abs(difference)} g {side} "
        f"(tolerance {tolerance_g} g)"
    )
