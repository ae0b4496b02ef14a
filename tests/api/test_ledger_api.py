"""The accounting exports over HTTP and the command line, and the ledger check there."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from revalue.cli.main import app as cli
from revalue.config import get_settings
from revalue.domain.ledger import Entry
from revalue.payouts import accounts, exports, ledger
from revalue.quotes.schemas import QuoteRequest
from revalue.tradeins import service as tradeins
from revalue.tradeins.models import Payment
from tests import factories
from tests.api.support import PROGRAM, assert_error
from tests.api.test_ledger_postings import accrual, corrupt, payment, post

NOW = factories.NOW  # 2026-06-15 12:00 UTC
LIABILITY, PURCHASES, CLEARING = (
    accounts.TRADE_IN_LIABILITY,
    accounts.DEVICE_PURCHASES,
    accounts.CASH_CLEARING,
)


# --- The exports -------------------------------------------------------------------------


def rows(body: bytes) -> list[dict[str, str]]:
    """A CSV as a spreadsheet reads it: UTF-8 after the byte-order mark, CRLF line ends."""
    assert body.startswith(b"\xef\xbb\xbf")
    decoded = body[3:].decode("utf-8")
    assert decoded.count("\r\n") == decoded.count("\n") and decoded.endswith("\r\n")
    return list(csv.DictReader(io.StringIO(decoded, newline="")))


def test_the_entries_csv_has_every_entry_of_the_range_with_amounts_twice(client, sessions, seeded):
    with sessions.begin() as s:
        factories.add_program(s, "rival")
        accrue = post(s, "accrue:t_1", accrual(12900), memo='=HYPERLINK("http://x","y")')
        post(s, "-2+3", payment(12900), kind="pay", actor="@evil", now=NOW + timedelta(hours=1))
        post(s, "before", accrual(1), now=NOW - timedelta(days=15))  # 2026-05-31: excluded
        post(s, "end", accrual(2), now=NOW + timedelta(days=16))  # 2026-07-01: excluded
        post(s, "rival", accrual(3), program_id="rival")
    r = client.get(f"/programs/{PROGRAM}/ledger/entries.csv?from=2026-06-01&to=2026-07-01")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in r.headers["content-disposition"]
    got = rows(r.content)
    assert list(got[0]) == list(exports.ENTRY_COLUMNS)
    assert [
        (g["reference"], g["account"], g["amount_minor"], g["debit"], g["credit"]) for g in got
    ] == [
        ("accrue:t_1", PURCHASES, "12900", "129.00", ""),
        ("accrue:t_1", LIABILITY, "-12900", "", "129.00"),
        ("'-2+3", LIABILITY, "12900", "129.00", ""),
        ("'-2+3", CLEARING, "-12900", "", "129.00"),
    ]
    assert got[0]["transaction_id"] == accrue.id
    assert got[0]["posted_at"] == "2026-06-15T12:00:00Z"
    assert got[0]["memo"] == '\'=HYPERLINK("http://x","y")'
    assert (got[2]["posted_by"], got[2]["kind"], got[2]["currency"]) == ("'@evil", "pay", "USD")
    assert {g["trade_in_id"] for g in got} == {"t_1"}


def test_a_range_that_does_not_end_after_it_starts_is_refused(client, seeded):
    r = client.get(f"/programs/{PROGRAM}/ledger/entries.csv?from=2026-06-01&to=2026-06-01")
    assert_error(r, 422, "invalid_date_range", field="to")
    r = client.get(f"/programs/{PROGRAM}/payouts.csv?from=2026-06-01")
    assert_error(r, 422, "validation_error", field="query.to")


def trade_in(s, program: str = PROGRAM) -> str:  # type: ignore[no-untyped-def]
    req = QuoteRequest(
        program_id=program, variant_sku=factories.PHONE, answers=factories.condition()
    )
    return tradeins.start(s, req, factories.ctx())[0].id


def add_payment(s, tid: str, reference: str, **kw) -> None:  # type: ignore[no-untyped-def]
    values = {
        "method": "cash",
        "amount": 12900,
        "currency": "USD",
        "status": "paid",
        "requested_by": "clerk@test",
        "requested_at": NOW,
        "paid_at": NOW,
        **kw,
    }
    s.add(Payment(trade_in_id=tid, reference=reference, **values))


def test_the_payouts_csv_lists_the_programs_payouts_requested_in_the_range(
    client, sessions, seeded
):
    with sessions.begin() as s:
        factories.add_program(s, "rival")
        cash, points, waiting, old = (trade_in(s) for _ in range(4))
        theirs = trade_in(s, "rival")
        add_payment(s, cash, "+PAY-1", approved_by="=boss", requested_at=NOW - timedelta(hours=1))
        add_payment(s, points, "PAY-2", method="loyalty_points", amount=5050, points=5050)
        add_payment(s, waiting, "PAY-3", status="awaiting_approval", amount=250000, paid_at=None)
        add_payment(s, old, "PAY-4", requested_at=None, paid_at=NOW - timedelta(days=30))
        add_payment(s, theirs, "PAY-5")
    r = client.get(f"/programs/{PROGRAM}/payouts.csv?from=2026-06-15&to=2026-06-16")
    assert r.status_code == 200, r.text
    got = rows(r.content)
    assert list(got[0]) == list(exports.PAYOUT_COLUMNS)
    assert got == [
        {
            "reference": "'+PAY-1", "trade_in_id": cash, "method": "cash", "status": "paid",
            "currency": "USD", "amount_minor": "12900", "amount": "129.00", "points": "",
            "requested_at": "2026-06-15T11:00:00Z", "requested_by": "clerk@test",
            "approved_by": "'=boss", "paid_at": "2026-06-15T12:00:00Z",
        },
        {
            "reference": "PAY-2", "trade_in_id": points, "method": "loyalty_points",
            "status": "paid", "currency": "USD", "amount_minor": "5050", "amount": "50.50",
            "points": "5050", "requested_at": "2026-06-15T12:00:00Z",
            "requested_by": "clerk@test", "approved_by": "", "paid_at": "2026-06-15T12:00:00Z",
        },
        {
            "reference": "PAY-3", "trade_in_id": waiting, "method": "cash",
            "status": "awaiting_approval", "currency": "USD", "amount_minor": "250000",
            "amount": "2500.00", "points": "", "requested_at": "2026-06-15T12:00:00Z",
            "requested_by": "clerk@test", "approved_by": "", "paid_at": "",
        },
    ]  # fmt: skip
    r = client.get(f"/programs/{PROGRAM}/payouts.csv?from=2026-05-16&to=2026-05-17")
    assert [g["reference"] for g in rows(r.content)] == ["PAY-4"]  # paid before requests were


def test_the_daily_summary_totals_the_days_payouts_reversals_and_closing_balances(
    client, sessions, seeded
):
    with sessions.begin() as s:
        tids = [trade_in(s) for _ in range(4)]
        add_payment(s, tids[0], "P-1")
        add_payment(s, tids[1], "P-2", amount=100)
        add_payment(s, tids[2], "P-3", method="store_credit", amount=14190)
        add_payment(s, tids[3], "P-4", paid_at=NOW + timedelta(days=1))  # the next day
        post(s, "accrue:1", accrual(12900), trade_in_id=tids[0], now=NOW - timedelta(days=1))
        pay = post(s, "pay:1", payment(12900), kind="pay", trade_in_id=tids[0])
        ledger.reverse(s, pay.id, reason="bank refused", ctx=factories.ctx(NOW, actor="fin"))
        post(s, "accrue:4", accrual(700), trade_in_id=tids[3], now=NOW + timedelta(days=1))
    r = client.get(f"/programs/{PROGRAM}/ledger/daily?date=2026-06-15")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["program_id"], body["date"]) == (PROGRAM, "2026-06-15")
    assert body["payouts"] == [
        {"method": "cash", "currency": "USD", "count": 2, "total_minor": 13000,
         "total": "130.00", "points": 0},
        {"method": "store_credit", "currency": "USD", "count": 1, "total_minor": 14190,
         "total": "141.90", "points": 0},
    ]  # fmt: skip
    assert [(x["reverses"], x["kind"], x["memo"], x["posted_by"]) for x in body["reversals"]] == [
        (pay.id, "pay", "bank refused", "fin")
    ]
    # At the day's end: accrued and paid, the payment reversed; the next day's accrual not yet.
    assert body["balances"] == [
        {"account": CLEARING, "currency": "USD", "balance_minor": 0, "balance": "0.00"},
        {"account": PURCHASES, "currency": "USD", "balance_minor": 12900, "balance": "129.00"},
        {"account": LIABILITY, "currency": "USD", "balance_minor": -12900, "balance": "-129.00"},
    ]
    assert body["check"] == {
        "ok": True, "transactions": 4, "entries": 8, "currencies": 1, "problems": []
    }  # fmt: skip


def test_the_balances_are_the_programs_now(client, sessions, seeded):
    with sessions.begin() as s:
        post(s, "a1", [Entry("store_credit:c_1", 700, "USD"), Entry(LIABILITY, -700, "USD")])
        post(s, "a2", accrual(500, "JPY"), now=NOW + timedelta(days=400))
    r = client.get(f"/programs/{PROGRAM}/ledger/balances")
    assert r.status_code == 200, r.text
    assert [(b["account"], b["currency"], b["balance_minor"], b["balance"]) for b in r.json()] == [
        (PURCHASES, "JPY", 500, "500"),
        ("store_credit:c_1", "USD", 700, "7.00"),
        (LIABILITY, "JPY", -500, "-500"),
        (LIABILITY, "USD", -700, "-7.00"),
    ]
    r = client.get(f"/programs/{PROGRAM}/ledger/balances?prefix=store_credit:")
    assert [b["account"] for b in r.json()] == ["store_credit:c_1"]


# --- The command line --------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def cli_db(database_url, engine, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REVALUE_DATABASE_URL", database_url)
    monkeypatch.setenv("REVALUE_SECRETS_DIR", str(tmp_path / "secrets"))
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    result.text = " ".join(result.output.split())  # Rich wraps lines at the terminal width
    return result


def test_ledger_check_is_green_until_an_entry_is_corrupted_then_names_it(cli_db, sessions, seeded):
    with sessions.begin() as s:
        post(s, "accrue:t_1", accrual(12900))
        tx = post(s, "pay:t_1", payment(12900), kind="pay")
    ok = invoke("ledger", "check")
    assert ok.exit_code == 0, ok.output
    assert "OK: 2 transactions, 4 entries, 1 currency: balanced." in ok.text
    corrupt(sessions, tx.id, -5)
    bad = invoke("ledger", "check")
    assert bad.exit_code == 1
    assert f"unbalanced {tx.id}: its entries sum to -0.05 USD" in bad.text
    assert "ledger_off USD" in bad.text and "2 problem(s)" in bad.text
    assert invoke("ledger", "check", "--program", "nope").exit_code == 1


def test_ledger_export_writes_the_csv_the_api_serves(cli_db, client, sessions, seeded, tmp_path):
    with sessions.begin() as s:
        post(s, "accrue:t_1", accrual(12900), memo="@risky")
    out = tmp_path / "entries.csv"
    args = ["--program", PROGRAM, "--from", "2026-06-01", "--to", "2026-07-01"]
    result = invoke("ledger", "export", "entries", *args, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Wrote 2 entries row(s)" in result.text
    served = client.get(f"/programs/{PROGRAM}/ledger/entries.csv?from=2026-06-01&to=2026-07-01")
    assert out.read_bytes() == served.content
    assert [g["memo"] for g in rows(out.read_bytes())] == ["'@risky", "'@risky"]
    payouts = invoke("ledger", "export", "payouts", *args)
    assert payouts.exit_code == 0 and payouts.output.lstrip("\ufeff").startswith("reference,")
    refused = invoke("ledger", "export", "entries", *args[:3], "2026-07-01", "--to", "2026-06-01")
    assert refused.exit_code == 1 and "invalid_date_range" in refused.text


def test_ledger_daily_prints_the_summary_and_fails_when_the_ledger_does_not_check_out(
    cli_db, sessions, seeded
):
    with sessions.begin() as s:
        tid = trade_in(s)
        add_payment(s, tid, "P-1", method="store_credit", amount=14190)
        tx = post(s, "accrue:t_1", accrual(14190), trade_in_id=tid)
    result = invoke("ledger", "daily", "--program", PROGRAM, "--date", "2026-06-15")
    assert result.exit_code == 0, result.output
    assert "store_credit │ 1 │ 141.90 USD" in result.text
    assert "No reversals." in result.text and "-141.90 USD" in result.text
    corrupt(sessions, tx.id)
    assert invoke("ledger", "daily", "--program", PROGRAM, "--date", "2026-06-15").exit_code == 1
