"""Load benchmark: a persisted quote (POST /quotes) against the bare ASGI endpoint (GET /livez).

    /work/venv/bin/python bench/quote_load.py [--seconds 20] [--connections 32]
                                              [--database sqlite|postgres]

It builds a fresh database (SQLite in a temporary directory, or the PostgreSQL database
``revalue_bench``, dropped and created again), runs ``revalue db upgrade`` and
``revalue demo --count 1``, starts one server process (uvicorn, the app factory, one worker,
access log off) on a free loopback port, and drives it from wrk, another process: first
``GET /livez`` (answered before the framework), then ``POST /quotes`` (priced, stored with
its trade-in and custody event), each after a short warm-up. It reports requests/s, p50 and
p99 latency and the non-2xx count of each, and quotes/s as a share of livez/s; writes JSON
to bench/results/ and prints a Markdown table. A run with a non-2xx answer, a socket error,
a request left unanswered, or a trade-in count that differs from the successful POSTs is
invalid: it is reported and the script exits with status 1.

wrk comes from Debian: ``apt-get install -y wrk``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchdb import BenchError, drop, prepare
from revalue.tradeins.api import QUOTE_EXAMPLE

BENCH_DIR = Path(__file__).resolve().parent
LUA = BENCH_DIR / "quote_load.lua"
RESULTS = BENCH_DIR / "results"
BENCH_DATABASE = "revalue_bench"
GRACE_S = 3  # wrk runs this much past the load window, for the last answers to come in
AIM_PERCENT = 10.0
QUOTE_BODY = QUOTE_EXAMPLE  # the request the API docs show: an iPhone 15 in good condition


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


# -- the machine ---------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _cpu_times() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]), idle


def busy_percent(seconds: float = 1.0) -> float | None:
    """CPU used by anything on the machine over ``seconds``, before the benchmark starts."""
    try:
        total0, idle0 = _cpu_times()
        time.sleep(seconds)
        total1, idle1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return None
    total = total1 - total0
    return round(100.0 * (1 - (idle1 - idle0) / total), 1) if total else None


def git_revision() -> str | None:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=BENCH_DIR, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=BENCH_DIR, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return rev + ("+changes" if dirty else "")


def wrk_version(wrk: str) -> str:
    out = subprocess.run([wrk, "-v"], capture_output=True, text=True)
    first = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else ""
    return first.split(" [")[0].replace("wrk ", "") or "unknown"


def revalue_source() -> str | None:
    """Where the server imports revalue from (PYTHONPATH can point at another tree)."""
    from importlib.util import find_spec

    spec = find_spec("revalue")
    return str(Path(spec.origin).parent) if spec and spec.origin else None


def package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


# -- the database --------------------------------------------------------------------------


def database_version(kind: str, url: str) -> str:
    if kind == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    return "PostgreSQL " + str(query_one(url, "SHOW server_version")).split(" ")[0]


def query_one(url: str, sql: str) -> Any:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def persisted(url: str) -> dict[str, int]:
    """What a successful POST /quotes leaves behind: a trade-in, a quote, a custody event."""
    return {
        "trade_ins": int(query_one(url, "SELECT count(*) FROM trade_ins")),
        "initial_quotes": int(query_one(url, "SELECT count(*) FROM quotes WHERE kind = 'initial'")),
        "quote_events": int(
            query_one(url, "SELECT count(*) FROM custody_events WHERE action = 'quote'")
        ),
    }


# -- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def revalue_cli() -> list[str]:
    script = Path(sys.executable).with_name("revalue")
    return [str(script)] if script.exists() else [sys.executable, "-m", "revalue.cli.main"]


def run_cli(args: list[str], env: dict[str, str], workdir: Path, log: Path) -> None:
    with log.open("a") as out:
        out.write(f"$ revalue {' '.join(args)}\n")
        out.flush()
        done = subprocess.run(
            revalue_cli() + args, env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT
        )
    if done.returncode != 0:
        raise BenchError(f"`revalue {' '.join(args)}` failed:\n{tail(log)}")


def start_server(env: dict[str, str], workdir: Path, port: int, log: Path) -> subprocess.Popen:
    cmd = [
        sys.executable, "-m", "uvicorn", "--factory", "revalue.web.app:asgi",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    out = log.open("a")
    try:
        # A session of its own: the terminal's Ctrl-C reaches this script, which then stops
        # the server itself (and waits for it) instead of leaving that to the signal.
        return subprocess.Popen(
            cmd, env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    finally:
        out.close()


def wait_until_live(server: subprocess.Popen, base: str, log: Path, timeout: float = 60) -> None:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if server.poll() is not None:
            raise BenchError(f"the server exited with status {server.returncode}:\n{tail(log)}")
        try:
            with urllib.request.urlopen(base + "/livez", timeout=2) as resp:
                if resp.status == 200 and resp.read() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise BenchError(f"/livez did not answer within {timeout:.0f} s:\n{tail(log)}")


def stop_server(server: subprocess.Popen | None) -> None:
    if server is None or server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=15)
    except ProcessLookupError:
        pass


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far: a cost per request that other load on
    the machine disturbs far less than requests/s."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# -- the load ------------------------------------------------------------------------------


def drive(
    wrk: str,
    base: str,
    *,
    method: str,
    path: str,
    body: str,
    seconds: int,
    connections: int,
    threads: int,
) -> dict[str, Any]:
    """One wrk run: ``seconds`` of load at ``connections``, then the drain."""
    cmd = [
        wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds + GRACE_S}s", "--timeout", "30s",
        "-s", str(LUA), base, "--", str(seconds), method, path, body,
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("QUOTE_LOAD_RESULT ")]
    if done.returncode != 0 or not lines:
        raise BenchError(
            f"wrk failed (status {done.returncode}):\n{done.stdout}\n{done.stderr}".rstrip()
        )
    raw = json.loads(lines[-1].split(" ", 1)[1])
    window = raw["window_s"]
    return {
        "endpoint": f"{method} {path}",
        "seconds": seconds,
        "requests": raw["answered"],
        "window_s": round(window, 3),
        "requests_per_s": round(raw["answered"] / window, 1) if window > 0 else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "mean_ms": round(raw["mean_us"] / 1000, 3),
        "non_2xx": raw["non_2xx"],
        "non_2xx_statuses": raw["non_2xx_statuses"],
        "successful": raw["answered"] - raw["non_2xx"],
        "socket_errors": {k: v for k, v in raw["errors"].items() if k != "status"},
        "unanswered": connections - raw["drained_connections"],
    }


def phase(
    wrk: str,
    base: str,
    server_pid: int,
    args: argparse.Namespace,
    *,
    method: str,
    path: str,
    body: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    kw = dict(method=method, path=path, body=body, connections=args.connections)
    warm = drive(wrk, base, seconds=args.warmup, threads=args.threads, **kw)
    cpu0, machine0 = cpu_seconds(server_pid), _cpu_times()
    run = drive(wrk, base, seconds=args.seconds, threads=args.threads, **kw)
    cpu1, machine1 = cpu_seconds(server_pid), _cpu_times()
    if cpu0 is not None and cpu1 is not None and run["requests"]:
        run["server_cpu_ms_per_request"] = round(1000 * (cpu1 - cpu0) / run["requests"], 4)
    # Everything the machine did, per request: the server, the database, wrk, and whatever
    # else runs here (which is why it is only a hint).
    busy_ticks = (machine1[0] - machine1[1]) - (machine0[0] - machine0[1])
    if run["requests"]:
        run["machine_cpu_ms_per_request"] = round(
            1000 * busy_ticks / os.sysconf("SC_CLK_TCK") / run["requests"], 4
        )
    cpu = run.get("server_cpu_ms_per_request")
    print(
        f"  {method} {path}: {run['requests_per_s']:,.0f} req/s, p50 {run['p50_ms']:.2f} ms, "
        f"p99 {run['p99_ms']:.2f} ms, non-2xx {run['non_2xx']}, "
        f"CPU/request: server {cpu if cpu is not None else '?'} ms, "
        f"machine {run.get('machine_cpu_ms_per_request', '?')} ms "
        f"(warm-up: {warm['requests']:,} requests, non-2xx {warm['non_2xx']})",
        flush=True,
    )
    return warm, run


def problems(label: str, r: dict[str, Any]) -> list[str]:
    out = []
    if r["non_2xx"]:
        out.append(f"{label}: {r['non_2xx']} non-2xx answers (status {r['non_2xx_statuses']})")
    errors = {k: v for k, v in r["socket_errors"].items() if v}
    if errors:
        out.append(f"{label}: socket errors {errors}")
    if r["unanswered"]:
        out.append(f"{label}: {r['unanswered']} request(s) still unanswered when wrk stopped")
    if not r["requests"]:
        out.append(f"{label}: no request answered")
    return out


# -- the report ----------------------------------------------------------------------------


def markdown(result: dict[str, Any]) -> str:
    m, c = result["machine"], result["config"]
    rows = [
        ("GET /livez (bare ASGI)", result["livez"]),
        ("POST /quotes (persisted)", result["quotes"]),
    ]
    lines = [
        "| Database | Endpoint | Requests/s | p50 (ms) | p99 (ms) | Non-2xx | Server CPU/request |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in rows:
        cpu = r.get("server_cpu_ms_per_request")
        lines.append(
            f"| {m['database']} | {name} | {r['requests_per_s']:,.0f} | {r['p50_ms']:.2f} "
            f"| {r['p99_ms']:.2f} | {r['non_2xx']} | "
            + (f"{cpu:.3f} ms |" if cpu is not None else "? |")
        )
    ratio = result["ratio_percent"]
    verdict = "meets" if ratio >= AIM_PERCENT else "below"
    if not result["valid"]:
        lines.insert(0, "**INVALID RUN, not to be quoted:** " + "; ".join(result["problems"]))
        lines.insert(1, "")
    lines += [
        "",
        f"Quotes/s ÷ livez/s: **{ratio:.1f} %** ({verdict} the aim of ≥ {AIM_PERCENT:.0f} %).",
        f"{c['connections']} connections, {c['seconds']} s each after a {c['warmup']} s "
        f"warm-up, wrk {c['wrk']} ({c['threads']} thread{'s' if c['threads'] > 1 else ''}); "
        f"one uvicorn {c['uvicorn']} worker. "
        f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['database']}"
        + (f"; commit {result['commit']}" if result.get("commit") else "")
        + ".",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="load per endpoint (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up per endpoint (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="open connections (32)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and the server log afterwards"
    )
    args = parser.parse_args(argv)
    if args.seconds < 1 or args.warmup < 1:
        parser.error("--seconds and --warmup must be at least 1")
    if args.connections < args.threads or args.connections % args.threads:
        parser.error("--connections must be a multiple of --threads")

    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2

    signal.signal(signal.SIGTERM, _on_sigterm)
    busy = busy_percent()
    workdir = Path(tempfile.mkdtemp(prefix="revalue-bench-"))
    log = workdir / "server.log"
    server: subprocess.Popen | None = None
    ok = False
    try:
        url = prepare(args.database, workdir, BENCH_DATABASE)
        env = {k: v for k, v in os.environ.items() if not k.startswith("REVALUE_")}
        env["REVALUE_DATABASE_URL"] = url
        print(f"Database: {url}", flush=True)
        run_cli(["db", "upgrade"], env, workdir, log)
        run_cli(["demo", "--count", "1"], env, workdir, log)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(env, workdir, port, log)
        wait_until_live(server, base, log)
        print(f"Server: pid {server.pid} on {base}; load from wrk", flush=True)

        livez_warm, livez = phase(wrk, base, server.pid, args, method="GET", path="/livez", body="")
        before = persisted(url)
        body = json.dumps(QUOTE_BODY)
        warm, quotes = phase(wrk, base, server.pid, args, method="POST", path="/quotes", body=body)
        after = persisted(url)
        if server.poll() is not None:
            raise BenchError(f"the server died during the run:\n{tail(log)}")

        posted = warm["successful"] + quotes["successful"]
        stored = {k: after[k] - before[k] for k in after}
        print(
            f"Persisted: {stored['trade_ins']:,} trade-ins, {stored['initial_quotes']:,} quotes, "
            f"{stored['quote_events']:,} custody events; successful POSTs reported by wrk: "
            f"{posted:,} ({warm['successful']:,} warm-up + {quotes['successful']:,} measured)",
            flush=True,
        )
        issues = problems("GET /livez", livez) + problems("POST /quotes", quotes)
        issues += problems("GET /livez warm-up", livez_warm)
        issues += problems("POST /quotes warm-up", warm)
        for name, n in stored.items():
            if n != posted:
                issues.append(f"{n} new {name} in the database, but wrk reported {posted} POSTs")

        livez_rps = livez["requests_per_s"]
        ratio = 100.0 * quotes["requests_per_s"] / livez_rps if livez_rps else 0.0
        result = {
            "benchmark": "quote_load",
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": git_revision(),
            "valid": not issues,
            "problems": issues,
            "machine": {
                "cpu": cpu_model(),
                "cores": os.cpu_count(),
                "python": platform.python_version(),
                "database": database_version(args.database, url),
                "busy_before_percent": busy,
                "load_average": os.getloadavg(),
            },
            "config": {
                "seconds": args.seconds,
                "warmup": args.warmup,
                "connections": args.connections,
                "threads": args.threads,
                "wrk": wrk_version(wrk),
                "uvicorn": package_version("uvicorn"),
                "revalue_source": revalue_source(),
                "server": "uvicorn --factory revalue.web.app:asgi --workers 1 --no-access-log",
            },
            "livez": livez,
            "quotes": quotes,
            "ratio_percent": round(ratio, 2),
            "aim_percent": AIM_PERCENT,
            "persisted": stored,
            "successful_posts": posted,
        }
        RESULTS.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = RESULTS / f"quote_load-{args.database}-{stamp}.json"
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nResult: {out.relative_to(BENCH_DIR.parent)}\n")
        print(markdown(result))
        if busy is not None and busy > 15:
            print(
                f"\nNote: the machine was {busy:.0f} % busy before the run started: "
                "other work competes with the server and the figures are lower than they could be."
            )
        if issues:
            print("\nINVALID RUN:", file=sys.stderr)
            for issue in issues:
                print(f"  - {issue}", file=sys.stderr)
            errs = tail(log)
            if errs:
                print(f"\nServer log (last lines):\n{errs}", file=sys.stderr)
            return 1
        ok = True
        return 0
    except BenchError as exc:
        print(f"\nBENCHMARK FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: stopping the server.", file=sys.stderr)
        return 130
    finally:
        stop_server(server)
        if args.keep or not ok:
            if args.database == "postgres":
                kept = f"{workdir} (server log) and the database {BENCH_DATABASE}"
            else:
                kept = f"{workdir} (database file and server log)"
            print(f"Kept: {kept}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            drop(args.database, BENCH_DATABASE)


if __name__ == "__main__":
    sys.exit(main())
