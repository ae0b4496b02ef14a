"""Docs that cannot drift: every setting and every command is in the README."""

from pathlib import Path

import typer.main

from revalue.cli.main import app
from revalue.config import Settings

README = (Path(__file__).parents[2] / "README.md").read_text()


def test_every_setting_is_documented_with_its_default():
    for name, field in Settings.model_fields.items():
        row = next((ln for ln in README.splitlines() if f"`REVALUE_{name.upper()}`" in ln), None)
        assert row is not None, f"REVALUE_{name.upper()} is missing from the README"
        assert f"`{field.default}`" in row, f"the README shows another default for {name}"


def test_every_command_is_in_the_readme():
    def walk(group, prefix):
        for name, cmd in getattr(group, "commands", {}).items():
            if hasattr(cmd, "commands"):
                yield from walk(cmd, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}"

    commands = list(walk(typer.main.get_command(app), "revalue "))
    assert len(commands) >= 9
    for command in commands:
        assert f"`{command}" in README or f"/ `{command.split()[-1]}" in README, command
