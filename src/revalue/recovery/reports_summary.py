"""Every report of a program at once, as the API's summary, the CLI and the dashboard show
it: each section read through the same functions as its own endpoint."""

from __future__ import annotations

from sqlalchemy.orm import Session

from revalue.programs import service as programs
from revalue.recovery import environment, reports, reports_flow
from revalue.recovery import report_schemas as schemas


def recovery_out(
    session: Session, program_id: str, *, by: reports.GroupBy, period: reports.Period
) -> schemas.RecoveryOut:
    rows = reports.recovery(session, program_id, by=by, period=period)
    return schemas.RecoveryOut.model_validate(
        {"program_id": program_id, "by": str(by), "rows": rows,
         "totals": reports.recovery_totals(rows)}
    )  # fmt: skip


def summary(
    session: Session,
    program_id: str,
    *,
    by: reports.GroupBy = reports.GroupBy.CHANNEL,
    period: reports.Period = reports.Period(),
) -> schemas.SummaryOut:
    program = programs.get(session, program_id)
    return schemas.SummaryOut.model_validate(
        {
            "program_id": program_id,
            "currency": program.currency,
            "start": period.start,
            "end": period.end,
            "recovery": recovery_out(session, program_id, by=by, period=period),
            "disposition_mix": reports.disposition_mix(session, program_id, period=period),
            "days_to_sell": reports.days_to_sell(session, program_id, period=period),
            "requotes": reports_flow.requotes(session, program_id, period=period),
            "stages": reports_flow.stages(session, program_id, period=period),
            "objectives": reports.objectives(session, program_id, period=period),
            "environment": environment_out(session, program_id),
        }
    )


def environment_out(session: Session, program_id: str) -> schemas.EnvironmentOut:
    lines = environment.totals(session, program_id)
    return schemas.EnvironmentOut(
        program_id=program_id,
        versions=[_total(t) for t in environment.version_totals(lines)],
        lines=[_total(t) for t in lines],
    )


def _total(t: environment.Total) -> schemas.EnvironmentTotalOut:
    grams = {f: getattr(t, f) for f in ("mass_g", "diverted_g", "recycled_g", "co2e_avoided_g")}
    return schemas.EnvironmentTotalOut(
        factor_version=t.factor_version,
        category=t.category,
        route=t.route,
        devices=t.devices,
        **grams,
        **{f.removesuffix("_g") + "_kg": g / 1000 for f, g in grams.items()},
    )
