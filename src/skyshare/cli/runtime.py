"""Building a running service from the command line: context, admin token, uvicorn."""

from __future__ import annotations

import time

import click

from skyshare.services.context import Context

__all__ = ["build_context", "run_server"]


def build_context(
    db: str,
    *,
    admin_token: str | None = None,
    synchronous: str = "NORMAL",
    make_admin_token: bool = True,
) -> tuple[Context, str | None]:
    """Open (and migrate) the database; returns the context and a newly made admin token."""
    from skyshare.services.parties import ensure_admin_token
    from skyshare.store.database import open_database

    ctx = Context(open_database(db, synchronous=synchronous))
    if not make_admin_token and admin_token is None:
        return ctx, None
    return ctx, ensure_admin_token(ctx, admin_token)


def run_server(ctx: Context, host: str, port: int) -> None:
    import uvicorn

    from skyshare.api.app import Settings, create_app
    from skyshare.notify.live import live_workers
    from skyshare.services.conflicts import warm_indexes
    from skyshare.services.hotline_workers import hotline_workers

    t0 = time.perf_counter()
    count = warm_indexes(ctx)
    if count:
        click.echo(f"strategic index: {count:,} notices in {time.perf_counter() - t0:.1f} s")
    app = create_app(Settings(workers=(*hotline_workers(), *live_workers())), ctx)
    click.echo(f"skyshare listening on http://{host}:{port}/ (API docs: /docs)", err=False)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)
