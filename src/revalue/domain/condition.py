"""A device's condition: what the customer declares at quote time, or the inspector finds.

Cosmetic grades, the faults that apply to each category, and the order that says when one
condition is no better than another (the pricing rules must never pay more for a worse one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from revalue.domain.catalog import Category
from revalue.domain.errors import InvalidInput


class Cosmetic(StrEnum):
    FLAWLESS = "flawless"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


GRADE_OF = {Cosmetic.FLAWLESS: Grade.A, Cosmetic.GOOD: Grade.B, Cosmetic.FAIR: Grade.C,
            Cosmetic.POOR: Grade.D}  # fmt: skip
COSMETIC_ORDER = list(Cosmetic)  # best first


class Fault(StrEnum):
    BATTERY = "battery"
    DISPLAY = "display"  # dead pixels, burn-in, lines: the screen works but is flawed
    CAMERA = "camera"
    SPEAKER = "speaker"
    MICROPHONE = "microphone"
    BUTTONS = "buttons"
    BIOMETRICS = "biometrics"
    CHARGING_PORT = "charging_port"
    CONNECTIVITY = "connectivity"
    KEYBOARD = "keyboard"
    TRACKPAD = "trackpad"
    PORTS = "ports"
    HINGE = "hinge"
    SENSORS = "sensors"
    STRAP = "strap"
    CROWN = "crown"


_COMMON = {Fault.BATTERY, Fault.DISPLAY, Fault.BUTTONS, Fault.CHARGING_PORT, Fault.CONNECTIVITY}
FAULTS_BY_CATEGORY: Mapping[Category, frozenset[Fault]] = {
    Category.SMARTPHONE: frozenset(
        _COMMON | {Fault.CAMERA, Fault.SPEAKER, Fault.MICROPHONE, Fault.BIOMETRICS}
    ),
    Category.TABLET: frozenset(
        _COMMON | {Fault.CAMERA, Fault.SPEAKER, Fault.MICROPHONE, Fault.BIOMETRICS}
    ),
    Category.LAPTOP: frozenset(
        _COMMON
        | {
            Fault.CAMERA,
            Fault.SPEAKER,
            Fault.MICROPHONE,
            Fault.BIOMETRICS,  # Touch ID, Windows Hello
            Fault.KEYBOARD,
            Fault.TRACKPAD,
            Fault.PORTS,
            Fault.HINGE,
        }
    ),
    Category.WEARABLE: frozenset(_COMMON | {Fault.SENSORS, Fault.STRAP, Fault.CROWN}),
}

SCREEN_CRACKED = "screen_cracked"  # the deduction key for a cracked screen


class InvalidCondition(InvalidInput):
    code = "invalid_condition"


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """What the customer declares at quote time, or what the inspector finds."""

    powers_on: bool
    screen_cracked: bool
    cosmetic: Cosmetic
    faults: frozenset[Fault] = frozenset()
    activation_lock_off: bool = True

    @property
    def grade(self) -> Grade:
        return GRADE_OF[self.cosmetic]

    def is_no_better_than(self, other: Condition) -> bool:
        """True when this condition is at least as bad as ``other`` on every axis."""
        return (
            (other.powers_on or not self.powers_on)
            and (self.screen_cracked or not other.screen_cracked)
            and COSMETIC_ORDER.index(self.cosmetic) >= COSMETIC_ORDER.index(other.cosmetic)
            and self.faults >= other.faults
            and (other.activation_lock_off or not self.activation_lock_off)
        )


def check_faults(faults: frozenset[Fault], category: Category) -> None:
    foreign = sorted(faults - FAULTS_BY_CATEGORY[category])
    if foreign:
        raise InvalidCondition(
            f"faults {', '.join(foreign)} do not apply to a {category}",
            field="faults",
            allowed=sorted(FAULTS_BY_CATEGORY[category]),
        )
