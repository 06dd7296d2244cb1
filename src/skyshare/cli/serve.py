"""``skyshare serve``: the HTTP API, events and map on one database."""

from __future__ import annotations

import os

import click

from skyshare.cli._common import DB_OPTION, load_agreement_file, reports_errors


@click.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--agreement",
    "agreement_path",
    type=click.Path(dir_okay=False),
    help="agreement.toml to put in force (a new version when it differs from the current).",
)
@click.option(
    "--sync",
    type=click.Choice(["FULL", "NORMAL"]),
    default="NORMAL",
    show_default=True,
    help="SQLite synchronous mode: FULL survives power loss, NORMAL only process crashes.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="API processes on one PostgreSQL database; one leader runs detection and relays.",
)
@reports_errors
def serve(
    db: str, host: str, port: int, agreement_path: str | None, sync: str, workers: int
) -> None:
    """Run the HTTP API (/v1, OpenAPI at /docs) on DB.

    The admin token comes from SKYSHARE_ADMIN_TOKEN, or is made and printed once at the
    first start. Add parties with `skyshare party add NAME --db DB`.
    """
    from skyshare.cli.runtime import build_context, run_server

    if workers > 1 and not db.startswith(("postgresql://", "postgres://", "postgresql+")):
        raise click.UsageError(
            "--workers above 1 needs a postgresql:// database; SQLite serves one process."
        )
    agreement = load_agreement_file(agreement_path) if agreement_path else None
    ctx, admin_token = build_context(
        db, admin_token=os.environ.get("SKYSHARE_ADMIN_TOKEN"), synchronous=sync
    )
    if admin_token:
        click.echo(f"admin token (shown once): {admin_token}")
    if agreement is not None:
        from skyshare.services.agreement import set_agreement
        from skyshare.services.context import Caller

        body = set_agreement(ctx, Caller(None), agreement)
        click.echo(f"agreement version {body['version']} sha256 {body['sha256']}")
    run_server(ctx, host, port, workers=workers, synchronous=sync)
