"""``revalue market import`` and ``revalue market estimate``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from revalue.cli.main import app
from revalue.config import get_settings
from revalue.recovery.models import MarketPrice, ResaleEstimate
from tests import factories
from tests.api.support import PHONE

runner = CliRunner()
HEADER = "variant_sku,grade,price,currency,observed_at,reference\n"


@pytest.fixture
def cli(database_url, sessions, monkeypatch):  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        factories.seed(s)
    monkeypatch.setenv("REVALUE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield lambda *args: runner.invoke(app, list(args), catch_exceptions=False)
    get_settings.cache_clear()


def count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_feed_is_imported_then_estimated(cli, sessions, tmp_path: Path):
    path = tmp_path / "feed.csv"
    rows = [(50_000, "a"), (49_000, "b"), (51_000, "c"), (900_000, "d")]
    path.write_text(
        HEADER
        + "".join(
            f"{PHONE},A,{p},USD,2026-06-0{i + 1}T00:00:00Z,{r}\n" for i, (p, r) in enumerate(rows)
        )
    )
    result = cli("market", "import", str(path), "--program", "acme", "--source", "bm")
    assert result.exit_code == 0, result.output
    assert "4 rows, 4 imported, 0 imported before" in result.output
    again = cli("market", "import", str(path), "--program", "acme", "--source", "bm")
    assert "4 rows, 0 imported, 4 imported before" in again.output
    assert count(sessions, MarketPrice) == 4

    result = cli("market", "estimate", "acme")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert PHONE in text and "500.00 USD" in text and "1 estimate(s) for acme" in text
    assert count(sessions, ResaleEstimate) == 1


def test_a_bad_feed_lists_its_problems_and_writes_nothing(cli, sessions, tmp_path: Path):
    path = tmp_path / "feed.csv"
    path.write_text(HEADER + f"{PHONE},Z,50000,USD,2026-06-01T00:00:00Z,a\nnope,A,1,USD,x,b\n")
    result = cli("market", "import", str(path), "--program", "acme")
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "market_feed_invalid" in text
    assert (
        "line 2, grade" in text and "line 3, variant_sku" in text and "line 3, observed_at" in text
    )
    assert count(sessions, MarketPrice) == 0
