"""``revalue lots price`` and ``revalue lots receive``: a manifest priced from a file, a bad one
refused with every problem and nothing written, and a file of scans received with the
mismatch report."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from stdnum import luhn
from typer.testing import CliRunner

from revalue.cli.main import app
from revalue.config import get_settings
from revalue.lots.models import BusinessLot, LotLine
from revalue.tradeins.models import TradeIn
from tests import factories
from tests.api.support import PHONE, expected_offer

runner = CliRunner()


def imei(n: int) -> str:
    body = f"35209900{n:06d}"
    return body + luhn.calc_check_digit(body)


@pytest.fixture
def cli(database_url, sessions, monkeypatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        factories.seed(s)
    monkeypatch.setenv("REVALUE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def price(path: Path, reference: str = "FLEET-1"):  # type: ignore[no-untyped-def]
    return run("lots", "price", str(path), "--program", "acme", "--reference", reference,
               "--business", "Initech")  # fmt: skip


def test_a_manifest_is_priced_then_received_with_the_mismatches_reported(cli, sessions, tmp_path):
    rows = "".join(f"{imei(n)},{PHONE},good\n" for n in range(1, 6))
    manifest = tmp_path / "fleet.csv"
    manifest.write_text("imei,model,cosmetic\n" + rows)
    result = price(manifest)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    # The command prices at the time it runs, not at the tests' fixed clock.
    total = 5 * expected_offer(PHONE, today=datetime.now(UTC).date())
    assert f"5 devices, 1 variants, quoted {total // 100:,}.{total % 100:02d} USD" in text
    with sessions() as s:
        lot = s.scalars(select(BusinessLot)).one()
    early = run("lots", "receive", lot.id, str(manifest))
    assert early.exit_code == 1 and "illegal_lot_transition" in early.output  # not accepted
    accepted = run("lots", "accept", lot.id)
    assert accepted.exit_code == 0 and "is accepted" in accepted.output, accepted.output
    scans = tmp_path / "scans.txt"
    scans.write_text("\n".join([imei(1), imei(2), imei(3), imei(1), imei(90), ""]))
    result = run("lots", "receive", lot.id, str(scans))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "5 scans, 3 matched now, 1 extra now, 1 scanned before" in text
    assert "Matched 3, missing 2, extra 1, still expected 0." in text
    assert imei(4) in text and imei(5) in text and imei(90) in text
    with sessions() as s:
        received = s.scalar(
            select(func.count()).select_from(TradeIn).where(TradeIn.state == "received")
        )
        statuses = sorted(s.scalars(select(LotLine.status)))
    assert received == 3
    assert statuses == ["extra", "matched", "matched", "matched", "missing", "missing"]


def test_a_bad_manifest_lists_every_problem_and_writes_nothing(cli, sessions, tmp_path):
    manifest = tmp_path / "fleet.csv"
    manifest.write_text(
        f"imei,model,cosmetic\n{imei(1)},{PHONE},good\n{imei(1)},{PHONE},good\n"
        f"{imei(2)},[red]nokia[/red],good\n"
    )
    result = price(manifest)
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "manifest_invalid" in text
    assert f"line 3, imei: {imei(1)} is also on line 2" in text
    assert "line 4, model: '[red]nokia[/red]'" in text  # the file's text, not Rich markup
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(BusinessLot)) == 0
        assert s.scalar(select(func.count()).select_from(LotLine)) == 0
