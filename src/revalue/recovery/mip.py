"""HiGHS on the aggregated problem: the linear relaxation first, the integer program if needed.

The model: ``x[class, candidate]`` counts, one equality row per class (its counts add up to its
devices) and one row per capacity, maximizing the score. Without the technicians' minutes it
would be a transportation problem, whose relaxation has integral vertices; the minutes row
breaks that only for a handful of classes. So the relaxation is solved first (dual simplex,
a few seconds at 50,000 devices where HiGHS's branch and bound spends much longer before its
root node): its optimum is a proven bound, its counts rounded down hold every capacity, and
the few devices left over take their best candidate that still fits. When that plan is within
the gap asked of the bound, it stands; otherwise the integer program runs on the time left,
starting from the better of that plan and the greedy one.
"""

from __future__ import annotations

import math
import os
import sys
import time

import highspy
import numpy as np

from revalue.recovery.problem import Assignment, Infeasible, Problem, holds, usage

Status = highspy.HighsModelStatus
FEASIBLE = 2  # HiGHS's solution status "feasible"


def run(
    problem: Problem, start: Assignment | None, *, time_limit: float, gap: float
) -> tuple[Assignment | None, int | None, str]:
    """The counts (None when there is no plan at all), the bound (None when unknown) and the
    status: ``optimal`` (proven within ``gap``), ``time_limit`` (the best found in time), or
    ``greedy`` (HiGHS found nothing better than the greedy seed in time)."""
    if not problem.classes:
        return [], 0, "optimal"
    began = time.perf_counter()
    model = _model(problem)
    h = _highs(time_limit=time_limit)
    h.setOptionValue("solver", "simplex")
    h.passModel(model)
    h.run()
    _refuse_infeasible(h)
    bound = None
    fallback = "greedy"  # the status of the seed, should HiGHS find nothing better in time
    if h.getModelStatus() == Status.kOptimal:
        bound = math.floor(h.getInfo().objective_function_value + 1e-6)
        rounded = _rounded(problem, h.getSolution().col_value)
        if rounded is not None:
            if _within(_score(problem, rounded), bound, gap):
                return rounded, bound, "optimal"
            if start is None or _score(problem, rounded) > _score(problem, start):
                start, fallback = rounded, "time_limit"
    model.integrality_ = [highspy.HighsVarType.kInteger] * model.num_col_
    h = _highs(time_limit=max(1.0, time_limit - (time.perf_counter() - began)))
    h.setOptionValue("mip_rel_gap", float(gap))
    h.passModel(model)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = [float(n) for row in start for n in row]
        solution.value_valid = True
        h.setSolution(solution)
    h.run()
    _refuse_infeasible(h)
    info = h.getInfo()
    if math.isfinite(info.mip_dual_bound):
        dual = math.floor(info.mip_dual_bound + 1e-6)
        bound = dual if bound is None else min(bound, dual)
    if info.primal_solution_status != FEASIBLE:
        return start, bound, fallback
    flat = iter(round(v) for v in h.getSolution().col_value)
    counts = [[next(flat) for _ in cls.candidates] for cls in problem.classes]
    if not holds(problem, counts):
        return start, bound, fallback
    if bound is not None and _within(_score(problem, counts), bound, gap):
        return counts, bound, "optimal"
    return counts, bound, "time_limit"


def _within(score: int, bound: int, gap: float) -> bool:
    return bound - score <= gap * max(1, abs(bound))


def _score(problem: Problem, counts: Assignment) -> int:
    return sum(
        option.score * n
        for cls, row in zip(problem.classes, counts, strict=True)
        for option, n in zip(cls.candidates, row, strict=True)
    )


def _refuse_infeasible(h: highspy.Highs) -> None:
    if h.getModelStatus() == Status.kInfeasible:
        raise Infeasible(
            "the capacities cannot hold every device: some have no uncapacitated route",
            field="capacity",
        )


def _model(problem: Problem) -> highspy.HighsLp:
    rows = {resource: len(problem.classes) + i for i, resource in enumerate(problem.capacity)}
    cost, upper, starts, index, value = [], [], [0], [], []
    for c, cls in enumerate(problem.classes):
        for option, uses in zip(cls.candidates, cls.uses, strict=True):
            cost.append(option.score)
            upper.append(len(cls.devices))
            index.append(c)
            value.append(1.0)
            for resource, amount in uses:
                index.append(rows[resource])
                value.append(float(amount))
            starts.append(len(index))
    sizes = [float(len(cls.devices)) for cls in problem.classes]
    caps = [float(cap) for cap in problem.capacity.values()]
    lp = highspy.HighsLp()
    lp.num_col_ = len(cost)
    lp.num_row_ = len(sizes) + len(caps)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.array(cost, dtype=np.float64)
    lp.col_lower_ = np.zeros(len(cost))
    lp.col_upper_ = np.array(upper, dtype=np.float64)
    lp.row_lower_ = np.array(sizes + [0.0] * len(caps))
    lp.row_upper_ = np.array(sizes + caps)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value)
    return lp


def _rounded(problem: Problem, values: list[float]) -> Assignment | None:
    """The relaxation's counts rounded down, the devices left over on their best candidate that
    still fits; None when some device finds none."""
    flat = iter(values)
    counts = [[math.floor(next(flat) + 1e-6) for _ in cls.candidates] for cls in problem.classes]
    used = usage(problem, counts)
    remaining = {r: cap - used[r] for r, cap in problem.capacity.items()}
    for cls, row in zip(problem.classes, counts, strict=True):
        left = len(cls.devices) - sum(row)
        for k, uses in enumerate(cls.uses):
            if not left:
                break
            take = min([left, *(remaining[r] // amount for r, amount in uses)])
            if take <= 0:
                continue
            for r, amount in uses:
                remaining[r] -= amount * take
            row[k] += take
            left -= take
        if left:
            return None
    return counts if holds(problem, counts) else None


_banner_shown = False


def _highs(*, time_limit: float) -> highspy.Highs:
    """A quiet solver. The first one of the process prints HiGHS's banner on the C-level
    stdout, which would corrupt a CLI's JSON output: file descriptor 1 is /dev/null then."""
    global _banner_shown
    if _banner_shown:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_shown = True
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("random_seed", 0)
    return h
