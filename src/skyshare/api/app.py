"""The composition root of the HTTP service: ``create_app(settings, context)``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from skyshare import __version__
from skyshare.api.errors import install_error_handlers
from skyshare.api.limits import MIB, BodyLimit
from skyshare.api.responses import JSONBody
from skyshare.api.routes import agreement, conflicts, events, notices, parties, restrictions
from skyshare.api.routes import audit as audit_routes
from skyshare.api.routes import messages as message_routes
from skyshare.api.routes import states as state_routes
from skyshare.api.routes import web as web_page
from skyshare.api.routes import webhooks as webhook_routes
from skyshare.notify.bell import Bell
from skyshare.services.context import Context

__all__ = ["Settings", "Worker", "create_app"]

#: A background loop run for the life of the app: ``await worker(context, stop)`` must return
#: soon after ``stop`` is set. Workers never block the event loop (they use threads for I/O).
Worker = Callable[[Context, asyncio.Event], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class Settings:
    body_limit_bytes: int = MIB
    states_limit_bytes: int = 8 * MIB
    import_limit_bytes: int = 64 * MIB
    #: Background loops to run (detection cycle, webhook relay, checkpoints, ...).
    workers: tuple[Worker, ...] = field(default=())


def create_app(settings: Settings, context: Context) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(w(context, stop)) for w in settings.workers]
        try:
            yield
        finally:
            stop.set()
            for t in tasks:
                try:
                    await asyncio.wait_for(t, 5.0)
                except (TimeoutError, asyncio.CancelledError):
                    t.cancel()

    app = FastAPI(
        lifespan=lifespan,
        title="skyshare",
        version=__version__,
        description="Deconfliction for operators who share airspace but not plans.",
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
        default_response_class=JSONBody,
    )
    app.state.context = context
    app.state.settings = settings
    bell = Bell()
    app.state.bell = bell
    context.event_listeners.append(bell.ring)
    install_error_handlers(app)
    for module in (parties, agreement, notices, restrictions, conflicts, events):
        app.include_router(module.router)
    app.include_router(message_routes.router)
    app.include_router(audit_routes.router)

    app.include_router(state_routes.router)
    app.include_router(webhook_routes.router)
    app.include_router(web_page.router)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.add_middleware(
        BodyLimit,
        default=settings.body_limit_bytes,
        by_path={
            "/v1/states": settings.states_limit_bytes,
            "/v1/restrictions:import": settings.import_limit_bytes,
        },
    )
    return app
