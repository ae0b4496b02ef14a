from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from revalue.domain.catalog import Category
from revalue.domain.inspection import (
    Check,
    Defect,
    Finding,
    InspectionRecord,
    Lock,
    Result,
    Zone,
)
from revalue.schemas_common import Strict

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="The photo's SHA-256")]
Accessory = Annotated[str, Field(min_length=1, max_length=60, examples=["charger"])]


class FindingIn(Strict):
    zone: Zone
    defect: Defect
    count: StrictInt = Field(1, ge=1, le=1000, description="How many of this defect")
    size_mm: float = Field(
        0.0, ge=0, le=1000, allow_inf_nan=False, description="The largest one, in millimetres"
    )
    photo: Sha256 | None = None


class InspectionRecordIn(Strict):
    """What the inspector found. The device's category comes from the trade-in's variant."""

    checks: dict[Check, Result] = Field(
        default_factory=dict,
        description="Each functional check of the category: pass, fail or not_tested",
        examples=[{"power": "pass", "display": "pass", "touch": "fail"}],
    )
    battery_health_pct: StrictInt | None = Field(None, ge=0, le=100)
    battery_cycles: StrictInt | None = Field(None, ge=0, le=100_000)
    liquid_damage: StrictBool = Field(False, description="The liquid-damage indicator tripped")
    findings: list[FindingIn] = Field(default_factory=list, max_length=200)
    locks: list[Lock] = Field(default_factory=list, description="Locks observed")
    accessories: list[Accessory] = Field(default_factory=list, max_length=30)

    def to_domain(self, category: Category) -> InspectionRecord:
        """The domain record; its rules (zones and checks of the category) raise
        ``InvalidInspection`` naming the field."""
        return InspectionRecord(
            category=category,
            checks=dict(self.checks),
            battery_health_pct=self.battery_health_pct,
            battery_cycles=self.battery_cycles,
            liquid_damage=self.liquid_damage,
            findings=tuple(
                Finding(
                    zone=f.zone, defect=f.defect, count=f.count, size_mm=f.size_mm, photo=f.photo
                )
                for f in self.findings
            ),
            locks=frozenset(self.locks),
            accessories=frozenset(self.accessories),
        )


class PreviewIn(InspectionRecordIn):
    category: Category
    scales: list[str] | None = Field(
        None,
        max_length=20,
        description="Scale ids to grade on (latest versions); default: every shipped scale",
    )


class ScaleIn(BaseModel):
    """A scale document (see ``GET /grading/scales/ctia`` for one), plus the program it is for:
    ``null`` for the whole installation (admins only)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "program_id": "acme",
                    "id": "acme-simple",
                    "version": "1",
                    "name": "Acme simple",
                    "description": "Working and uncracked, or not.",
                    "criteria": {
                        "works": {"kind": "failed_checks", "max": 0, "text": "Nothing failed."}
                    },
                    "axes": [
                        {
                            "id": "grade",
                            "name": "Grade",
                            "grades": [
                                {"grade": "OK", "description": "Works", "criteria": ["works"]},
                                {"grade": "KO", "description": "Anything", "criteria": []},
                            ],
                        }
                    ],
                    "price_tier": {"tiers": {"OK": "good", "KO": "poor"}},
                }
            ]
        },
    )

    program_id: str | None

    @property
    def document(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class ScaleSummary(BaseModel):
    id: str
    version: str
    name: str
    source: str = Field(description="shipped, or loaded by an operator")
    program_id: str | None = Field(description="The program a loaded scale is for")
    axes: dict[str, list[str]] = Field(description="Each axis's grades, best first")


class ScaleOut(ScaleSummary):
    document: dict[str, Any]


class PreviewOut(BaseModel):
    category: Category
    grades: dict[str, dict[str, Any]] = Field(
        description="Per scale id: the label, price tier, and per axis the grade with the "
        "criteria that held and, for each better grade, the criteria that failed"
    )
