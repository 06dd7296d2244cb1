"""The composition root of the HTTP service: ``create_app(settings, context)``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from skyshare import __version__
from skyshare.api.errors import install_error_handlers
from skyshare.api.limits import MIB, BodyLimit
from skyshare.api.routes import agreement, conflicts, events, notices, parties, restrictions
from skyshare.notify.bell import Bell
from skyshare.services.context import Context

__all__ = ["Settings", "create_app"]


@dataclass(frozen=True, slots=True)
class Settings:
    body_limit_bytes: int = MIB
    states_limit_bytes: int = 8 * MIB


def create_app(settings: Settings, context: Context) -> FastAPI:
    app = FastAPI(
        title="skyshare",
        version=__version__,
        description="Deconfliction for operators who share airspace but not plans.",
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.context = context
    app.state.settings = settings
    bell = Bell()
    app.state.bell = bell
    context.event_listeners.append(bell.ring)
    install_error_handlers(app)
    for module in (parties, agreement, notices, restrictions, conflicts, events):
        app.include_router(module.router)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.add_middleware(
        BodyLimit,
        default=settings.body_limit_bytes,
        by_path={"/v1/states": settings.states_limit_bytes},
    )
    return app
