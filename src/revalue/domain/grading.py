"""Grading scales as data, and the engine that grades an inspection record on them.

A scale has one or more axes (CTIA grades cosmetics and function apart); each axis lists its
grades best first, each naming criteria that must all hold. A record gets, per axis, the best
grade whose criteria all hold; the last grade of an axis has none, so every record gets one.
Every kind of criterion is monotone (a further defect, failed check, lock or lower battery can
only break it), so a worse record never gets a better grade. The result says why: the criteria
of the grade given, and for each better grade the criteria that failed, with the evidence.

Scale and crosswalk documents are read and checked by ``grading_documents``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from revalue.domain.condition import Cosmetic
from revalue.domain.errors import InvalidInput
from revalue.domain.inspection import (
    BLOCKING_LOCKS,
    CHECKS_BY_CATEGORY,
    Check,
    Defect,
    Finding,
    InspectionRecord,
    Lock,
    Result,
    Zone,
)


class CrosswalkMismatch(InvalidInput):
    code = "crosswalk_mismatch"


# ---------------------------------------------------------------------------------------------
# What a criterion reports


@dataclass(frozen=True, slots=True)
class Evidence:
    """A fact of the record that a criterion looked at: the record's field, its value in
    words, and the finding itself (with its photo) when it is one."""

    field: str
    value: str
    finding: Finding | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    criterion: str  # the criterion's id, stable across versions of a scale
    text: str  # the rule, as a person reads it
    held: bool
    found: str  # what the record shows, in words
    evidence: tuple[Evidence, ...] = ()


class Criterion(Protocol):
    id: str
    text: str

    def judge(self, record: InspectionRecord) -> Verdict: ...


def _finding_order(f: Finding) -> tuple:
    # Evidence is listed in one order whatever order the inspector entered the findings in.
    return (f.zone, f.defect, -f.size_mm, -f.count, f.photo or "")


def _finding_words(f: Finding) -> str:
    size = f", largest {f.size_mm:g} mm" if f.size_mm else ""
    return f"{f.count} {_words(f.defect)} on {_words(f.zone)}{size}"


def _words(name: str) -> str:
    return name.replace("_", " ")


@dataclass(frozen=True, slots=True, kw_only=True)
class DefectLimit:
    """At most ``max_count`` defects of these types in these zones (together), none larger
    than ``max_size_mm``. ``None`` types or zones: any."""

    id: str
    text: str
    defects: frozenset[Defect] | None = None
    zones: frozenset[Zone] | None = None
    max_count: int | None = None
    max_size_mm: float | None = None

    def judge(self, record: InspectionRecord) -> Verdict:
        found = sorted(
            (
                f
                for f in record.findings
                if (self.defects is None or f.defect in self.defects)
                and (self.zones is None or f.zone in self.zones)
            ),
            key=_finding_order,
        )
        count = sum(f.count for f in found)
        largest = max((f.size_mm for f in found), default=0.0)
        count_ok = self.max_count is None or count <= self.max_count
        size_ok = self.max_size_mm is None or largest <= self.max_size_mm
        if count_ok and not size_ok:
            # Only the oversized ones broke the rule: they are the evidence.
            found = [f for f in found if f.size_mm > self.max_size_mm]  # type: ignore[operator]
        words = f"{count} found, largest {largest:g} mm" if found else "none found"
        evidence = tuple(Evidence("findings", _finding_words(f), f) for f in found)
        return Verdict(self.id, self.text, count_ok and size_ok, words, evidence)


@dataclass(frozen=True, slots=True, kw_only=True)
class FailedChecks:
    """At most ``max_failed`` failed checks among ``checks`` (``None``: any check)."""

    id: str
    text: str
    max_failed: int
    checks: frozenset[Check] | None = None

    def judge(self, record: InspectionRecord) -> Verdict:
        failed = sorted(c for c in record.failed if self.checks is None or c in self.checks)
        words = f"failed: {', '.join(failed)}" if failed else "no failed check"
        evidence = tuple(Evidence(f"checks.{c}", str(Result.FAIL)) for c in failed)
        return Verdict(self.id, self.text, len(failed) <= self.max_failed, words, evidence)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckPasses:
    """The check was done and passed; it holds for a category that has no such check."""

    id: str
    text: str
    check: Check

    def judge(self, record: InspectionRecord) -> Verdict:
        if self.check not in CHECKS_BY_CATEGORY[record.category]:
            return Verdict(self.id, self.text, True, f"a {record.category} has no {self.check}")
        result = record.result(self.check)
        evidence = (Evidence(f"checks.{self.check}", str(result)),)
        return Verdict(
            self.id, self.text, result is Result.PASS, f"{self.check}: {result}", evidence
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MinBatteryHealth:
    """Battery health at least ``min_pct``; a battery not measured does not meet it."""

    id: str
    text: str
    min_pct: int

    def judge(self, record: InspectionRecord) -> Verdict:
        health = record.battery_health_pct
        value = "not measured" if health is None else f"{health}%"
        held = health is not None and health >= self.min_pct
        evidence = (Evidence("battery_health_pct", value),)
        return Verdict(self.id, self.text, held, f"battery health {value}", evidence)


@dataclass(frozen=True, slots=True, kw_only=True)
class NoLiquidDamage:
    id: str
    text: str

    def judge(self, record: InspectionRecord) -> Verdict:
        if record.liquid_damage:
            evidence = (Evidence("liquid_damage", "tripped"),)
            return Verdict(self.id, self.text, False, "indicator tripped", evidence)
        return Verdict(self.id, self.text, True, "indicator not tripped")


@dataclass(frozen=True, slots=True, kw_only=True)
class NoLock:
    """None of ``locks`` is on (by default the locks that stop a resale)."""

    id: str
    text: str
    locks: frozenset[Lock] = BLOCKING_LOCKS

    def judge(self, record: InspectionRecord) -> Verdict:
        on = sorted(record.locks & self.locks)
        words = f"locked: {', '.join(on)}" if on else "no such lock"
        evidence = tuple(Evidence("locks", str(lock)) for lock in on)
        return Verdict(self.id, self.text, not on, words, evidence)


# ---------------------------------------------------------------------------------------------
# Scales and results


@dataclass(frozen=True, slots=True)
class Grade:
    label: str
    description: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class Axis:
    id: str
    name: str
    grades: tuple[Grade, ...]  # best first; the last accepts any record

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(g.label for g in self.grades)

    def rank(self, label: str) -> int:
        """0 for the best grade, one more per step down."""
        return self.labels.index(label)


@dataclass(frozen=True, slots=True)
class Scale:
    id: str
    version: str
    name: str
    description: str
    axes: tuple[Axis, ...]
    label_format: str  # e.g. "{cosmetic}{functional}"; one axis: "{<its id>}"
    price_axis: str  # the axis whose grade sets the price book's cosmetic tier
    price_tiers: Mapping[str, Cosmetic]
    document: Mapping[str, Any] = field(compare=False, repr=False)  # as given

    def label(self, grades: Mapping[str, str]) -> str:
        return self.label_format.format_map(grades)

    def labels(self) -> dict[str, tuple[int, ...]]:
        """Every overall label the scale can give, with its rank on each axis."""
        out = {}
        for combo in itertools.product(*(enumerate(a.labels) for a in self.axes)):
            grades = {a.id: label for a, (_, label) in zip(self.axes, combo, strict=True)}
            out[self.label(grades)] = tuple(rank for rank, _ in combo)
        return out


@dataclass(frozen=True, slots=True)
class Refusal:
    grade: str  # a better grade the record did not reach ...
    failed: tuple[Verdict, ...]  # ... and the criteria of it that failed


@dataclass(frozen=True, slots=True)
class AxisGrade:
    axis: str
    grade: str
    rank: int
    held: tuple[Verdict, ...]  # the grade's own criteria, all held
    refused: tuple[Refusal, ...]  # each better grade, best first


@dataclass(frozen=True, slots=True)
class ScaleGrade:
    scale: str
    version: str
    label: str  # "B2", "Excellent"
    price_tier: Cosmetic
    axes: tuple[AxisGrade, ...]

    @property
    def grades(self) -> dict[str, str]:
        return {a.axis: a.grade for a in self.axes}


def grade(*, scale: Scale, record: InspectionRecord) -> ScaleGrade:
    """Grade the record on every axis of the scale, with the reasons."""
    verdicts: dict[str, Verdict] = {}  # a criterion shared by several grades is judged once

    def judge(criterion: Criterion) -> Verdict:
        if criterion.id not in verdicts:
            verdicts[criterion.id] = criterion.judge(record)
        return verdicts[criterion.id]

    axes = []
    for axis in scale.axes:
        refused = []
        for rank, g in enumerate(axis.grades):
            results = tuple(judge(c) for c in g.criteria)
            failed = tuple(v for v in results if not v.held)
            if not failed:
                axes.append(AxisGrade(axis.id, g.label, rank, results, tuple(refused)))
                break
            refused.append(Refusal(g.label, failed))
    grades = {a.axis: a.grade for a in axes}
    return ScaleGrade(
        scale=scale.id,
        version=scale.version,
        label=scale.label(grades),
        price_tier=scale.price_tiers[grades[scale.price_axis]],
        axes=tuple(axes),
    )


@dataclass(frozen=True, slots=True)
class Crosswalk:
    id: str
    version: str
    description: str
    source: str
    source_version: str
    target: str
    mapping: Mapping[str, str]  # every overall label of the source -> one of the target


def crosswalk(*, walk: Crosswalk, grade: ScaleGrade) -> str:
    """The target scale's grade for a grade of the source scale."""
    if (grade.scale, grade.version) != (walk.source, walk.source_version):
        raise CrosswalkMismatch(
            f"crosswalk {walk.id} maps grades of {walk.source} {walk.source_version}, "
            f"not of {grade.scale} {grade.version}",
            field="scale",
        )
    return walk.mapping[grade.label]


def version_key(version: str) -> tuple[int, ...]:
    """Versions are dotted numbers; the latest is the greatest ("1.10" after "1.9")."""
    return tuple(int(part) for part in version.split("."))
