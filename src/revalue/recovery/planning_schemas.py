"""Request and response bodies of disposition plans and work orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, StrictInt

from revalue.domain.condition import Grade
from revalue.domain.program import ResaleStrategy
from revalue.schemas_common import MinorUnits, Strict


class PlanIn(Strict):
    strategy: ResaleStrategy | None = Field(None, description="Default: the program's")
    horizon_days: StrictInt | None = Field(None, ge=1, le=365, description="Default: settings")
    time_limit_s: float = Field(30.0, gt=0, le=120, description="The solver's time limit")
    trade_in_ids: list[str] | None = Field(
        None,
        min_length=1,
        max_length=100_000,
        description="A batch to plan (say, what the erasure bench finished this week); "
        "default: every device waiting",
    )


class TotalOut(BaseModel):
    route: str
    channel_id: str
    channel_code: str
    devices: int
    expected_net: int


class PlanOut(BaseModel):
    id: str
    program_id: str
    status: str
    strategy: str
    horizon_days: int
    devices: int
    currency: str
    summary: dict[str, Any] = Field(
        description="The solver's figures: optimal and greedy recovery, bound, gap, times"
    )
    totals: list[TotalOut] = Field(description="Devices and expected net by route and channel")
    created_by: str
    created_at: datetime
    applied_by: str | None
    applied_at: datetime | None


class DecisionOut(BaseModel):
    trade_in_id: str
    route: str
    channel_id: str
    repairs: list[str]
    grade: str
    net: int = Field(description="Expected net recovery, minor units")
    explanation: dict[str, Any] = Field(
        description="The option chosen, the alternatives with their net, the reason, and the "
        "device as planned (grade, defects, what blocked reuse or parts)"
    )


class DecisionPage(BaseModel):
    total: int
    decisions: list[DecisionOut]


class WorkOrderOut(BaseModel):
    id: str
    program_id: str
    trade_in_id: str
    plan_id: str | None
    status: str
    actions: list[str]
    grade_before: str | None
    grade_target: str
    grade_after: str | None
    parts_cost: int
    labour_minutes: int
    actual_parts_cost: int | None
    actual_labour_minutes: int | None
    technician: str | None
    checked_by: str | None
    notes: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class FinishIn(Strict):
    passed: bool = Field(description="The quality check's verdict")
    grade_after: Grade | None = Field(
        None, description="The grade found at the check (passed: default the target)"
    )
    actual_parts_cost: MinorUnits
    actual_labour_minutes: StrictInt = Field(ge=0, le=10_000)
    notes: str = Field("", max_length=2000)


class CancelIn(Strict):
    notes: str = Field("", max_length=2000)


class CapacityOut(BaseModel):
    program_id: str
    week_start: datetime
    available_minutes: int = Field(description="Technician hours a week (settings), in minutes")
    open_work_orders: int
    planned_minutes: int = Field(description="Labour planned by work orders not yet finished")
    finished_work_orders: int
    spent_minutes: int = Field(description="Labour spent by work orders finished this week")
    free_minutes: int
