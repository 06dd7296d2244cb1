"""Building a running service from the command line: context, admin token, uvicorn."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

import click

from skyshare.services.context import Context

if TYPE_CHECKING:
    from fastapi import FastAPI

    from skyshare.api.app import Worker

__all__ = ["app_from_environment", "build_context", "run_server", "service_workers"]

#: What a worker process of ``serve --workers N`` reads to open its own context.
DB_ENV = "SKYSHARE_SERVE_DB"
SYNC_ENV = "SKYSHARE_SERVE_SYNC"


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


def service_workers() -> tuple[Worker, ...]:
    """Every process listens for other processes' commits; only the leader runs the loops."""
    from skyshare.notify.leader import leader_only
    from skyshare.notify.listener import listener_worker
    from skyshare.notify.live import live_workers
    from skyshare.services.hotline_workers import hotline_workers

    return (listener_worker, leader_only((*hotline_workers(), *live_workers())))


def _app(ctx: Context) -> FastAPI:
    from skyshare.api.app import Settings, create_app
    from skyshare.services.conflicts import warm_indexes

    t0 = time.perf_counter()
    count = warm_indexes(ctx)
    if count:
        click.echo(f"strategic index: {count:,} notices in {time.perf_counter() - t0:.1f} s")
    return create_app(Settings(workers=service_workers()), ctx)


def app_from_environment() -> FastAPI:
    """The app of one ``serve --workers N`` process (uvicorn calls this in each)."""
    from skyshare.store.database import open_database

    db = os.environ[DB_ENV]
    sync = os.environ.get(SYNC_ENV, "NORMAL")
    return _app(Context(open_database(db, migrate=False, synchronous=sync)))


def run_server(
    ctx: Context, host: str, port: int, *, workers: int = 1, synchronous: str = "NORMAL"
) -> None:
    """Serve until stopped: in this process, or in ``workers`` processes on one database."""
    import uvicorn

    banner = f"skyshare listening on http://{host}:{port}/ (API docs: /docs)"
    if workers == 1:
        app = _app(ctx)
        click.echo(banner)
        uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)
        return
    os.environ[DB_ENV] = ctx.db.url
    os.environ[SYNC_ENV] = synchronous
    ctx.db.dispose()
    click.echo(f"{banner}, {workers} worker processes")
    uvicorn.run(
        "skyshare.cli.runtime:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
