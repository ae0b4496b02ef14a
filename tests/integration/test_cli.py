import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from revalue import migrate
from revalue.cli.main import app
from revalue.config import get_settings
from revalue.tradeins import repository
from tests import factories
from tests.conftest import BACKEND

runner = CliRunner()


@pytest.fixture
def cli_db(database_url, engine, monkeypatch):
    monkeypatch.setenv("REVALUE_DATABASE_URL", database_url)
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
    for state in ("disposed", "returned", "cancelled", "expired", "paid"):
        assert states.get(state, 0) > 0, state
    assert "all verified" in result.text
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
