"""The grading scales a program may use and the crosswalks between them.

Shipped scales and crosswalks are package data (``scales/*.json``, ``crosswalks/*.json``),
read once per process. Operators load their own scales into ``grading_scales``: each version
is kept, so a grade given under a version can be explained again, and a shipped id is never
shadowed. A scale loaded for a program is seen only by those who see that program; one loaded
without a program is installation-wide.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session

from revalue.domain import grading
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, NotFound
from revalue.domain.grading import Crosswalk, Evidence, Scale, ScaleGrade, Verdict
from revalue.domain.grading_documents import parse_crosswalk, parse_scale
from revalue.domain.inspection import InspectionRecord
from revalue.grading.models import GradingScale

SHIPPED, LOADED = "shipped", "loaded"
# The programs feature sits above this one: its table is named here only to check a reference.
_PROGRAMS = table("programs", column("id"))


class UnknownScale(NotFound):
    code = "unknown_scale"


class UnknownCrosswalk(NotFound):
    code = "unknown_crosswalk"


class UnknownProgram(NotFound):
    code = "program_not_found"


class ScaleExists(Conflict):
    code = "scale_exists"


@dataclass(frozen=True, slots=True)
class Entry:
    """A scale and where it comes from: shipped, or loaded (for a program, or ``None``:
    for the whole installation)."""

    scale: Scale
    source: str
    program_id: str | None = None


def _read_json(name: str) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):  # json would keep the last silently
            raise ValueError(f"{name}: a key appears twice in one object")
        return dict(pairs)

    text = resources.files("revalue.grading").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text, object_pairs_hook=no_duplicates)


def _data_files(folder: str) -> list[str]:
    found = resources.files("revalue.grading").joinpath(folder).iterdir()
    return sorted(f"{folder}/{f.name}" for f in found if f.name.endswith(".json"))


@functools.cache
def shipped_scales() -> dict[str, Scale]:
    scales = [parse_scale(_read_json(name)) for name in _data_files("scales")]
    return {s.id: s for s in scales}


@functools.cache
def shipped_crosswalks() -> dict[tuple[str, str], Crosswalk]:
    scales = shipped_scales()
    out = {}
    for name in _data_files("crosswalks"):
        doc = _read_json(name)
        walk = parse_crosswalk(doc, source=scales[doc["from"]], target=scales[doc["to"]])
        out[walk.source, walk.target] = walk
    return out


def get_crosswalk(source: str, target: str) -> Crosswalk:
    walk = shipped_crosswalks().get((source, target))
    if walk is None:
        raise UnknownCrosswalk(
            f"no crosswalk from {source!r} to {target!r}",
            field="scale_id",
            known=[f"{s}->{t}" for s, t in sorted(shipped_crosswalks())],
        )
    return walk


def find(
    session: Session,
    scale_id: str,
    version: str | None = None,
    *,
    programs: frozenset[str] | None = None,
) -> Entry:
    """The scale (its latest version when none is given) among those ``programs`` may use
    (``None``: every program's)."""
    shipped = shipped_scales().get(scale_id)
    if shipped is not None:
        if version not in (None, shipped.version):
            raise UnknownScale(f"scale {scale_id!r} has no version {version!r}", field="version")
        return Entry(shipped, SHIPPED)
    rows = [r for r in _rows(session, scale_id) if _visible(r.program_id, programs)]
    if version is not None:
        rows = [r for r in rows if r.version == version]
    if not rows:
        what = f"version {version!r} of scale {scale_id!r}" if version else f"scale {scale_id!r}"
        raise UnknownScale(f"no {what}", field="scale_id" if not version else "version")
    row = max(rows, key=lambda r: grading.version_key(r.version))
    return Entry(parse_scale(row.document), LOADED, row.program_id)


def get_scale(
    session: Session,
    scale_id: str,
    version: str | None = None,
    *,
    programs: frozenset[str] | None = None,
) -> Scale:
    return find(session, scale_id, version, programs=programs).scale


def list_scales(session: Session, *, programs: frozenset[str] | None = None) -> list[Entry]:
    """Every shipped scale, and every version of each loaded scale ``programs`` may use."""
    shipped = [Entry(s, SHIPPED) for s in shipped_scales().values()]
    loaded = [
        Entry(parse_scale(r.document), LOADED, r.program_id)
        for r in session.scalars(select(GradingScale))
        if _visible(r.program_id, programs)
    ]
    loaded.sort(key=lambda e: (e.scale.id, grading.version_key(e.scale.version)))
    return shipped + loaded


def load_scale(session: Session, document: Any, *, program_id: str | None, ctx: Context) -> Scale:
    """Check a scale document and keep it for the program (``None``: installation-wide)."""
    scale = parse_scale(document)
    if scale.id in shipped_scales():
        raise ScaleExists(
            f"{scale.id!r} is a shipped scale; give yours an id of its own", field="id"
        )
    rows = _rows(session, scale.id)
    if any(r.program_id != program_id for r in rows):
        raise ScaleExists(f"the scale id {scale.id!r} is taken; choose another", field="id")
    if any(r.version == scale.version for r in rows):
        raise ScaleExists(
            f"scale {scale.id!r} version {scale.version!r} exists; a version never changes,"
            " load a new one",
            field="version",
        )
    if program_id is not None and not _program_exists(session, program_id):
        raise UnknownProgram(f"no program {program_id!r}", field="program_id")
    session.add(
        GradingScale(
            id=scale.id,
            version=scale.version,
            program_id=program_id,
            document=dict(scale.document),
            created_by=ctx.actor,
            created_at=ctx.now,
        )
    )
    session.flush()
    return scale


def grade_all(
    session: Session, record: InspectionRecord, *, program_id: str | None = None
) -> dict[str, ScaleGrade]:
    """The record's grade on every shipped scale and, for a program, the latest version of
    every scale the program may use."""
    scales = dict(shipped_scales())
    if program_id is not None:
        for entry in list_scales(session, programs=frozenset({program_id})):
            scales[entry.scale.id] = entry.scale  # listed oldest first: the latest stays
    return {sid: grading.grade(scale=s, record=record) for sid, s in scales.items()}


# Serialization: the stored and returned form of a grade (``inspections.grades``).


def grade_to_dict(grade: ScaleGrade) -> dict[str, Any]:
    return {
        "scale": grade.scale,
        "version": grade.version,
        "label": grade.label,
        "price_tier": str(grade.price_tier),
        "axes": {
            a.axis: {
                "grade": a.grade,
                "rank": a.rank,
                "held": [_verdict(v) for v in a.held],
                "refused": [
                    {"grade": r.grade, "failed": [_verdict(v) for v in r.failed]} for r in a.refused
                ],
            }
            for a in grade.axes
        },
    }


def _verdict(v: Verdict) -> dict[str, Any]:
    return {
        "criterion": v.criterion,
        "text": v.text,
        "found": v.found,
        "evidence": [_evidence(e) for e in v.evidence],
    }


def _evidence(e: Evidence) -> dict[str, Any]:
    out: dict[str, Any] = {"field": e.field, "value": e.value}
    if e.finding is not None:
        f = e.finding
        out["finding"] = {
            "zone": str(f.zone),
            "defect": str(f.defect),
            "count": f.count,
            "size_mm": float(f.size_mm),
            "photo": f.photo,
        }
    return out


# Queries


def _rows(session: Session, scale_id: str) -> list[GradingScale]:
    return list(session.scalars(select(GradingScale).where(GradingScale.id == scale_id)))


def _visible(program_id: str | None, programs: frozenset[str] | None) -> bool:
    return programs is None or program_id is None or program_id in programs


def _program_exists(session: Session, program_id: str) -> bool:
    stmt = select(func.count()).select_from(_PROGRAMS).where(_PROGRAMS.c.id == program_id)
    return bool(session.scalar(stmt))
