"""Business lot benchmark: a 10,000-device manifest priced and received, against baselines
measured in the same run.

    /work/venv/bin/python bench/lot_manifest.py [--devices 10000] [--database sqlite|postgres]
                                                [--baseline-devices 300] [--seed 7] [--fleet 24]

It builds a fresh database (SQLite in a temporary directory, or the PostgreSQL database
``revalue_bench_lots``, dropped and created again, and dropped at the end), runs the
migrations and the demo's set-up (catalog and the ``demo`` program, no trade-ins), and writes a
manifest of ``--devices`` rows drawn from ``--fleet`` of the demo catalog's variants the
program accepts (seeded: the same file each run), with declared conditions as customers give them.

Pricing. Baseline: each row priced on its own through ``quotes.price`` (the price book cached,
as the instant quote uses it). Measured: ``lots.service.price_rows`` (the file parsed and
checked, one price per distinct variant and condition), and ``lots.service.create`` (the
same, stored as a lot with its lines). The lot's total must equal the baseline's sum exactly.

Receiving. Baseline: ``--baseline-devices`` trade-ins opened one by one through
``tradeins.service`` (start, accept, await_shipment, then received, identified and screened
by ``tradeins.screening``, each its own statements), per device. Measured: the lot accepted
and received in one call (``lots.receiving.receive``, which screens every device too) with
every manifest identifier but 1 % (missing) plus 1 % unknown identifiers (extras), shuffled,
then receiving closed. Counts are checked (matched, missing, extra), and the custody chains
of the lot's trade-ins verified. Prints a Markdown table; writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from stdnum import luhn

from benchdb import BenchError, drop, prepare

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results"
BENCH_DATABASE = "revalue_bench_lots"
CATALOG = BENCH_DIR.parent / "src" / "revalue" / "catalog" / "data" / "default_catalog.csv"
COSMETIC = {"flawless": 15, "good": 50, "fair": 25, "poor": 10}


def imei(n: int) -> str:
    body = f"35{n:012d}"
    return body + luhn.calc_check_digit(body)


def write_manifest(variants: list[tuple[str, str]], devices: int, seed: int) -> str:
    """``devices`` rows: (variant SKU, category) drawn at random, conditions as declared."""
    from revalue.domain.condition import FAULTS_BY_CATEGORY

    rng = random.Random(seed)
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["imei", "serial", "model", "cosmetic", "screen_cracked", "faults", "asset_tag"])
    for n in range(devices):
        sku, category = rng.choice(variants)
        cosmetic = rng.choices(list(COSMETIC), weights=list(COSMETIC.values()))[0]
        cracked = "yes" if rng.random() < 0.05 else ""
        faults = ""
        if rng.random() < 0.08:
            faults = rng.choice(sorted(FAULTS_BY_CATEGORY[_category(category)]))
        cellular = category in ("smartphone", "tablet", "wearable") and rng.random() < 0.9
        ident = (imei(10_000_000 + n), "") if cellular else ("", f"SN{seed:02d}{n:08d}")
        out.writerow([*ident, sku, cosmetic, cracked, faults, f"AT-{n:05d}"])
    return buf.getvalue()


def _category(name: str):  # type: ignore[no-untyped-def]
    from revalue.domain.catalog import Category

    return Category(name)


def timed(fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def run(args: argparse.Namespace) -> dict:
    from sqlalchemy import select

    from revalue import migrate
    from revalue.cli import demo
    from revalue.db import make_engine, make_sessionmaker
    from revalue.domain.context import Context
    from revalue.domain.program import PayoutMethod
    from revalue.lots import manifest, receiving, service
    from revalue.programs import service as programs
    from revalue.quotes import service as quotes
    from revalue.quotes.schemas import ConditionIn, QuoteRequest
    from revalue.tradeins import custody, schemas, screening
    from revalue.tradeins import service as tradeins
    from revalue.tradeins.models import TradeIn

    workdir = Path(tempfile.mkdtemp(prefix="revalue-lots-"))
    url = prepare(args.database, workdir, BENCH_DATABASE)
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        now = datetime.now(UTC)
        ctx = Context(actor="bench", place="bench", now=now)
        with sessions.begin() as s:
            demo.set_up(s, CATALOG, ctx)
        with sessions() as s:
            inputs = programs.pricing_inputs(s, demo.PROGRAM_ID)
            accepted = inputs.program.accepted_categories
            variants = [
                (sku, str(f.category)) for sku, f in inputs.facts.items() if f.category in accepted
            ]
        # A business's fleet holds a few dozen kinds of device, not the whole catalog.
        fleet = random.Random(args.seed).sample(sorted(variants), min(args.fleet, len(variants)))
        text = write_manifest(fleet, args.devices, args.seed)
        figures: dict = {"devices": args.devices, "variants": len(fleet)}

        # -- pricing ---------------------------------------------------------------------
        with sessions() as s:
            inputs = programs.pricing_inputs(s, demo.PROGRAM_ID)
            rows = manifest.parse(
                text, facts=inputs.facts, accepted_categories=inputs.program.accepted_categories
            )

            def one_by_one() -> int:
                return sum(
                    quotes.price(inputs=inputs, variant_sku=r.variant_sku,
                                 condition=r.condition, as_of=now)
                    .quotation.offer_for(PayoutMethod.CASH).amount.amount
                    for r in rows
                )  # fmt: skip

            baseline_total, baseline_s = timed(one_by_one)
            priced, grouped_s = timed(
                lambda: service.price_rows(
                    s,
                    program_id=demo.PROGRAM_ID,
                    text=text,
                    payout_method=PayoutMethod.CASH,
                    ctx=ctx,
                )
            )
        figures["distinct_prices"] = len(priced.amounts)
        figures["pricing"] = {
            "baseline_each_row_s": baseline_s,
            "lot_grouped_s": grouped_s,
            "speedup": baseline_s / grouped_s,
        }
        with sessions.begin() as s:
            lot, stored_s = timed(
                lambda: service.create(
                    s,
                    program_id=demo.PROGRAM_ID,
                    reference="BENCH-1",
                    business_name="Bench",
                    text=text,
                    payout_method=PayoutMethod.CASH,
                    ctx=ctx,
                )
            )
            lot_id, quoted_total = lot.id, lot.quoted_total
        figures["pricing"]["lot_priced_and_stored_s"] = stored_s
        if quoted_total != baseline_total:
            raise BenchError(f"lot total {quoted_total} != sum of single quotes {baseline_total}")

        # -- receiving -------------------------------------------------------------------
        def open_one_by_one() -> None:
            for n, r in enumerate(rows[: args.baseline_devices]):
                with sessions.begin() as s:
                    req = QuoteRequest(program_id=demo.PROGRAM_ID, variant_sku=r.variant_sku,
                                       answers=ConditionIn.model_validate(
                                           ConditionIn.dump(r.condition)))  # fmt: skip
                    t, _ = tradeins.start(s, req, ctx)
                    accept = schemas.AcceptIn(payout_method="cash", pathway="business_lot")
                    tradeins.accept(s, t.id, accept, ctx)
                    tradeins.await_shipment(s, t.id, schemas.ShipmentIn(), ctx)
                    # Identified and screened at receipt, as the lot's devices are; IMEIs of
                    # their own, so that the lot's are not repeats of these.
                    found = schemas.IdentifiersIn(imei=imei(80_000_000 + n))
                    screening.receive(s, t.id, schemas.ReceiveIn(identifiers=found), ctx)

        _, single_s = timed(open_one_by_one)
        rng = random.Random(args.seed + 1)
        identifiers = [r.imei or r.serial for r in rows]
        missing = set(rng.sample(range(len(identifiers)), len(identifiers) // 100))
        scans = [v for i, v in enumerate(identifiers) if i not in missing]
        scans += [imei(90_000_000 + n) for n in range(len(identifiers) // 100)]
        rng.shuffle(scans)
        with sessions.begin() as s:
            service.accept(s, lot_id, None, ctx)
        with sessions.begin() as s:
            done, receive_s = timed(lambda: receiving.receive(s, lot_id, scans, ctx))
            matched = len(done.matched)
            _, close_s = timed(lambda: receiving.close(s, lot_id, ctx))
            report = receiving.report(s, service.get(s, lot_id))
        want = {
            "matched": len(identifiers) - len(missing),
            "missing": len(missing),
            "extra": len(identifiers) // 100,
            "expected": 0,
        }
        if report.counts != want or matched != want["matched"]:
            raise BenchError(f"receiving report {report.counts} != {want}")
        with sessions() as s:
            sample = [m.trade_in_id for m in report.matched[:: max(1, matched // 200)]]
            broken = [
                t.id
                for t in s.scalars(select(TradeIn).where(TradeIn.id.in_(sample)))
                if custody.verify_one(s, t) is not None or t.state != "received"
            ]
        if broken:
            raise BenchError(f"custody chains broken or wrong state: {broken[:5]}")
        per_single = single_s / args.baseline_devices
        per_bulk = receive_s / matched
        figures["receiving"] = {
            "scans": len(scans),
            "matched": matched,
            "missing": len(missing),
            "extra": want["extra"],
            "lot_receive_s": receive_s,
            "close_s": close_s,
            "baseline_devices": args.baseline_devices,
            "baseline_one_by_one_s": single_s,
            "ms_per_device_one_by_one": per_single * 1000,
            "ms_per_device_lot": per_bulk * 1000,
            "speedup": per_single / per_bulk,
        }
        engine.dispose()
        return figures
    finally:
        drop(args.database, BENCH_DATABASE)


def machine(kind: str) -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "database": kind,
        "load_average": os.getloadavg(),
    }


def git_revision() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
            cwd=BENCH_DIR,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--baseline-devices", type=int, default=300)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fleet", type=int, default=24, help="distinct variants in the fleet")
    args = parser.parse_args()
    try:
        figures = run(args)
    except BenchError as exc:
        print(f"INVALID: {exc}", file=sys.stderr)
        return 1
    result = {
        "when": datetime.now(UTC).isoformat(),
        "commit": git_revision(),
        "machine": machine(args.database),
        **figures,
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"lot_manifest-{args.database}-{stamp}.json").write_text(
        json.dumps(result, indent=2)
    )
    p, r = figures["pricing"], figures["receiving"]
    m = result["machine"]
    print(f"\n{args.devices:,} devices, {figures['distinct_prices']:,} distinct prices, "
          f"{m['cores']} cores ({m['cpu']}), {args.database}\n")  # fmt: skip
    print("| step | baseline | lot | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| pricing (checked, no writes) | {p['baseline_each_row_s']:.2f} s each row priced | "
          f"{p['lot_grouped_s']:.2f} s | {p['speedup']:.1f}x |")  # fmt: skip
    print(f"| pricing and storing the lot | | {p['lot_priced_and_stored_s']:.2f} s | |")
    print(f"| receiving, per device | {r['ms_per_device_one_by_one']:.2f} ms one by one "
          f"({r['baseline_devices']} devices) | {r['ms_per_device_lot']:.2f} ms | "
          f"{r['speedup']:.1f}x |")  # fmt: skip
    print(f"| receiving {r['scans']:,} scans ({r['matched']:,} matched, {r['missing']} "
          f"missing, {r['extra']} extra) | | {r['lot_receive_s']:.2f} s + close "
          f"{r['close_s']:.2f} s | |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
