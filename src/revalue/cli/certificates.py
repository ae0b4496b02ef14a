"""``revalue certificates``: verify a certificate offline, rotate the signing key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer

from revalue.certificates import present, signing
from revalue.cli import common
from revalue.cli.common import console, err_console
from revalue.config import get_settings

app = typer.Typer(help="Certificates of sanitization.", no_args_is_help=True)


@app.command("verify")
def verify(
    path: Path = typer.Argument(
        ..., help="The certificate, as JSON (as issued, or as GET /certificates/{id} serves it)"
    ),
    keys: Path = typer.Option(
        None, help="The published key list (JSON); default: this installation's keys"
    ),
) -> None:
    """Check a certificate's signature with the public keys alone (no database, no network)."""
    try:
        document = json.loads(common.read_text(path))
    except json.JSONDecodeError as exc:
        err_console.print(f"[red]INVALID[/red]: not JSON ({exc.msg}, line {exc.lineno})")
        raise typer.Exit(1) from None
    # A file saved from GET /certificates/{id} holds the document beside the server's verdict:
    # the verdict is ignored, the document is checked here.
    if isinstance(document, dict) and set(document) == {"document", "verification"}:
        document = document["document"]
    if keys is not None:
        published = json.loads(common.read_text(keys))
        key_list = {k["key_id"]: k["public_key"] for k in published.get("keys", [])}
    else:
        key_list = signing.public_keys(get_settings().secrets_dir)
    verdict = signing.verify(document, key_list)
    if not verdict.valid:
        err_console.print(f"[red]INVALID[/red]: {verdict.reason}")
        raise typer.Exit(1)
    console.print(f"[green]VALID[/green]: {verdict.reason}")
    console.print(present.one_line(document["certificate"]), markup=False, soft_wrap=True)


@app.command("rotate-key")
def rotate_key() -> None:
    """Make a new signing key; old certificates stay verifiable with the old keys."""
    kid = signing.rotate(get_settings().secrets_dir, datetime.now(UTC))
    console.print(f"Certificates are signed with key {kid} from now on.")
