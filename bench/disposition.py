"""Disposition optimizer benchmark: HiGHS on aggregated classes against the greedy heuristic.

    /work/venv/bin/python bench/disposition.py [--devices 50000] [--skus 200] [--seed 7]
                                               [--time-limit 60] [--gap 0.005]

No database: a seeded random instance built in memory. ``--skus`` variants (1 to 4 per model)
across smartphones, tablets, laptops and wearables, each with a resale value; devices graded
A to D or not working, a third with one or two functional defects (cracked screen, battery,
...), 2 % locked or not erased (no reuse) and 0.5 % blocklisted (recycling only). Six channels
priced from each SKU's value: refurbished direct sale and a marketplace (capacity per horizon),
wholesale (demand per model), a second marketplace (prices for 70 % of SKUs), parts (capacity)
and recycling (uncapacitated). Repair actions per category (functional and cosmetic) and
technician minutes that cover about a third of the repairs worth doing, so every capacity binds.

Runs ``revalue.recovery.optimizer.solve`` (HiGHS, which also runs the greedy heuristic), checks
the plan (one decision per device, capacities held, blocked devices never on a reuse route),
prints a Markdown table and writes JSON to bench/results/. The run is INVALID (exit status 1)
when a check fails or HiGHS misses the time limit or the gap.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from revalue.domain.condition import SCREEN_CRACKED, Fault
from revalue.domain.records import REUSE_ROUTES, Route
from revalue.domain.recovery import (
    ANY_GRADE,
    COSMETIC,
    ChannelTerms,
    Device,
    Economics,
    RepairAction,
)
from revalue.recovery.optimizer import Result, greedy, solve

RESULTS = Path(__file__).resolve().parent / "results"
CATEGORIES = {  # share of SKUs, median value (minor units), faults seen, screen part cost
    "smartphone": (
        0.55,
        28_000,
        [
            Fault.BATTERY,
            Fault.CAMERA,
            Fault.CHARGING_PORT,
            Fault.SPEAKER,
            Fault.DISPLAY,
            Fault.BUTTONS,
        ],
        6_000,
    ),
    "tablet": (
        0.15,
        30_000,
        [Fault.BATTERY, Fault.CHARGING_PORT, Fault.DISPLAY, Fault.BUTTONS],
        8_000,
    ),
    "laptop": (
        0.20,
        55_000,
        [Fault.BATTERY, Fault.KEYBOARD, Fault.TRACKPAD, Fault.HINGE, Fault.PORTS, Fault.DISPLAY],
        12_000,
    ),
    "wearable": (0.10, 14_000, [Fault.BATTERY, Fault.STRAP, Fault.CROWN, Fault.SENSORS], 4_000),
}
GRADES = {"A": 0.15, "B": 0.35, "C": 0.22, "D": 0.13, None: 0.15}
# id: route, share of the SKU's value by grade, fee bp, fixed fee, logistics, days, SKU share
REUSE = {
    "refurb-direct": (
        Route.REFURBISH_RESELL, {"A": 1.0, "B": 0.88, "C": 0.74}, 0, 500, 700, 21, 1.0
    ),
    "marketplace": (
        Route.MARKETPLACE, {"A": 0.93, "B": 0.83, "C": 0.69, "D": 0.50}, 1_200, 30, 500, 14, 1.0
    ),
    "wholesale": (
        Route.WHOLESALE, {"A": 0.72, "B": 0.64, "C": 0.53, "D": 0.38}, 200, 0, 150, 5, 1.0
    ),
    "marketplace-2": (
        Route.MARKETPLACE, {"A": 0.87, "B": 0.78, "C": 0.64, "D": 0.46}, 1_500, 30, 500, 30, 0.7
    ),
}  # fmt: skip


def instance(devices: int, skus: int, seed: int):
    rng = random.Random(seed)
    catalog = []  # (sku, model, category, value)
    model = 0
    while len(catalog) < skus:
        category = rng.choices(list(CATEGORIES), [c[0] for c in CATEGORIES.values()])[0]
        base = CATEGORIES[category][1] * rng.lognormvariate(0, 0.6)
        model += 1
        for variant in range(rng.randint(1, 4)):
            value = int(base * (1 + 0.15 * variant))
            catalog.append((f"SKU-{model:03d}-{variant}", f"M{model:03d}", category, value))
    catalog = catalog[:skus]
    popularity = [rng.paretovariate(1.2) for _ in catalog]
    fleet = []
    for i in range(devices):
        sku, model_id, category, _ = rng.choices(catalog, popularity)[0]
        grade = rng.choices(list(GRADES), list(GRADES.values()))[0]
        defects: set[str] = set()
        if grade is not None and rng.random() < 0.33:
            defects.add(rng.choice([SCREEN_CRACKED, *CATEGORIES[category][2]]))
            if rng.random() < 0.25:
                defects.add(rng.choice(CATEGORIES[category][2]))
        blocked = rng.random()
        fleet.append(
            Device(
                trade_in_id=f"T{i:06d}",
                model_id=model_id,
                variant_sku=sku,
                category=category,
                grade=grade,
                defects=frozenset(defects),
                resale_block=(
                    "blocklisted" if blocked < 0.005 else "locked" if blocked < 0.025 else None
                ),
                parts_block="blocklisted" if blocked < 0.005 else None,
            )
        )
    demand = Counter(d.model_id for d in fleet)
    channels = []
    for cid, (route, share, fee_bp, fixed, logistics, days, covered) in REUSE.items():
        prices = {
            (sku, grade): int(value * s * rng.uniform(0.95, 1.05))
            for sku, _, _, value in catalog
            if rng.random() < covered
            for grade, s in share.items()
        }
        channels.append(
            ChannelTerms(
                id=cid,
                route=route,
                fee_bp=fee_bp,
                fee_fixed=fixed,
                logistics_cost=logistics,
                days_to_sell=days,
                prices=prices,
                capacity={
                    "refurb-direct": devices // 8,
                    "marketplace": devices // 6,
                    "marketplace-2": devices // 10,
                }.get(cid),
                model_capacity={m: max(1, n * 2 // 5) for m, n in demand.items()}
                if cid == "wholesale"
                else {},
            )
        )
    channels.append(
        ChannelTerms(
            id="parts",
            route=Route.PARTS,
            logistics_cost=100,
            days_to_sell=10,
            capacity=devices // 10,
            prices={(sku, ANY_GRADE): int(value * 0.16) for sku, _, _, value in catalog},
        )
    )
    channels.append(
        ChannelTerms(
            id="recycling",
            route=Route.RECYCLE,
            logistics_cost=50,
            prices={
                (sku, ANY_GRADE): 1_200 if category == "laptop" else 250
                for sku, _, category, _ in catalog
            },
        )
    )
    repairs = {}
    for category, (_, median, faults, screen) in CATEGORIES.items():
        actions = [
            RepairAction(code="screen", fixes=SCREEN_CRACKED, parts_cost=screen, labour_minutes=40)
        ]
        for fault in faults:
            actions.append(
                RepairAction(
                    code=str(fault),
                    fixes=str(fault),
                    parts_cost=int(median * rng.uniform(0.04, 0.12)),
                    labour_minutes=rng.choice([20, 30, 45, 60]),
                )
            )
        actions += [
            RepairAction(
                code="polish", fixes=COSMETIC, parts_cost=300, labour_minutes=15, grade_after="B"
            ),
            RepairAction(
                code="housing",
                fixes=COSMETIC,
                parts_cost=int(median * 0.08),
                labour_minutes=35,
                grade_after="A",
            ),
        ]
        repairs[category] = actions
    economics = Economics(
        strategy="maximize_value",
        labour_rate_per_hour=3_000,
        holding_cost_per_day=12,
        repair_minutes=devices * 4,  # about 1 device in 10 repaired
    )
    return fleet, channels, repairs, economics


def check(result: Result, fleet, channels) -> list[str]:
    problems = []
    if len(result.decisions) != len(fleet):
        problems.append("not one decision per device")
    by_id = {c.id: c for c in channels}
    load = Counter(d.option.channel_id for d in result.decisions)
    per_model = Counter(
        (d.option.channel_id, dev.model_id) for d, dev in zip(result.decisions, fleet, strict=True)
    )
    for c in channels:
        if c.capacity is not None and load[c.id] > c.capacity:
            problems.append(f"{c.id} over capacity")
        for m, cap in c.model_capacity.items():
            if per_model[(c.id, m)] > cap:
                problems.append(f"{c.id} over demand for {m}")
    for d, dev in zip(result.decisions, fleet, strict=True):
        if dev.resale_block and by_id[d.option.channel_id].route in REUSE_ROUTES:
            problems.append(f"{dev.trade_in_id} blocked but routed to reuse")
        if dev.parts_block and d.option.route != Route.RECYCLE:
            problems.append(f"{dev.trade_in_id} blocklisted but not recycled")
    return problems[:10]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=50_000)
    parser.add_argument("--skus", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--gap", type=float, default=0.005)
    args = parser.parse_args()
    load_before = os.getloadavg()
    tick = time.perf_counter()
    fleet, channels, repairs, economics = instance(args.devices, args.skus, args.seed)
    built = time.perf_counter() - tick
    cpu_tick = time.process_time()
    result = solve(fleet, channels, repairs, economics, time_limit=args.time_limit, gap=args.gap)
    solve_cpu = time.process_time() - cpu_tick
    # The greedy alone again, for its CPU time: wall times move with the machine's other load.
    cpu_tick = time.process_time()
    alone = greedy(fleet, channels, repairs, economics)
    greedy_cpu = time.process_time() - cpu_tick
    problems = check(result, fleet, channels) + check(alone, fleet, channels)
    if alone.score != result.greedy_score:
        problems.append("the greedy alone differs from the greedy inside solve")
    if result.seconds > args.time_limit + 5 or result.gap > args.gap:
        problems.append(f"HiGHS missed the limit: {result.seconds:.1f} s, gap {result.gap:.4%}")
    mix = Counter(d.option.channel_id for d in result.decisions)
    repaired = sum(1 for d in result.decisions if d.option.repairs)
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    figures = {
        "when": datetime.now(UTC).isoformat(),
        "settings": vars(args),
        "machine": {
            "cpu": cpu,
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_before": load_before,
        },
        "instance_seconds": round(built, 3),
        "solve_cpu_seconds": round(solve_cpu, 3),
        "greedy_cpu_seconds": round(greedy_cpu, 3),
        "greedy_alone_seconds": round(alone.seconds, 3),
        **result.summary(),
        "mix": dict(mix),
        "repaired": repaired,
        "problems": problems,
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"disposition-{stamp}.json").write_text(json.dumps(figures, indent=2))
    ratio = result.greedy_score / result.score if result.greedy_score and result.score else 0
    print(
        f"\n{args.devices:,} devices, {result.classes:,} classes, {len(channels)} channels, "
        f"{repaired:,} repaired; {os.cpu_count()} cores ({cpu}), Python "
        f"{platform.python_version()}, load average before {load_before[0]:.2f}\n"
    )
    print("| | recovery | score | seconds | CPU seconds |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| `solve`: HiGHS ({result.status}) | {result.recovery / 100:,.2f} | "
        f"{result.score / 100:,.2f} | {result.seconds:.2f} | {solve_cpu:.2f} (with the greedy) |"
    )
    print(
        f"| `greedy` alone | {alone.recovery / 100:,.2f} | {alone.score / 100:,.2f} "
        f"| {alone.seconds:.2f} | {greedy_cpu:.2f} |"
    )
    print(
        f"\nbound {result.bound / 100:,.2f}, gap {result.gap:.4%}, greedy/optimal "
        f"{ratio:.4f}; mix {dict(sorted(mix.items()))}"
    )
    if problems:
        print("INVALID: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
