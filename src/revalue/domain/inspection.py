"""What an inspector records: functional checks, cosmetic findings per zone, battery, liquid
damage, locks and accessories. Pure values with the rules any record must keep; the grading
engine (``grading``) turns a record into grades, and ``priced_condition`` into the condition
the price book prices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from revalue.domain.catalog import Category
from revalue.domain.condition import Condition, Cosmetic, Fault
from revalue.domain.errors import InvalidInput


class Result(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_TESTED = "not_tested"


class Check(StrEnum):
    POWER = "power"
    DISPLAY = "display"
    TOUCH = "touch"
    FRONT_CAMERA = "front_camera"
    REAR_CAMERA = "rear_camera"
    SPEAKERS = "speakers"
    MICROPHONE = "microphone"
    BUTTONS = "buttons"
    BIOMETRICS = "biometrics"
    CHARGING_PORT = "charging_port"
    WIFI = "wifi"
    BLUETOOTH = "bluetooth"
    CELLULAR = "cellular"
    KEYBOARD = "keyboard"
    TRACKPAD = "trackpad"
    PORTS = "ports"
    HINGE = "hinge"
    SENSORS = "sensors"
    STRAP = "strap"
    CROWN = "crown"


_HANDHELD = {
    Check.POWER, Check.DISPLAY, Check.TOUCH, Check.FRONT_CAMERA, Check.REAR_CAMERA,
    Check.SPEAKERS, Check.MICROPHONE, Check.BUTTONS, Check.BIOMETRICS, Check.CHARGING_PORT,
    Check.WIFI, Check.BLUETOOTH,
}  # fmt: skip
CHECKS_BY_CATEGORY: Mapping[Category, frozenset[Check]] = {
    Category.SMARTPHONE: frozenset(_HANDHELD | {Check.CELLULAR}),
    Category.TABLET: frozenset(_HANDHELD | {Check.CELLULAR}),
    Category.LAPTOP: frozenset(
        {
            Check.POWER,
            Check.DISPLAY,
            Check.FRONT_CAMERA,
            Check.SPEAKERS,
            Check.MICROPHONE,
            Check.BIOMETRICS,
            Check.CHARGING_PORT,
            Check.WIFI,
            Check.BLUETOOTH,
            Check.KEYBOARD,
            Check.TRACKPAD,
            Check.PORTS,
            Check.HINGE,
        }
    ),
    Category.WEARABLE: frozenset(
        {
            Check.POWER,
            Check.DISPLAY,
            Check.TOUCH,
            Check.BUTTONS,
            Check.CHARGING_PORT,
            Check.WIFI,
            Check.BLUETOOTH,
            Check.CELLULAR,
            Check.SENSORS,
            Check.STRAP,
            Check.CROWN,
        }
    ),
}


class Zone(StrEnum):
    SCREEN = "screen"
    BACK = "back"
    FRAME = "frame"  # frame and edges; a watch's case
    CAMERA_LENS = "camera_lens"
    LID = "lid"
    PALM_REST = "palm_rest"
    BASE = "base"


ZONES_BY_CATEGORY: Mapping[Category, frozenset[Zone]] = {
    Category.SMARTPHONE: frozenset({Zone.SCREEN, Zone.BACK, Zone.FRAME, Zone.CAMERA_LENS}),
    Category.TABLET: frozenset({Zone.SCREEN, Zone.BACK, Zone.FRAME, Zone.CAMERA_LENS}),
    Category.LAPTOP: frozenset({Zone.LID, Zone.PALM_REST, Zone.BASE, Zone.SCREEN}),
    Category.WEARABLE: frozenset({Zone.SCREEN, Zone.BACK, Zone.FRAME}),
}


class Defect(StrEnum):
    LIGHT_SCRATCH = "light_scratch"  # does not catch a fingernail
    DEEP_SCRATCH = "deep_scratch"  # catches a fingernail
    CRACK = "crack"
    CHIP = "chip"
    DENT = "dent"
    DISCOLORATION = "discoloration"
    DEAD_PIXELS = "dead_pixels"  # screen only
    BURN_IN = "burn_in"  # screen only


SCREEN_ONLY = frozenset({Defect.DEAD_PIXELS, Defect.BURN_IN})


class Lock(StrEnum):
    ACTIVATION_LOCK = "activation_lock"  # Find My / iCloud
    FRP = "frp"  # Google factory reset protection
    MDM = "mdm"  # enrolled in a company's device management
    CARRIER_LOCK = "carrier_lock"


# Locks that stop anyone else from using the device: it cannot be resold until removed.
BLOCKING_LOCKS = frozenset({Lock.ACTIVATION_LOCK, Lock.FRP, Lock.MDM})


class InvalidInspection(InvalidInput):
    code = "invalid_inspection"


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """A cosmetic defect seen in a zone: how many, and the largest one's size in millimetres."""

    zone: Zone
    defect: Defect
    count: int = 1
    size_mm: float = 0.0
    photo: str | None = None  # the evidence photo's SHA-256


@dataclass(frozen=True, slots=True, kw_only=True)
class InspectionRecord:
    category: Category
    checks: Mapping[Check, Result] = field(default_factory=dict)
    battery_health_pct: int | None = None
    battery_cycles: int | None = None
    liquid_damage: bool = False  # the liquid-damage indicator is tripped
    findings: tuple[Finding, ...] = ()
    locks: frozenset[Lock] = frozenset()
    accessories: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        validate(self)

    def result(self, check: Check) -> Result:
        return self.checks.get(check, Result.NOT_TESTED)

    @property
    def failed(self) -> frozenset[Check]:
        return frozenset(c for c, r in self.checks.items() if r is Result.FAIL)

    def defects(self, defect: Defect, zones: frozenset[Zone] | None = None) -> list[Finding]:
        return [
            f for f in self.findings if f.defect is defect and (zones is None or f.zone in zones)
        ]


def validate(record: InspectionRecord) -> None:
    """The rules every record keeps; the first broken one is named with its field."""
    category = record.category
    foreign = sorted(set(record.checks) - CHECKS_BY_CATEGORY[category])
    if foreign:
        raise InvalidInspection(
            f"checks {', '.join(foreign)} do not apply to a {category}",
            field="checks",
            allowed=sorted(CHECKS_BY_CATEGORY[category]),
        )
    if record.battery_health_pct is not None and not 0 <= record.battery_health_pct <= 100:
        raise InvalidInspection(
            f"battery health is a percentage from 0 to 100, not {record.battery_health_pct}",
            field="battery_health_pct",
        )
    if record.battery_cycles is not None and record.battery_cycles < 0:
        raise InvalidInspection("a cycle count is never negative", field="battery_cycles")
    zones = ZONES_BY_CATEGORY[category]
    for i, finding in enumerate(record.findings):
        where = f"findings.{i}"
        if finding.zone not in zones:
            raise InvalidInspection(
                f"a {category} has no {finding.zone} zone",
                field=f"{where}.zone",
                allowed=sorted(zones),
            )
        if finding.defect in SCREEN_ONLY and finding.zone is not Zone.SCREEN:
            raise InvalidInspection(
                f"{finding.defect} is a screen defect, not one of the {finding.zone}",
                field=f"{where}.defect",
            )
        if finding.count < 1:
            raise InvalidInspection("a finding counts at least one defect", field=f"{where}.count")
        if not finding.size_mm >= 0:  # also refuses NaN
            raise InvalidInspection(
                f"a size is never negative ({finding.size_mm} mm)", field=f"{where}.size_mm"
            )


# How failed checks become the price book's faults.
FAULT_OF_CHECK: Mapping[Check, Fault] = {
    Check.DISPLAY: Fault.DISPLAY,
    Check.TOUCH: Fault.DISPLAY,
    Check.FRONT_CAMERA: Fault.CAMERA,
    Check.REAR_CAMERA: Fault.CAMERA,
    Check.SPEAKERS: Fault.SPEAKER,
    Check.MICROPHONE: Fault.MICROPHONE,
    Check.BUTTONS: Fault.BUTTONS,
    Check.BIOMETRICS: Fault.BIOMETRICS,
    Check.CHARGING_PORT: Fault.CHARGING_PORT,
    Check.WIFI: Fault.CONNECTIVITY,
    Check.BLUETOOTH: Fault.CONNECTIVITY,
    Check.CELLULAR: Fault.CONNECTIVITY,
    Check.KEYBOARD: Fault.KEYBOARD,
    Check.TRACKPAD: Fault.TRACKPAD,
    Check.PORTS: Fault.PORTS,
    Check.HINGE: Fault.HINGE,
    Check.SENSORS: Fault.SENSORS,
    Check.STRAP: Fault.STRAP,
    Check.CROWN: Fault.CROWN,
}
# Below this battery health the battery counts as a fault (Apple's service threshold).
BATTERY_FAULT_BELOW_PCT = 80


def priced_condition(record: InspectionRecord, cosmetic: Cosmetic) -> Condition:
    """The condition the price book prices: the cosmetic tier the program's grading scale gave
    the record, and the faults, crack, power and locks the record shows."""
    faults = {FAULT_OF_CHECK[c] for c in record.failed if c in FAULT_OF_CHECK}
    health = record.battery_health_pct
    if health is not None and health < BATTERY_FAULT_BELOW_PCT:
        faults.add(Fault.BATTERY)
    return Condition(
        powers_on=record.result(Check.POWER) is not Result.FAIL,
        screen_cracked=bool(record.defects(Defect.CRACK, frozenset({Zone.SCREEN}))),
        cosmetic=cosmetic,
        faults=frozenset(faults),
        activation_lock_off=not (record.locks & BLOCKING_LOCKS),
    )
