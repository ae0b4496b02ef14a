"""Reading grading scale and crosswalk documents (JSON objects) into ``grading`` values.

A document is refused at the first broken rule, and the refusal names the field by its path
in the document (``axes.0.grades``, ``criteria.b-screen.defect.1``), so whoever wrote it can
find the mistake. A scale document::

    {"id": "wholesale", "version": "1", "name": ..., "description": ...,
     "label": "{grade}",                      # optional with one axis
     "criteria": {"<id>": {"kind": ..., "text": ..., <the kind's fields>}},
     "axes": [{"id": "grade", "name": ...,
               "grades": [{"grade": "A", "description": ..., "criteria": ["<id>", ...]},
                          ..., {"grade": "D", "description": ..., "criteria": []}]}],
     "price_tier": {"axis": "grade", "tiers": {"A": "flawless", ...}}}

Kinds of criteria and their fields: ``defects`` (``defect``: one type or a list, ``zones``;
either left out means any; ``max_count``, ``max_size_mm``), ``failed_checks`` (``max``,
optional ``checks``), ``check_passes`` (``check``), ``min_battery_health`` (``min_pct``),
``no_liquid_damage``, ``no_lock`` (optional ``locks``; default the locks that block a resale).
"""

from __future__ import annotations

import copy
import itertools
import re
import string
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from enum import StrEnum
from typing import Any

from revalue.domain.condition import COSMETIC_ORDER, Cosmetic
from revalue.domain.errors import InvalidInput
from revalue.domain.grading import (
    Axis,
    CheckPasses,
    Criterion,
    Crosswalk,
    DefectLimit,
    FailedChecks,
    Grade,
    MinBatteryHealth,
    NoLiquidDamage,
    NoLock,
    Scale,
)
from revalue.domain.inspection import BLOCKING_LOCKS, Check, Defect, Lock, Zone


class InvalidScale(InvalidInput):
    """A scale or crosswalk document broke a rule; ``details['field']`` is its path."""

    code = "invalid_scale"


ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")  # fits the table's 40 characters
VERSION = re.compile(r"^\d{1,6}(\.\d{1,6}){0,3}$")  # fits its 20
AXIS_ID = re.compile(r"^[a-z][a-z0-9_]{0,29}$")  # a name in the label format
CRITERION_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
MAX_AXES, MAX_GRADES, MAX_CRITERIA = 3, 20, 200

KINDS: Mapping[str, frozenset[str]] = {
    "defects": frozenset({"defect", "zones", "max_count", "max_size_mm"}),
    "failed_checks": frozenset({"max", "checks"}),
    "check_passes": frozenset({"check"}),
    "min_battery_health": frozenset({"min_pct"}),
    "no_liquid_damage": frozenset(),
    "no_lock": frozenset({"locks"}),
}
REQUIRED: Mapping[str, frozenset[str]] = {
    "failed_checks": frozenset({"max"}),
    "check_passes": frozenset({"check"}),
    "min_battery_health": frozenset({"min_pct"}),
}


def parse_scale(document: Any) -> Scale:
    doc = _object(
        document,
        "",
        {"id", "version", "name", "description", "criteria", "axes", "price_tier"},
        {"label"},
    )
    # Read in the document's order, so the first mistake a reader meets is the one named.
    head = {
        "id": _text(doc["id"], "id", pattern=ID),
        "version": _text(doc["version"], "version", pattern=VERSION),
        "name": _text(doc["name"], "name", most=120),
        "description": _text(doc["description"], "description", most=4000),
    }
    criteria = _criteria(doc["criteria"])
    axes = _axes(doc["axes"], criteria)
    unused = sorted(set(criteria) - {c.id for a in axes for g in a.grades for c in g.criteria})
    if unused:
        raise _fail(f"criteria.{unused[0]}", "no grade uses this criterion")
    price_axis, tiers = _price_tier(doc["price_tier"], axes)
    scale = Scale(
        **head,
        axes=axes,
        label_format=_label_format(doc.get("label"), axes),
        price_axis=price_axis,
        price_tiers=tiers,
        document=copy.deepcopy(document),
    )
    if len(scale.labels()) != _combinations(axes):
        raise _fail("label", "two combinations of grades would get the same label")
    return scale


def parse_crosswalk(document: Any, *, source: Scale, target: Scale) -> Crosswalk:
    """A crosswalk maps every overall grade of the source scale to exactly one grade of the
    target, and never a worse source grade to a better target grade."""
    doc = _object(document, "", {"id", "version", "description", "from", "to", "map"})
    for key, scale in (("from", source), ("to", target)):
        if doc[key] != scale.id:
            raise _fail(key, f"this crosswalk is read with scale {scale.id!r}, not {doc[key]!r}")
    mapping = _object(doc["map"], "map", set(source.labels()))
    targets = target.labels()
    for label, to in mapping.items():
        if to not in targets:
            raise _fail(f"map.{label}", f"{to!r} is not a grade of {target.id}")
    for label, ranks in source.labels().items():
        for worse_label, worse in source.labels().items():
            one_step = sum(w - r for w, r in zip(worse, ranks, strict=True)) == 1
            if one_step and all(w >= r for w, r in zip(worse, ranks, strict=True)):
                better = targets[mapping[label]]
                if any(w < b for w, b in zip(targets[mapping[worse_label]], better, strict=True)):
                    raise _fail(
                        f"map.{worse_label}",
                        f"maps to a better grade than {label} does ({mapping[label]})",
                    )
    return Crosswalk(
        id=_text(doc["id"], "id", pattern=ID),
        version=_text(doc["version"], "version", pattern=VERSION),
        description=_text(doc["description"], "description", most=4000),
        source=source.id,
        source_version=source.version,
        target=target.id,
        mapping=dict(mapping),
    )


def _criteria(value: Any) -> dict[str, Criterion]:
    if not isinstance(value, dict) or len(value) > MAX_CRITERIA:
        raise _fail("criteria", f"must be an object of at most {MAX_CRITERIA} criteria by id")
    out = {}
    for cid, spec in value.items():
        where = f"criteria.{cid}"
        _text(cid, where, pattern=CRITERION_ID)
        out[cid] = _criterion(cid, spec, where)
    return out


def _criterion(cid: str, spec: Any, where: str) -> Criterion:
    kind = spec.get("kind") if isinstance(spec, dict) else None
    if kind not in KINDS:
        raise _fail(_at(where, "kind"), f"unknown kind {kind!r}", allowed=sorted(KINDS))
    spec = _object(spec, where, {"kind", "text"} | REQUIRED.get(kind, set()), KINDS[kind])
    text = _text(spec["text"], _at(where, "text"), most=300)

    def read(key: str, reader: Any, *args: Any) -> Any:
        return reader(spec[key], _at(where, key), *args) if key in spec else None

    match kind:
        case "defects":
            if "max_count" not in spec and "max_size_mm" not in spec:
                raise _fail(_at(where, "max_count"), "a limit needs max_count or max_size_mm")
            return DefectLimit(
                id=cid,
                text=text,
                defects=read("defect", _members, Defect),
                zones=read("zones", _members, Zone),
                max_count=read("max_count", _int, 0, 10_000),
                max_size_mm=read("max_size_mm", _size),
            )
        case "failed_checks":
            checks = read("checks", _members, Check)
            most = len(checks) if checks else len(Check)
            return FailedChecks(
                id=cid, text=text, max_failed=read("max", _int, 0, most), checks=checks
            )
        case "check_passes":
            return CheckPasses(id=cid, text=text, check=read("check", _member, Check))
        case "min_battery_health":
            return MinBatteryHealth(id=cid, text=text, min_pct=read("min_pct", _int, 0, 100))
        case "no_liquid_damage":
            return NoLiquidDamage(id=cid, text=text)
    return NoLock(id=cid, text=text, locks=read("locks", _members, Lock) or BLOCKING_LOCKS)


def _axes(value: Any, criteria: Mapping[str, Criterion]) -> tuple[Axis, ...]:
    axes = []
    for i, spec in enumerate(_list(value, "axes", MAX_AXES)):
        where = f"axes.{i}"
        spec = _object(spec, where, {"id", "name", "grades"})
        axis_id = _text(spec["id"], f"{where}.id", pattern=AXIS_ID)
        if axis_id in {a.id for a in axes}:
            raise _fail(f"{where}.id", f"another axis is also called {axis_id!r}")
        grades = [
            _grade(g, f"{where}.grades.{j}", criteria)
            for j, g in enumerate(_list(spec["grades"], f"{where}.grades", MAX_GRADES))
        ]
        labels = [g.label for g in grades]
        for j, label in enumerate(labels):
            if label in labels[:j]:
                raise _fail(f"{where}.grades.{j}.grade", f"grade {label!r} appears twice")
        if grades[-1].criteria:
            raise _fail(
                f"{where}.grades.{len(grades) - 1}.criteria",
                "the last (worst) grade must accept any record: give it no criteria",
            )
        axes.append(Axis(axis_id, _text(spec["name"], f"{where}.name", most=60), tuple(grades)))
    return tuple(axes)


def _grade(value: Any, where: str, criteria: Mapping[str, Criterion]) -> Grade:
    spec = _object(value, where, {"grade", "description", "criteria"})
    ids = spec["criteria"]
    if not isinstance(ids, list):
        raise _fail(f"{where}.criteria", "must be a list of criterion ids")
    for k, cid in enumerate(ids):
        if not isinstance(cid, str) or cid not in criteria:
            raise _fail(f"{where}.criteria.{k}", f"no criterion {cid!r} in criteria")
        if cid in ids[:k]:
            raise _fail(f"{where}.criteria.{k}", f"criterion {cid!r} is listed twice")
    return Grade(
        label=_text(spec["grade"], f"{where}.grade", most=20),
        description=_text(spec["description"], f"{where}.description", most=500),
        criteria=tuple(criteria[cid] for cid in ids),
    )


def _label_format(value: Any, axes: tuple[Axis, ...]) -> str:
    if value is None:
        if len(axes) > 1:
            raise _fail("label", "a scale of several axes says how to write its grade")
        return "{" + axes[0].id + "}"
    fmt = _text(value, "label", most=60)
    try:
        parts = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise _fail("label", str(exc)) from None
    if any(spec or conv for _, _, spec, conv in parts):
        raise _fail("label", "write axes as plain {axis}, without conversions or formats")
    named = [name for _, name, _, _ in parts if name is not None]
    if sorted(named) != sorted(a.id for a in axes):
        raise _fail("label", "must name every axis once, e.g. {cosmetic}{functional}")
    return fmt


def _price_tier(value: Any, axes: tuple[Axis, ...]) -> tuple[str, dict[str, Cosmetic]]:
    spec = _object(value, "price_tier", {"tiers"}, {"axis"})
    if "axis" not in spec and len(axes) > 1:
        raise _fail("price_tier.axis", "name the axis that sets the price (e.g. cosmetic)")
    axis_id = spec.get("axis", axes[0].id)
    axis = next((a for a in axes if a.id == axis_id), None)
    if axis is None:
        raise _fail("price_tier.axis", f"no axis {axis_id!r}", allowed=[a.id for a in axes])
    tiers = _object(spec["tiers"], "price_tier.tiers", set(axis.labels))
    out = {
        label: _member(tiers[label], f"price_tier.tiers.{label}", Cosmetic) for label in axis.labels
    }
    for better, worse in itertools.pairwise(axis.labels):
        if COSMETIC_ORDER.index(out[worse]) < COSMETIC_ORDER.index(out[better]):
            raise _fail(f"price_tier.tiers.{worse}", f"prices above the better grade {better!r}")
    return axis.id, out


def _combinations(axes: tuple[Axis, ...]) -> int:
    n = 1
    for a in axes:
        n *= len(a.grades)
    return n


# Field readers


def _at(where: str, key: str | int) -> str:
    return f"{where}.{key}" if where else str(key)


def _fail(where: str, message: str, **details: Any) -> InvalidScale:
    return InvalidScale(f"{where or 'document'}: {message}", field=where or "document", **details)


def _object(
    value: Any, where: str, required: AbstractSet[str], optional: AbstractSet[str] = frozenset()
) -> dict:
    if not isinstance(value, dict):
        raise _fail(where, "must be an object")
    unknown = sorted(str(k) for k in set(value) - required - optional)
    if unknown:
        raise _fail(_at(where, unknown[0]), "unknown field", allowed=sorted(required | optional))
    missing = sorted(required - set(value))
    if missing:
        raise _fail(_at(where, missing[0]), "is required")
    return value


def _text(value: Any, where: str, *, pattern: re.Pattern | None = None, most: int = 40) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > most:
        raise _fail(where, f"must be a non-empty text of at most {most} characters")
    if pattern is not None and not pattern.match(value):
        raise _fail(where, f"{value!r} does not match {pattern.pattern}")
    return value


def _int(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(where, f"must be a whole number from {low} to {high}")
    return value


def _size(value: Any, where: str) -> float:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not 0 <= value <= 10_000:  # also refuses NaN
        raise _fail(where, "must be a size in millimetres from 0 to 10000")
    return float(value)


def _list(value: Any, where: str, most: int) -> list:
    if not isinstance(value, list) or not value or len(value) > most:
        raise _fail(where, f"must be a list of 1 to {most} items")
    return value


def _member(value: Any, where: str, enum: type[StrEnum]) -> Any:
    try:
        return enum(value)
    except ValueError:
        name = enum.__name__.lower()
        raise _fail(where, f"unknown {name} {value!r}", allowed=[str(m) for m in enum]) from None


def _members(value: Any, where: str, enum: type[StrEnum]) -> frozenset:
    # A defect limit may name one type ("crack") or several; other lists are always lists.
    if isinstance(value, str) and enum is Defect:
        return frozenset({_member(value, where, enum)})
    return frozenset(_member(v, _at(where, i), enum) for i, v in enumerate(_list(value, where, 50)))
