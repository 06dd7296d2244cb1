"""``skyshare migrate``: create or upgrade the schema."""

from __future__ import annotations

import click

from skyshare.cli._common import DB_OPTION, reports_errors


@click.command()
@DB_OPTION
@reports_errors
def migrate(db: str) -> None:
    """Create or upgrade the database schema to the newest version."""
    from skyshare.store.database import open_database

    open_database(db).dispose()
    click.echo(f"{db}: schema up to date")
