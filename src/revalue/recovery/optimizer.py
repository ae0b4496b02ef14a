"""The disposition optimizer: a route for every device that maximizes the total score.

Interchangeable devices (same ``Device.profile``) form classes, and the mixed-integer program
counts how many of a class take each option: ``x[class, option]`` integers, one row per class
(its counts add up to its size) and one per capacity (a channel's devices, a channel's demand
for a model, the technicians' minutes), maximizing the sum of scores. At 50,000 devices that is
a few thousand classes instead of 300,000 binaries, and the relaxation is nearly integral.
HiGHS solves it (``revalue.recovery.mip``: the relaxation rounded and repaired, the integer
program when that misses the gap) within a time limit and a relative gap; the greedy heuristic
(``revalue.recovery.greedy``) gives it a starting solution and a figure to compare with.

The counts go back to devices in input order, each class's best option first, so the same
input always gives the same plan. Every decision names the option taken, up to three
alternatives (best score first) and why: the best value, or the capacity that went elsewhere.

``repairs`` maps a device category to the program's repair actions for it
(``RepairAction`` carries no category). Errors: ``NoRoute`` when a device has no option at all,
``Infeasible`` when the capacities leave some device without one.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from revalue.domain.recovery import ChannelTerms, Device, Economics, Option, RepairAction
from revalue.domain.routes import SPEED
from revalue.recovery import greedy as heuristic
from revalue.recovery import mip
from revalue.recovery.problem import (
    REPAIR,
    Assignment,
    Infeasible,
    NoRoute,
    Problem,
    prepare,
    usage,
)

__all__ = ["Decision", "Infeasible", "NoRoute", "Result", "greedy", "solve"]
ALTERNATIVES = 3


@dataclass(frozen=True)
class Decision:
    trade_in_id: str
    option: Option
    alternatives: tuple[Option, ...]  # up to three other options, best score first
    reason: str


@dataclass(frozen=True)
class Result:
    decisions: list[Decision]  # one per device, input order
    recovery: int  # sum of the chosen options' net (minor units)
    score: int  # sum of the chosen options' score: the objective
    bound: int  # proven upper bound on the score
    gap: float  # (bound - score) / max(1, |bound|)
    greedy_recovery: int | None
    greedy_score: int | None
    seconds: float
    greedy_seconds: float | None
    classes: int
    status: str  # "optimal" (within the gap asked), "time_limit" (best found), "greedy" (seed)

    def summary(self) -> dict[str, object]:
        return {
            "devices": len(self.decisions),
            "classes": self.classes,
            "status": self.status,
            "recovery": self.recovery,
            "score": self.score,
            "bound": self.bound,
            "gap": round(self.gap, 6),
            "seconds": round(self.seconds, 3),
            "greedy_recovery": self.greedy_recovery,
            "greedy_score": self.greedy_score,
            "greedy_seconds": None
            if self.greedy_seconds is None
            else round(self.greedy_seconds, 3),
        }


def solve(
    devices: Sequence[Device],
    channels: Sequence[ChannelTerms],
    repairs: Mapping[str, Sequence[RepairAction]],
    economics: Economics,
    *,
    time_limit: float = 60.0,
    gap: float = 0.005,
    compare_greedy: bool = True,
) -> Result:
    """The best plan HiGHS finds within ``time_limit`` seconds and relative ``gap``.

    ``seconds`` covers grouping, building, solving and explaining; ``greedy_seconds`` the
    grouping and the heuristic, as ``greedy()`` alone would take. When HiGHS finds no solution
    in time, the greedy plan is returned with status ``greedy`` and HiGHS's bound. The
    heuristic always runs (it seeds HiGHS); ``compare_greedy=False`` leaves its figures out.
    """
    started = time.perf_counter()
    problem = prepare(devices, channels, repairs, economics)
    prepared = time.perf_counter() - started
    start: Assignment | None = None
    greedy_seconds = None
    try:
        tick = time.perf_counter()
        start = heuristic.assign(problem)
        greedy_seconds = prepared + time.perf_counter() - tick
    except Infeasible:
        start = None  # the MIP decides whether the instance is feasible at all
    tick = time.perf_counter()
    left = max(1.0, time_limit - (tick - started))  # the limit covers the grouping and greedy
    counts, bound, status = mip.run(problem, start, time_limit=left, gap=gap)
    if counts is None:
        if start is None:
            raise Infeasible("HiGHS found no plan within the time limit", field="time_limit")
        counts = start
    decisions = _decisions(problem, counts)
    score = _total(problem, counts, "score")
    bound = max(_best_scores(problem) if bound is None else bound, score)
    greedy_figures = start is not None and compare_greedy
    return Result(
        decisions=decisions,
        recovery=_total(problem, counts, "net"),
        score=score,
        bound=bound,
        gap=(bound - score) / max(1, abs(bound)),
        greedy_recovery=_total(problem, start, "net") if greedy_figures else None,
        greedy_score=_total(problem, start, "score") if greedy_figures else None,
        seconds=prepared + time.perf_counter() - tick,
        greedy_seconds=greedy_seconds if greedy_figures else None,
        classes=len(problem.classes),
        status=status,
    )


def greedy(
    devices: Sequence[Device],
    channels: Sequence[ChannelTerms],
    repairs: Mapping[str, Sequence[RepairAction]],
    economics: Economics,
) -> Result:
    """The greedy plan alone. Its bound is each device's best score, capacities ignored."""
    started = time.perf_counter()
    problem = prepare(devices, channels, repairs, economics)
    counts = heuristic.assign(problem)
    decisions = _decisions(problem, counts)
    score = _total(problem, counts, "score")
    bound = _best_scores(problem)
    seconds = time.perf_counter() - started
    recovery = _total(problem, counts, "net")
    return Result(
        decisions=decisions,
        recovery=recovery,
        score=score,
        bound=bound,
        gap=(bound - score) / max(1, abs(bound)),
        greedy_recovery=recovery,
        greedy_score=score,
        seconds=seconds,
        greedy_seconds=seconds,
        classes=len(problem.classes),
        status="greedy",
    )


def _best_scores(problem: Problem) -> int:
    """A bound that ignores the capacities: every device on its best option."""
    return sum(cls.options[0].score * len(cls.devices) for cls in problem.classes)


def _total(problem: Problem, counts: Assignment, figure: str) -> int:
    return sum(
        getattr(option, figure) * n
        for cls, row in zip(problem.classes, counts, strict=True)
        for option, n in zip(cls.candidates, row, strict=True)
    )


def _decisions(problem: Problem, counts: Assignment) -> list[Decision]:
    used = usage(problem, counts)
    decisions: list[Decision | None] = [None] * len(problem.devices)
    for cls, row in zip(problem.classes, counts, strict=True):
        members = iter(cls.devices)
        for k, n in enumerate(row):
            if not n:
                continue
            option = cls.candidates[k]
            reason = _reason(problem, cls.options, option, cls.model_id, used)
            others = tuple(o for o in cls.options if o is not option)[:ALTERNATIVES]
            for _ in range(n):
                i = next(members)
                device = problem.devices[i]
                said = reason
                if device.parts_block is not None:
                    said = f"{device.parts_block}: recycling only; {reason}"
                elif device.resale_block is not None:
                    said = f"{device.resale_block}: no reuse route; {reason}"
                decisions[i] = Decision(device.trade_in_id, option, others, said)
    assert all(d is not None for d in decisions), "every device gets one decision"
    return decisions  # type: ignore[return-value]


def _reason(
    problem: Problem,
    options: list[Option],
    chosen: Option,
    model_id: str,
    used: dict[tuple[str, ...], int],
) -> str:
    better = options[: next(i for i, o in enumerate(options) if o is chosen)]
    own = dict(problem.uses(chosen, model_id))  # the device's own share does not count
    if not better:
        if problem.economics.strategy == SPEED and any(o.net > chosen.net for o in options):
            return "best value for speed (days to sell weigh more)"
        return "best net value"
    why: list[str] = []
    for option in better:
        for resource, amount in problem.uses(option, model_id):
            if used[resource] - own.get(resource, 0) + amount <= problem.capacity[resource]:
                continue
            cap = problem.capacity[resource]
            if resource == REPAIR:
                said = f"repair hours were full ({cap // 60} h {cap % 60} min)"
            elif resource[0] == "channel":
                said = f"{resource[1]} was full (capacity {cap})"
            else:
                said = f"{resource[1]} demand for {model_id} was full (capacity {cap})"
            if said not in why:
                why.append(said)
    if not why:
        return "better routes earned more on other devices"
    return "; ".join(why)
