"""The greedy heuristic: fast, capacity-respecting, not optimal.

A pass: each class's fallback is its uncapacitated candidate (usually recycling); every other
candidate is worth its gain over that fallback, less the price of the capacity it takes. The
(class, candidate) pairs are taken in order of that gain, each for as many devices as the class
still has and the capacities still allow; what is left goes to the fallback. Classes with no
fallback go first, best candidate first, so capacity goes to the devices that cannot do
without it.

The capacity prices come from rounds of Lagrangian subgradient steps (each class picks its best
priced candidate for all its devices; a resource asked for beyond its capacity gets dearer, one
left idle cheaper), vectorized over the candidates. The steps oscillate, so a pass uses the
mean of the prices so far; passes run at prices zero and at two points along the way, and the
best plan is kept. Everything is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from revalue.recovery.problem import Assignment, Infeasible, Problem, Resource

ROUNDS = 80
PASSES = frozenset({0, 40, 80})  # rounds at which a greedy pass runs, at the mean prices so far
STEP = 0.25  # the first step moves a price by a quarter of its scale when demand is 2x capacity


@dataclass(slots=True)
class _Arrays:
    resources: list[Resource]
    score: np.ndarray  # per candidate
    whole: np.ndarray  # per candidate: the score as an exact integer
    owner: np.ndarray  # per candidate: its class
    local: np.ndarray  # per candidate: its index among its class's candidates
    floor: np.ndarray  # per candidate: its class's last (fallback) candidate's score
    pair: np.ndarray  # per candidate: 0 (class without fallback), 1 (with), 2 (the fallback)
    starts: np.ndarray  # per class: its first candidate
    size: np.ndarray  # per class: devices
    use_j: np.ndarray  # per use: the candidate
    use_r: np.ndarray  # per use: the resource
    use_amount: np.ndarray
    capacity: np.ndarray  # per resource
    scale: np.ndarray  # per resource: a typical gain per unit, to size the steps


def assign(problem: Problem) -> Assignment:
    if not problem.classes:
        return []
    arrays = _arrays(problem)
    prices = np.zeros(len(arrays.resources))
    total = np.zeros(len(arrays.resources))  # the prices summed over the rounds so far
    best: tuple[int, list[int]] | None = None
    failure: Infeasible | None = None
    for round_ in range(ROUNDS + 1):
        if round_ in PASSES:
            try:
                flat = _pass(problem, arrays, total / max(1, round_))
            except Infeasible as exc:
                failure = exc
            else:
                score = int(np.dot(arrays.whole, np.array(flat, dtype=np.int64)))
                if best is None or score > best[0]:
                    best = (score, flat)
        demand = _demand(arrays, prices)
        excess = (demand - arrays.capacity) / np.maximum(arrays.capacity, 1.0)
        step = STEP / np.sqrt(round_ + 1)
        prices = np.maximum(0.0, prices + step * arrays.scale * np.clip(excess, -1.0, 1.0))
        total += prices
    if best is None:
        assert failure is not None
        raise failure
    counts = iter(best[1])
    return [[next(counts) for _ in cls.candidates] for cls in problem.classes]


def _arrays(problem: Problem) -> _Arrays:
    resources = list(problem.capacity)
    row = {resource: i for i, resource in enumerate(resources)}
    score, owner, starts, use_j, use_r, use_amount, gain = [], [], [], [], [], [], []
    local, floors, pair = [], [], []
    for c, cls in enumerate(problem.classes):
        starts.append(len(score))
        floor = cls.candidates[-1].score
        for k, (option, uses) in enumerate(zip(cls.candidates, cls.uses, strict=True)):
            local.append(k)
            floors.append(floor)
            pair.append(0 if cls.free is None else 2 if k == cls.free else 1)
            for resource, amount in uses:
                use_j.append(len(score))
                use_r.append(row[resource])
                use_amount.append(amount)
                gain.append(max(0, option.score - floor) / amount)
            score.append(option.score)
            owner.append(c)
    use_r_array = np.array(use_r, dtype=np.int64)
    weights = np.array(gain, dtype=np.float64)
    counted = np.bincount(use_r_array, minlength=len(resources))
    scale = np.bincount(use_r_array, weights=weights, minlength=len(resources))
    return _Arrays(
        resources=resources,
        score=np.array(score, dtype=np.float64),
        whole=np.array(score, dtype=np.int64),
        owner=np.array(owner, dtype=np.int64),
        local=np.array(local, dtype=np.int64),
        floor=np.array(floors, dtype=np.float64),
        pair=np.array(pair, dtype=np.int64),
        starts=np.array(starts, dtype=np.int64),
        size=np.array([len(cls.devices) for cls in problem.classes], dtype=np.float64),
        use_j=np.array(use_j, dtype=np.int64),
        use_r=use_r_array,
        use_amount=np.array(use_amount, dtype=np.float64),
        capacity=np.array(list(problem.capacity.values()), dtype=np.float64),
        scale=scale / np.maximum(counted, 1),
    )


def _priced(arrays: _Arrays, prices: np.ndarray) -> np.ndarray:
    """Each candidate's score less the price of the capacity it takes."""
    weights = prices[arrays.use_r] * arrays.use_amount
    return arrays.score - np.bincount(arrays.use_j, weights=weights, minlength=len(arrays.score))


def _demand(arrays: _Arrays, prices: np.ndarray) -> np.ndarray:
    """What the classes would take of each resource, each picking its best priced candidate."""
    n = len(arrays.score)
    priced = _priced(arrays, prices)
    top = np.maximum.reduceat(priced, arrays.starts)
    index = np.where(priced >= top[arrays.owner], np.arange(n), n)
    chosen = np.zeros(n + 1)
    chosen[np.minimum.reduceat(index, arrays.starts)] = 1.0
    taken = chosen[arrays.use_j] * arrays.size[arrays.owner[arrays.use_j]]
    return np.bincount(
        arrays.use_r, weights=taken * arrays.use_amount, minlength=len(arrays.resources)
    )


def _pass(problem: Problem, arrays: _Arrays, prices: np.ndarray) -> list[int]:
    """How many devices take each candidate (flat, in class order)."""
    remaining = dict(problem.capacity)
    flat = [0] * len(arrays.score)
    left = [len(cls.devices) for cls in problem.classes]
    loss = arrays.floor - _priced(arrays, prices)  # the priced gain over the fallback, negated
    order = np.lexsort((np.arange(len(loss)), loss, arrays.pair))
    order = order[arrays.pair[order] < 2]
    owners = arrays.owner[order].tolist()
    for j, c, k in zip(order.tolist(), owners, arrays.local[order].tolist(), strict=True):
        take = left[c]
        if not take:
            continue
        for resource, amount in problem.classes[c].uses[k]:
            take = min(take, remaining[resource] // amount)
        if take <= 0:
            continue
        for resource, amount in problem.classes[c].uses[k]:
            remaining[resource] -= amount * take
        flat[j] += take
        left[c] -= take
    for c, cls in enumerate(problem.classes):
        if not left[c]:
            continue
        if cls.free is None:
            first = problem.devices[cls.devices[-left[c]]]
            raise Infeasible(
                f"the capacities leave no route for trade-in {first.trade_in_id}",
                field="capacity",
                trade_in_id=first.trade_in_id,
            )
        flat[int(arrays.starts[c]) + cls.free] += left[c]
    return flat
