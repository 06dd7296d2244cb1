"""``skyshare party``: add and list parties directly in the database."""

from __future__ import annotations

import click

from skyshare.cli._common import DB_OPTION, reports_errors


@click.group()
def party() -> None:
    """Manage parties (the operators sharing the airspace)."""


@party.command("add")
@click.argument("name")
@click.option("--language", type=click.Choice(["en", "ar", "ru"]), default="en", show_default=True)
@DB_OPTION
@reports_errors
def add(name: str, language: str, db: str) -> None:
    """Add party NAME; prints its id and its token (shown once, stored only hashed)."""
    from skyshare.cli.runtime import build_context
    from skyshare.services.parties import add_party

    ctx, _ = build_context(db, make_admin_token=False)
    p, token = add_party(ctx, name, language)
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
    for p in list_parties(ctx):
        click.echo(f"{p.id}\t{p.name}\t{p.language}")
