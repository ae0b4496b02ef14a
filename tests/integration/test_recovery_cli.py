"""``revalue recovery plan PROGRAM [--apply]``: the plan's figures printed, and applied when
asked; a program with nothing waiting exits 1 and makes no plan."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from revalue.cli.main import app
from revalue.config import get_settings
from revalue.recovery.models import InventoryItem, Plan, WorkOrder
from tests.api.test_recovery_planning import sanitized, set_up

runner = CliRunner()


@pytest.fixture
def cli(client, seeded, database_url, monkeypatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REVALUE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_plan_is_printed_and_applied(cli, client, sessions):
    set_up(client)
    sanitized(client, screen_cracked=True)
    sanitized(client)
    result = runner.invoke(app, ["recovery", "plan", "acme", "--apply"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "refurbish_resell" in text and "(applied)" in text and "2 devices" in text
    assert "greedy" in text and "950.00 USD" in text  # 500.00 as it is, 450.00 repaired
    assert (count(sessions, InventoryItem), count(sessions, WorkOrder)) == (2, 1)


def test_nothing_waiting_is_an_error_and_no_plan(cli, client, sessions):
    set_up(client)
    result = runner.invoke(app, ["recovery", "plan", "acme"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "nothing_to_plan" in result.output
    assert count(sessions, Plan) == 0
