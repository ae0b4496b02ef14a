"""The program dashboard: the program's figures at a glance, each with a chart.

Every figure is read through the function its JSON report uses (recovery, re-quote and
environment reports, objectives, state counts, payouts by method), so the page and the API
always agree; the two figures no report had (volume with conversion, average offers) come
from ``dashboard_data``. Nothing here computes a business figure of its own: it only chooses
words, units and charts.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy.orm import Session

from revalue.domain.lifecycle import State
from revalue.domain.program import ObjectiveMetric
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session
from revalue.programs import service as programs
from revalue.programs.models import Program
from revalue.recovery import reports, reports_flow, reports_summary
from revalue.recovery.environment_api import REPORT_READERS
from revalue.tradeins import repository as tradeins
from revalue.web import charts, console, dashboard_data, render
from revalue.web.charts import Point, Target

router = console.pages_router()
LIFECYCLE = [str(s) for s in State]
OBJECTIVES = {
    ObjectiveMetric.DEVICES_PER_MONTH: "Devices disposed a month",
    ObjectiveMetric.REUSE_SHARE_BP: "Share reused",
    ObjectiveMetric.AVERAGE_MARGIN_BP: "Average margin",
}


@dataclass(frozen=True, slots=True)
class Panel:
    """One section of the dashboard: its headline figures (label, shown) and its charts."""

    heading: str
    figures: list[tuple[str, str]]
    charts: list[Markup] = field(default_factory=list)
    note: str = ""


def words(code: str) -> str:
    """A code as people say it: ``requote_offered`` -> ``Re-quote offered``."""
    return code.replace("_", " ").capitalize().replace("equote", "e-quote")


def percent(bp: int) -> str:
    return f"{bp / 100:.1f} %"


def month_point(ym: str, value: float, shown: str) -> Point:
    year, mon = int(ym[:4]), int(ym[5:7])
    name = calendar.month_abbr[mon]
    return Point(f"{name} {year}", value, shown, short=f"{name} {year % 100:02d}")


@router.get("/console/dashboard", response_class=HTMLResponse)
def console_dashboard(
    request: Request,
    program: str | None = Query(None, description="The program; default: the one picked"),
    grant: Grant = Depends(allow(*REPORT_READERS)),
    session: Session = Depends(read_session),
):
    """The program's dashboard: volume, conversion from quote to receipt, re-quote rate,
    average offer, payouts by method, devices by stage, value recovered, environmental
    totals and objectives against targets, each with a chart and its figures."""
    if program is not None:
        grant.require_program(program, lambda: _missing(program))
    staff = console.staff_of(request, grant, session)
    # The program asked for (checked above), else the one picked, else the first they may read.
    candidates = [staff.program] if staff.program else []
    shown = next(
        (p for p in candidates + staff.programs if staff.holds(REPORT_READERS, p.id)), None
    )
    if shown is None:
        raise _missing(program or "")
    response = console.show(
        request,
        "console/dashboard.html",
        staff,
        section="Dashboard",
        shown=shown,
        panels=panels(session, shown),
    )
    console.remember_program(request, staff, response)
    return response


def _missing(program_id: str) -> programs.ProgramNotFound:
    return programs.ProgramNotFound(f"no program {program_id!r}", field="program")


def panels(session: Session, program: Program) -> list[Panel]:
    """Every section of the dashboard, in reading order."""
    pid, cur = program.id, program.currency
    return [
        *_flow(session, pid),
        _requotes(session, pid),
        _offers(session, pid),
        _payouts(session, pid, cur),
        _stages(session, pid),
        _recovered(session, pid, cur),
        _environment(session, pid),
        _objectives(session, pid),
    ]


def _flow(session: Session, pid: str) -> list[Panel]:
    rows = dashboard_data.volume(session, pid)
    quoted = sum(r.quoted for r in rows)
    received = sum(r.received for r in rows)
    volume = Panel(
        "Volume",
        [("Trade-ins quoted", f"{quoted:,}")],
        [
            charts.columns(
                "Trade-ins quoted a month",
                [month_point(r.month, r.quoted, f"{r.quoted:,}") for r in rows],
                unit="Trade-ins quoted",
            )
        ],
    )
    conversion = Panel(
        "Conversion from quote to received",
        [
            ("Received", f"{received:,}"),
            ("Of quoted", percent(reports.share_bp(received, quoted))),
        ],
        [
            charts.shares(
                "Trade-ins quoted, by whether they were received",
                [
                    Point("Received", received, f"{received:,}"),
                    Point("Not received", quoted - received, f"{quoted - received:,}"),
                ],
                unit="Trade-ins",
            ),
            charts.columns(
                "Share received, by month of the quote",
                [month_point(r.month, r.conversion_bp, percent(r.conversion_bp)) for r in rows],
                unit="Received of quoted",
            ),
        ],
        note="Quotes of recent months may still be on their way.",
    )
    return [volume, conversion]


def _requotes(session: Session, pid: str) -> Panel:
    rows = reports_flow.requotes(session, pid)
    inspected = sum(r.inspected for r in rows)
    requoted = sum(r.requoted for r in rows)
    answers = [
        Point("Accepted", sum(r.accepted for r in rows)),
        Point("Declined", sum(r.declined for r in rows)),
        Point("Awaiting an answer", sum(r.open for r in rows)),
    ]
    return Panel(
        "Re-quote rate",
        [
            ("Inspected", f"{inspected:,}"),
            ("Re-quoted", f"{requoted:,}"),
            ("Rate", percent(reports.share_bp(requoted, inspected))),
        ],
        [
            charts.columns(
                "Re-quote rate, by month of inspection",
                [month_point(r.month, r.requote_rate_bp, percent(r.requote_rate_bp)) for r in rows],
                unit="Re-quoted of inspected",
            ),
            charts.shares("Customers' answers to re-quotes", answers, unit="Re-quotes"),
        ],
    )


def _offers(session: Session, pid: str) -> Panel:
    rows = dashboard_data.average_offers(session, pid)
    points = [Point(words(r.method), r.average, render.money(r.average, r.currency)) for r in rows]
    return Panel(
        "Average offer",
        [(p.label, p.text) for p in points],
        [charts.hbars("Average initial offer by payout method", points, unit="Average offer")],
    )


def _payouts(session: Session, pid: str, cur: str) -> Panel:
    paid = sorted(tradeins.paid_by_method(session, pid).items())
    amounts = [Point(words(m), total, render.money(total, cur)) for m, (_n, total) in paid]
    counts = [Point(words(m), n, f"{n:,}") for m, (n, _total) in paid]
    return Panel(
        "Payouts by method",
        [(p.label, f"{c.text} paid, {p.text}") for p, c in zip(amounts, counts, strict=True)],
        [charts.hbars("Amount paid by payout method", amounts, unit="Paid")],
    )


def _stages(session: Session, pid: str) -> Panel:
    counts = tradeins.state_counts(session, pid)
    ordered = sorted(counts, key=lambda s: (LIFECYCLE.index(s) if s in LIFECYCLE else 99, s))
    points = [Point(words(s), counts[s], f"{counts[s]:,}") for s in ordered]
    return Panel(
        "Devices by stage",
        [("Trade-ins", f"{sum(counts.values()):,}")],
        [charts.hbars("Trade-ins in each state now", points, unit="Trade-ins")],
    )


def _recovered(session: Session, pid: str, cur: str) -> Panel:
    out = reports_summary.recovery_out(
        session, pid, by=reports.GroupBy.MONTH, period=reports.Period()
    )
    total = next((t for t in out.totals if t.currency == cur), None)
    figures = (
        []
        if total is None
        else [
            ("Devices sold", f"{total.devices:,}"),
            ("Revenue", render.money(total.revenue, cur)),
            ("Net recovered", render.money(total.net, cur)),
            ("Paid to customers", render.money(total.paid, cur)),
            ("Margin", f"{render.money(total.margin, cur)} ({percent(total.margin_bp)})"),
        ]
    )
    points = [
        month_point(r.group, r.net, render.money(r.net, cur)) for r in out.rows if r.currency == cur
    ]
    return Panel(
        "Value recovered",
        figures,
        [charts.columns("Net recovered by month of sale", points, unit="Net recovered")],
    )


def _environment(session: Session, pid: str) -> Panel:
    out = reports_summary.environment_out(session, pid)
    figures, drawn = [], []
    # Figures from different factor versions are never added together: one set each.
    for v in out.versions:
        tag = f" (factors {v.factor_version})" if len(out.versions) > 1 else ""
        figures += [
            (f"Devices{tag}", f"{v.devices:,}"),
            (f"E-waste diverted{tag}", f"{v.diverted_kg:,.1f} kg"),
            (f"Recycled{tag}", f"{v.recycled_kg:,.1f} kg"),
            (f"CO2e avoided{tag}", f"{v.co2e_avoided_kg:,.1f} kg"),
        ]
        by_route: dict[str, float] = defaultdict(float)
        for line in out.lines:
            if line.factor_version == v.factor_version:
                by_route[line.route] += line.co2e_avoided_kg
        points = [Point(words(r), kg, f"{kg:,.1f} kg") for r, kg in sorted(by_route.items())]
        drawn.append(charts.hbars(f"CO2e avoided by route{tag}", points, unit="CO2e avoided"))
    if not out.versions:
        drawn.append(charts.hbars("CO2e avoided by route", [], unit="CO2e avoided"))
    return Panel("Environmental totals", figures, drawn)


def _objectives(session: Session, pid: str) -> Panel:
    rows = reports.objectives(session, pid)

    def show(metric: str, value: int) -> str:
        return f"{value:,}" if metric == ObjectiveMetric.DEVICES_PER_MONTH else percent(value)

    targets = [
        Target(
            OBJECTIVES.get(ObjectiveMetric(r.metric), words(r.metric)),
            r.actual,
            r.target,
            show(r.metric, r.actual),
            show(r.metric, r.target),
        )
        for r in rows
    ]
    return Panel(
        "Objectives against targets",
        [(t.label, f"{t.shown_actual} (target {t.shown_target})") for t in targets],
        [charts.targets("Objectives against their targets", targets)],
        note="" if rows else "The program has set no objectives.",
    )
