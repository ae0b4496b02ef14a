"""``revalue identify`` and ``revalue tac import|stats`` from the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revalue.cli.main import app
from revalue.config import get_settings
from tests.unit.test_identifiers import imei_from

DATA = Path(__file__).resolve().parents[1] / "data"
runner = CliRunner()


@pytest.fixture
def cli_db(database_url, engine, seeded, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REVALUE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, list(args), catch_exceptions=False)
    # Rich wraps lines at the terminal width and draws tables: compare words only.
    result.text = " ".join(re.sub("[\u2500-\u257f]", " ", result.output).split())
    return result


def test_import_reports_skipped_rows_and_stats_counts_them(cli_db):
    result = invoke("tac", "import", "osmocom", str(DATA / "tacdb_fixture.csv"))
    assert result.exit_code == 0, result.output
    assert "skipped line 10 (3510007): the TAC '3510007' is not 8 digits" in result.text
    assert "osmocom: 10 rows read, 6 imported (2 linked to catalog models), 4 skipped" in (
        result.text
    )
    result = invoke("tac", "import", "samsung", str(DATA / "tacs_fixture.csv"))
    assert "merged line 5 (35100004)" in result.text
    stats = invoke("tac", "stats")
    assert "osmocom 6 2" in stats.text and "samsung 4 0" in stats.text


def test_a_strict_import_with_a_bad_row_exits_1_and_writes_nothing(cli_db):
    result = invoke("tac", "import", "samsung", str(DATA / "tacs_fixture.csv"), "--strict")
    assert result.exit_code == 1
    assert "tac_import_invalid" in result.text and "line 7, tac:" in result.text
    assert "No TAC tables imported" in invoke("tac", "stats").text


def test_identify_prints_the_imei_each_source_and_the_confidence(cli_db):
    invoke("tac", "import", "osmocom", str(DATA / "tacdb_fixture.csv"))
    imei = imei_from("35100001")
    result = invoke("identify", imei)
    assert result.exit_code == 0, result.output
    assert f"IMEI {imei[:2]} {imei[2:8]} {imei[8:14]} {imei[14]}" in result.text
    assert "osmocom Apple iPhone 15" in result.text
    assert "catalog model: apple-iphone-15 (Apple iPhone 15)" in result.text
    assert "confidence: low (only osmocom links it)" in result.text


def test_an_unknown_tac_is_unidentified_and_exits_0(cli_db):
    result = invoke("identify", imei_from("86000000"))
    assert result.exit_code == 0
    assert "unidentified" in result.text


def test_an_invalid_imei_says_what_is_wrong_and_exits_1(cli_db):
    result = invoke("identify", "352099001761482")
    assert result.exit_code == 1
    assert "invalid_imei: the check digit is 2 but should be 1" in result.text


def test_an_apple_map_is_checked_not_imported(cli_db, tmp_path):
    path = tmp_path / "ios.json"
    path.write_text(json.dumps({"iPhone15,4": "iPhone 15", "iPhone99,1": "iPhone 99"}))
    result = invoke("tac", "import", "apple", str(path))
    assert result.exit_code == 0, result.output
    assert "iPhone15,4 iPhone 15 -> apple-iphone-15" in result.text
    assert "2 identifiers read, 1 name catalog models, 1 not in the catalog" in result.text
