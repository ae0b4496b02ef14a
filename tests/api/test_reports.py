"""Program reports: every figure checked against values worked out by hand from the
factory's devices (tests/recovery_report_factories.py), as JSON and as CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, insert
from typer.testing import CliRunner

from revalue.cli import common
from revalue.cli.main import app as cli
from revalue.config import get_settings
from revalue.domain.access import Role
from revalue.recovery import reports, reports_flow
from revalue.tradeins.models import CustodyEvent, TradeIn
from tests import auth, factories
from tests import recovery_report_factories as rf
from tests.api.support import PHONE, PROGRAM, assert_error, ok, post_quote

REPORTS = f"/programs/{PROGRAM}/reports"
pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def world(client, sessions) -> list[str]:  # type: ignore[no-untyped-def]
    return rf.world(client, sessions)


def get(client, path: str, **params):  # type: ignore[no-untyped-def]
    r = client.get(f"{REPORTS}/{path}", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def rows_of_csv(client, path: str, **params) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    r = client.get(f"{REPORTS}/{path}", params={**params, "format": "csv"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def test_recovery_by_channel_matches_hand_computed_figures(client, world) -> None:
    body = get(client, "recovery", by="channel")
    rows = {r["group"]: r for r in body["rows"]}
    assert rows["ebay"] == {
        "group": "ebay", "currency": "USD", "devices": 2, "revenue": 90000, "fees": 11700,
        "repair_cost": 3000, "paid": 55000, "net": 75300, "margin": 20300, "margin_bp": 2256,
    }  # fmt: skip
    assert (rows["refurb"]["net"], rows["refurb"]["margin"], rows["refurb"]["margin_bp"]) == (
        30500, 10500, 3000,
    )  # fmt: skip
    assert (rows["bulk"]["margin"], rows["bulk"]["margin_bp"]) == (2700, 1800)
    assert (rows["parts"]["margin"], rows["parts"]["margin_bp"]) == (1000, 3333)
    # Recycling earned nothing: the margin is what the customer was paid, lost; no share of 0.
    assert (rows["recycler"]["margin"], rows["recycler"]["margin_bp"]) == (-500, 0)
    (total,) = body["totals"]
    assert (total["devices"], total["revenue"], total["fees"], total["repair_cost"]) == (
        6, 143000, 12000, 7500,
    )  # fmt: skip
    assert (total["paid"], total["net"], total["margin"], total["margin_bp"]) == (
        89500, 123500, 34000, 2378,
    )  # fmt: skip


def test_recovery_by_month_and_by_period(client, world) -> None:
    by_month = {r["group"]: r for r in get(client, "recovery", by="month")["rows"]}
    assert set(by_month) == {"2026-06", "2026-07"}
    assert (by_month["2026-06"]["devices"], by_month["2026-06"]["margin"]) == (4, 20800)
    assert (by_month["2026-07"]["devices"], by_month["2026-07"]["net"]) == (2, 45200)
    assert by_month["2026-07"]["margin_bp"] == 2640
    july = get(client, "recovery", by="channel", **{"from": "2026-07-01"})
    assert [r["group"] for r in july["rows"]] == ["bulk", "refurb"]
    june = get(client, "recovery", by="grade", **{"to": "2026-07-01"})
    assert {r["group"]: r["devices"] for r in june["rows"]} == {"*": 2, "A": 1, "B": 1}


def test_recovery_by_model_groups_the_catalog_model(client, world) -> None:
    rows = {r["group"]: r["devices"] for r in get(client, "recovery", by="model")["rows"]}
    assert rows == {
        "apple-iphone-15": 3, "google-pixel-8": 1, "apple-ipad-10": 1,
        "apple-watch-series-9-45mm": 1,
    }  # fmt: skip


def test_recovery_csv_sums_match_the_json(client, world) -> None:
    body = get(client, "recovery", by="channel")
    rows = rows_of_csv(client, "recovery", by="channel")
    assert list(rows[0]) == [
        "group", "currency", "devices", "revenue", "fees", "repair_cost", "paid", "net",
        "margin", "margin_bp",
    ]  # fmt: skip
    assert len(rows) == len(body["rows"]) == 5
    for column in ("devices", "revenue", "fees", "repair_cost", "paid", "net", "margin"):
        assert sum(int(r[column]) for r in rows) == body["totals"][0][column], column


def test_disposition_mix_shares(client, world) -> None:
    mix = {(r["route"], r["channel"]): r for r in get(client, "disposition-mix")}
    assert mix["marketplace", "ebay"]["devices"] == 3
    assert mix["marketplace", "ebay"]["share_bp"] == 3750
    assert mix["recycle", ""]["devices"] == 1  # disposed, no inventory item yet
    assert mix["recycle", "recycler"]["reuse"] is False and mix["wholesale", "bulk"]["reuse"]
    assert sum(r["share_bp"] for r in mix.values()) == 10_000
    rows = rows_of_csv(client, "disposition-mix")
    assert sum(int(r["devices"]) for r in rows) == 8
    july = get(client, "disposition-mix", **{"from": "2026-07-01", "to": "2026-08-01"})
    assert {(r["route"], r["channel"], r["share_bp"]) for r in july} == {
        ("marketplace", "ebay", 5000), ("recycle", "", 5000),
    }  # fmt: skip


def test_days_to_sell_per_channel(client, world) -> None:
    speed = {r["channel"]: r for r in get(client, "days-to-sell")}
    assert speed["ebay"] == {
        "channel": "ebay", "sold": 2, "mean_days": 6.0, "median_days": 6.0, "p90_days": 10.0,
    }  # fmt: skip
    assert (speed["refurb"]["sold"], speed["refurb"]["mean_days"]) == (1, 13.0)
    assert speed["recycler"]["median_days"] == 1.0
    assert sum(int(r["sold"]) for r in rows_of_csv(client, "days-to-sell")) == 6


def test_requote_rate_by_month(client, world) -> None:
    rf.requotes(client)
    (june,) = get(client, "requotes")
    # Eight devices inspected as declared, three re-quoted: one accepted, one declined, one open.
    assert june == {
        "month": "2026-06", "inspected": 11, "requoted": 3, "requote_rate_bp": 2727,
        "accepted": 1, "declined": 1, "open": 1,
    }  # fmt: skip
    assert get(client, "requotes", **{"from": "2026-07-01"}) == []


def test_time_in_each_stage(client, clock) -> None:
    # Hours in quoted, accepted, received, inspected, for two devices; a third only quoted.
    for hours in ((1, 2, 3, 4), (3, 4, 1, 2)):
        tid = post_quote(client)["trade_in_id"]
        steps = (
            ("accept", {"payout_method": "cash", "pathway": "in_store"}),
            ("receive", None),
            ("inspect", {"condition": factories.answers()}),
            ("sanitize", {"level": "purge", "technique": "cryptographic_erase",
                          "result": "erased"}),
        )  # fmt: skip
        for (action, body), spent in zip(steps, hours, strict=True):
            clock.advance(hours=spent)
            ok(client, tid, action, body)
    post_quote(client)
    stages = {r["state"]: r for r in get(client, "stages")}
    assert list(stages) == ["quoted", "accepted", "received", "inspected"]
    assert stages["quoted"] == {
        "state": "quoted", "devices": 2, "mean_hours": 2.0, "median_hours": 2.0,
        "p90_hours": 3.0,
    }  # fmt: skip
    assert (stages["accepted"]["mean_hours"], stages["inspected"]["median_hours"]) == (3.0, 3.0)
    assert stages["received"]["p90_hours"] == 3.0
    # The first device's stays all ended on the 15th; the second's quote at 01:00 on the 16th.
    first = {r["state"]: r["devices"] for r in get(client, "stages", to="2026-06-16")}
    assert first == {"quoted": 1, "accepted": 1, "received": 1, "inspected": 1}
    assert get(client, "stages", **{"from": "2026-06-17"}) == []


def test_objectives_against_targets(client, world) -> None:
    objectives = [
        {"metric": "devices_per_month", "target": 5},
        {"metric": "reuse_share_bp", "target": 6000},
        {"metric": "average_margin_bp", "target": 2378},
    ]
    r = client.patch(f"/programs/{PROGRAM}", json={"objectives": objectives})
    assert r.status_code == 200, r.text
    got = {o["metric"]: o for o in get(client, "objectives")}
    # Eight disposals over June and July; five of eight reused; 34,000 of 143,000 margin.
    assert got["devices_per_month"] == {
        "metric": "devices_per_month", "target": 5, "actual": 4, "met": False,
    }  # fmt: skip
    assert (got["reuse_share_bp"]["actual"], got["reuse_share_bp"]["met"]) == (6250, True)
    assert (got["average_margin_bp"]["actual"], got["average_margin_bp"]["met"]) == (2378, True)
    july = {o["metric"]: o["actual"] for o in get(client, "objectives", **{"from": "2026-07-01"})}
    assert july == {"devices_per_month": 2, "reuse_share_bp": 5000, "average_margin_bp": 2640}


def test_summary_holds_every_section(client, world) -> None:
    body = get(client, "summary", by="grade")
    assert body["program_id"] == PROGRAM and body["currency"] == "USD"
    assert body["recovery"]["by"] == "grade"
    assert body["recovery"]["totals"][0]["margin"] == 34000
    assert len(body["disposition_mix"]) == 6 and len(body["days_to_sell"]) == 5
    assert body["environment"]["versions"][0]["co2e_avoided_g"] == 106750
    assert {"requotes", "stages", "objectives", "from", "to"} <= set(body)


def test_a_backwards_period_is_refused(client, world) -> None:
    r = client.get(f"{REPORTS}/recovery", params={"from": "2026-07-01", "to": "2026-06-01"})
    assert_error(r, 422, "invalid_date_range", field="to")


def test_reports_are_read_by_finance_and_auditors_not_by_technicians(
    client, sessions, anonymous, world
) -> None:
    with sessions.begin() as s:
        factories.add_program(s, "other")
        finance = auth.staff(s, "f@test.example", {PROGRAM: [Role.FINANCE]})
        technician = auth.staff(s, "t@test.example", {PROGRAM: [Role.TECHNICIAN]})
        partner = auth.partner_key(s, [PROGRAM], ["recovery_report"])
        other = auth.staff(s, "o@test.example", {"other": [Role.FINANCE]})
    path = f"{REPORTS}/recovery"
    assert anonymous.get(path, headers=auth.bearer(finance)).status_code == 200
    assert anonymous.get(path, headers=auth.bearer(partner)).status_code == 200
    # The key is scoped to the recovery report alone.
    assert anonymous.get(f"{REPORTS}/summary", headers=auth.bearer(partner)).status_code == 403
    assert anonymous.get(path, headers=auth.bearer(technician)).status_code == 403
    assert anonymous.get(path, headers=auth.bearer(other)).status_code == 404


# --- The CLI reads through the same functions --------------------------------------------

runner = CliRunner()


@pytest.fixture
def cli_db(database_url, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REVALUE_DATABASE_URL", database_url)
    monkeypatch.setenv("REVALUE_SECRETS_DIR", str(tmp_path / "secrets"))
    # Rich tables wide enough to keep every cell whole, whatever the terminal.
    monkeypatch.setattr(common.console, "width", 250)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, list(args), catch_exceptions=False)


def test_cli_recovery_csv_is_the_api_csv(cli_db, client, world, tmp_path) -> None:
    out = tmp_path / "recovery.csv"
    result = invoke("reports", "recovery", PROGRAM, "--by", "month", "--csv", str(out))
    assert result.exit_code == 0, result.output
    served = client.get(f"{REPORTS}/recovery", params={"by": "month", "format": "csv"})
    assert out.read_bytes() == served.content
    table = invoke("reports", "recovery", PROGRAM, "--from", "2026-07-01")
    assert table.exit_code == 0, table.output
    assert "refurb" in table.output and "ebay" not in table.output
    assert "452.00" in table.output  # July's net: 45,200 cents


def test_cli_program_prints_every_section(cli_db, client, world) -> None:
    result = invoke("reports", "program", PROGRAM)
    assert result.exit_code == 0, result.output
    for title in (
        "Recovery by channel",
        "Disposition mix",
        "Days to sell",
        "Re-quotes",
        "Hours in each state",
        "Environmental receipts",
        "23.78 %",
        "106.750",
    ):
        assert title in result.output, title  # fmt: skip
    env = invoke("reports", "environment", PROGRAM)
    assert env.exit_code == 0 and "106.750" in env.output and "2026.1" in env.output
    missing = invoke("reports", "environment", "nope")
    assert missing.exit_code == 1 and "program_not_found" in missing.output


def test_time_in_stage_reads_tens_of_thousands_of_events_in_one_query(sessions, engine) -> None:
    # 4,000 trade-ins of 6 events each, written directly: quoted 1 h, accepted 2 h, received
    # 3 h, inspected 4 h, sanitized 5 h (plus a note that changes nothing), then disposed.
    hours = (0, 1, 2, 3, 4, 5)
    states = ("quoted", "accepted", "received", "inspected", "sanitized", "disposed")
    trade_ins, events = [], []
    for n in range(4_000):
        tid = f"t_bulk_{n:05d}"
        trade_ins.append(
            {"id": tid, "program_id": PROGRAM, "model_id": "apple-iphone-15",
             "variant_sku": PHONE, "state": "disposed", "quote_id": f"q_{n}",
             "expires_at": factories.NOW, "created_at": factories.NOW,
             "updated_at": factories.NOW, "last_seq": 7, "last_hash": "0" * 64, "version": 1}
        )  # fmt: skip
        when = factories.NOW
        for seq, (spent, state) in enumerate(zip(hours, states, strict=True), start=1):
            when += timedelta(hours=spent)
            events.append(_event(tid, seq, when, state))
        events.append(_event(tid, 7, when + timedelta(hours=1), "disposed"))  # a note
    with sessions.begin() as s:
        s.execute(insert(TradeIn), trade_ins)
        s.execute(insert(CustodyEvent), events)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with sessions() as s:
            rows = {r.state: r for r in reports_flow.stages(s, PROGRAM)}
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len([q for q in statements if "custody_events" in q]) == 1
    assert list(rows) == ["quoted", "accepted", "received", "inspected", "sanitized"]
    assert {name: (r.devices, r.mean_hours, r.p90_hours) for name, r in rows.items()} == {
        "quoted": (4000, 1.0, 1.0), "accepted": (4000, 2.0, 2.0), "received": (4000, 3.0, 3.0),
        "inspected": (4000, 4.0, 4.0), "sanitized": (4000, 5.0, 5.0),
    }  # fmt: skip


def _event(tid: str, seq: int, when: datetime, state: str) -> dict:
    return {"trade_in_id": tid, "seq": seq, "occurred_at": when, "actor": "bulk",
            "place": "test-lab", "action": "bulk", "from_state": None, "to_state": state,
            "data": {}, "prev_hash": "0" * 64, "hash": "0" * 64}  # fmt: skip


@pytest.mark.parametrize(
    ("values", "expected"),
    [([4.0], (4.0, 4.0, 4.0)), ([float(n) for n in range(1, 11)], (5.5, 5.5, 9.0)),
     ([float(n) for n in range(1, 12)], (6.0, 6.0, 10.0)), ([1.0, 2.0, 2.5], (1.83, 2.0, 2.5))],
)  # fmt: skip
def test_distribution_is_mean_median_and_nearest_rank_p90(values, expected) -> None:  # type: ignore[no-untyped-def]
    assert reports.distribution(values) == expected
