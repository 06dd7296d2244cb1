"""``skyshare party``: add and list parties directly in the database."""

from __future__ import annotations

from pathlib import Path

import click

from skyshare.cli._common import DB_OPTION, reports_errors


@click.group()
def party() -> None:
    """Manage parties (the operators sharing the airspace)."""


@party.command("add")
@click.argument("name")
@click.option("--language", type=click.Choice(["en", "ar", "ru"]), default="en", show_default=True)
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The party's Ed25519 public key file (OUT.pub from `skyshare keygen`).",
)
@DB_OPTION
@reports_errors
def add(name: str, language: str, public_key_file: Path | None, db: str) -> None:
    """Add party NAME; prints its id and its token (shown once, stored only hashed)."""
    from skyshare.audit.signing import read_public_key_file
    from skyshare.cli.runtime import build_context
    from skyshare.services.parties import add_party

    public_key = None if public_key_file is None else read_public_key_file(public_key_file)
    ctx, _ = build_context(db, make_admin_token=False)
    try:
        p, token = add_party(ctx, name, language, public_key)
    finally:
        ctx.db.dispose()
    click.echo(f"id: {p.id}")
    click.echo(f"token: {token}")


@party.command("list")
@DB_OPTION
@reports_errors
def list_(db: str) -> None:
    """List parties: id, name, language."""
    from skyshare.cli.runtime import build_context
    from skyshare.services.parties import list_parties

    ctx, _ = build_context(db, make_admin_token=False)
    try:
        parties = list_parties(ctx)
    finally:
        ctx.db.dispose()
    for p in parties:
        click.echo(f"{p.id}\t{p.name}\t{p.language}")
