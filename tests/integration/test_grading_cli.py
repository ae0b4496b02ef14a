"""``revalue grading scales``."""

from typer.testing import CliRunner

from revalue.cli.main import app
from revalue.config import get_settings
from revalue.grading import library
from tests import factories
from tests.api.operations import house_scale

runner = CliRunner()


def test_grading_scales_lists_shipped_and_loaded_scales(database_url, sessions, monkeypatch):
    with sessions.begin() as s:
        factories.seed(s)
        doc = house_scale("acme-house", None)
        library.load_scale(s, doc, program_id=doc.pop("program_id"), ctx=factories.ctx())
    monkeypatch.setenv("REVALUE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["grading", "scales"], catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    for expected in ("ctia", "marketplace", "wholesale", "acme-house", "shipped", "loaded"):
        assert expected in text
    assert "Premium" in text and "Working" in text
