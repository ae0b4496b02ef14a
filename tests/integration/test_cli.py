import re

import pytest
from sqlalchemy import func, select, text, update
from typer.testing import CliRunner

from revalue import migrate
from revalue.access import passwords
from revalue.access import service as access
from revalue.access.models import StaffSession, StaffUser
from revalue.certificates.models import Certificate
from revalue.cli.main import app
from revalue.config import get_settings
from revalue.customers.models import CustomerContact
from revalue.domain.access import Role
from revalue.payouts.models import LedgerTransaction
from revalue.programs.models import Program
from revalue.tradeins import repository
from revalue.tradeins.models import CustodyEvent, Payment
from tests import auth, factories
from tests.conftest import BACKEND

runner = CliRunner()


@pytest.fixture
def cli_db(database_url, engine, monkeypatch, tmp_path):
    monkeypatch.setenv("REVALUE_DATABASE_URL", database_url)
    monkeypatch.setenv("REVALUE_SECRETS_DIR", str(tmp_path / "secrets"))
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def invoke(*args):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    result.text = " ".join(result.output.split())  # Rich wraps lines at the terminal width
    return result


def test_db_upgrade_creates_the_schema_on_a_new_sqlite_file(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    monkeypatch.setenv("REVALUE_DATABASE_URL", url)
    get_settings.cache_clear()
    refused = invoke("audit", "verify")
    assert refused.exit_code == 2 and "revalue db upgrade" in refused.text
    result = invoke("db", "upgrade")
    assert result.exit_code == 0 and f"at revision {migrate.head()}" in result.text
    assert invoke("audit", "verify").exit_code == 0
    get_settings.cache_clear()


def test_catalog_import_reports_bad_rows_and_writes_nothing(cli_db, tmp_path, sessions):
    bad = tmp_path / "bad.csv"
    bad.write_text(factories.CATALOG_CSV + "x-y,Acme,X,toaster,2024-01-01,1,,x-y-1,1,,,1,USD\n")
    result = invoke("catalog", "import", str(bad))
    assert result.exit_code == 1
    assert "catalog_import_invalid" in result.text
    assert "line 8, category: 'toaster' is not one of" in result.text
    assert invoke("catalog", "export").output.count("\n") == 1  # the header only
    result = invoke("catalog", "import", str(bad), "--skip-invalid")
    assert result.exit_code == 0 and "5 models created" in result.text
    exported = tmp_path / "out.csv"
    assert invoke("catalog", "export", str(exported)).exit_code == 0
    assert exported.read_text().count("\n") == 7


def test_quote_prints_itemized_offers_and_opens_a_trade_in(cli_db, sessions):
    with sessions.begin() as s:
        factories.seed(s)
    result = invoke(
        "quote",
        "--program",
        "acme",
        "--variant",
        factories.PHONE,
        "--cosmetic",
        "fair",
        "--cracked",
        "--fault",
        "battery",
    )
    assert result.exit_code == 0, result.output
    assert "Cracked screen (-30%)" in result.text and "Fault: battery" in result.text
    with sessions() as s:
        assert repository.count_trade_ins(s) == 1
    unknown = invoke("quote", "--program", "acme", "--variant", "nope")
    assert unknown.exit_code == 1 and "variant_not_found" in unknown.text


def test_demo_walks_every_path_and_the_log_verifies(cli_db, sessions):
    result = invoke("demo", "--count", "150", "--seed", "3")
    assert result.exit_code == 0, result.output
    with sessions() as s:
        states = repository.state_counts(s, "demo")
    assert sum(states.values()) == 150
    # Which trade-ins are still paid-not-yet-disposed on the day varies with the random ids
    # (the second-opinion sample is drawn from them): the end states and payments do not.
    for state in ("disposed", "returned", "cancelled", "expired"):
        assert states.get(state, 0) > 0, state
    with sessions() as s:
        methods = set(s.scalars(select(Payment.method).distinct()))
        kinds = set(s.scalars(select(LedgerTransaction.kind).distinct()))
    assert methods == {"cash", "store_credit", "purchase_discount", "loyalty_points"}
    assert {"accrue", "pay", "redeem"} <= kinds  # paid, and some of it spent at the till
    ledger = invoke("ledger", "check")
    assert ledger.exit_code == 0 and "balanced" in ledger.text, ledger.output
    assert "all verified" in result.text
    with sessions() as s:
        issued = s.scalar(select(func.count()).select_from(Certificate))
    assert issued > 0  # a certificate for every device fully erased
    # A staff account for every role, and how to sign in with it, printed once.
    with sessions() as s:
        accounts = {u.email: [m.role for m in u.memberships] for u in access.list_all(s)}
    assert {roles[0] for roles in accounts.values()} == {str(r) for r in Role}
    password = re.search(r"Password for every demo account: (\S+)", result.text).group(1)
    with sessions() as s:
        admin = s.scalars(select(StaffUser).where(StaffUser.email == "admin@demo.example")).one()
    assert passwords.verify(admin.password_hash, password)
    assert "POST /auth/login" in result.text and "rvk_" in result.text
    again = invoke("demo", "--count", "5", "--if-empty")
    assert "leaves them as they are" in again.text
    with sessions() as s:
        assert repository.count_trade_ins(s) == 150


def test_audit_verify_fails_naming_the_altered_event(cli_db, sessions):
    assert invoke("demo", "--count", "20").exit_code == 0
    with sessions.begin() as s:
        if BACKEND == "postgres":
            s.execute(text("ALTER TABLE custody_events DISABLE TRIGGER USER"))
        else:
            s.execute(text("DROP TRIGGER custody_events_no_update"))
        event_id, tid = s.execute(
            text("SELECT id, trade_in_id FROM custody_events WHERE seq = 2 ORDER BY id LIMIT 1")
        ).one()
        s.execute(
            text("UPDATE custody_events SET actor = 'mallory' WHERE id = :id"), {"id": event_id}
        )
    result = invoke("audit", "verify")
    assert result.exit_code == 1
    assert f"BROKEN trade-in {tid}: event {event_id} (seq 2)" in result.text
    assert "1 of 20 chains broken" in result.text


def test_retention_run_erases_only_what_is_due_and_dry_run_nothing(cli_db, sessions):
    assert invoke("demo", "--count", "60", "--seed", "5").exit_code == 0
    with sessions() as s:
        before = s.scalar(
            select(func.count())
            .select_from(CustomerContact)
            .where(CustomerContact.erased_at.is_(None))
        )
    # The demo's trade-ins closed within the last 120 days: nothing is due at 730 days.
    result = invoke("retention", "run")
    assert result.exit_code == 0 and "0 customers' personal data erased" in result.text
    with sessions.begin() as s:
        s.execute(update(Program).values(retention_days=0))
    dry = invoke("retention", "run", "--dry-run")
    due = int(re.search(r"(\d+) customers' personal data would be erased", dry.text).group(1))
    assert due > 0
    with sessions() as s:
        still = s.scalar(
            select(func.count())
            .select_from(CustomerContact)
            .where(CustomerContact.erased_at.is_(None))
        )
    assert still == before
    result = invoke("retention", "run")
    assert f"{due} customers' personal data erased" in result.text
    assert invoke("audit", "verify").exit_code == 0  # the chains hold the erasure
    assert "Demo Customer" not in result.output  # the command prints counts, never the data


def test_set_password_ends_the_accounts_sessions(cli_db, sessions):
    with sessions.begin() as s:
        factories.seed(s)
        token = auth.staff(s, "pat@acme.example", {"acme": [Role.FINANCE]})
    result = runner.invoke(
        app,
        ["users", "set-password", "pat@acme.example", "--password-stdin"],
        input="a brand new password\n",
    )
    assert result.exit_code == 0, result.output
    with sessions() as s:
        user = access.repository.by_email(s, "pat@acme.example")
        live = s.scalars(select(StaffSession).where(StaffSession.revoked_at.is_(None))).all()
    assert passwords.verify(user.password_hash, "a brand new password")
    assert live == [] and token.startswith("rvs_")


def test_grading_explain_and_calibration_show_the_demo_s_inspections(cli_db, sessions):
    assert invoke("demo", "--count", "80", "--seed", "11").exit_code == 0
    with sessions() as s:
        requoted = s.scalars(
            select(CustodyEvent.trade_in_id).where(CustodyEvent.action == "offer_requote")
        ).first()
        inspectors = set(
            s.scalars(select(CustodyEvent.actor).where(CustodyEvent.action == "inspect"))
        )
    assert requoted is not None  # the demo makes re-quotes
    explained = invoke("grading", "explain", requoted)
    assert explained.exit_code == 0
    assert "(the program's scale)" in explained.text and "ctia v1" in explained.text
    assert " not " in explained.text  # the rule that kept a better grade away
    report = invoke("grading", "calibration", "--program", "demo")
    assert report.exit_code == 0
    assert all(name in report.text for name in inspectors)
    unknown = invoke("grading", "explain", "t_nope")
    assert unknown.exit_code == 1 and "trade_in_not_found" in unknown.text
