"""Webhooks: a party registers its URL and secret, and sees how its deliveries fare."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from skyshare.api.deps import CallerDep, ContextDep
from skyshare.api.schemas.common import Strict
from skyshare.services import webhooks as webhook_service

router = APIRouter(prefix="/v1", tags=["webhooks"])


class WebhookIn(Strict):
    url: str
    secret: str


@router.put("/parties/me/webhook")
def put_webhook(body: WebhookIn, ctx: ContextDep, caller: CallerDep) -> dict[str, Any]:
    """Register the caller's webhook: events are POSTed there, signed with ``secret``."""
    return webhook_service.set_webhook(ctx, caller, body.url, body.secret)


@router.delete("/parties/me/webhook")
def delete_webhook(ctx: ContextDep, caller: CallerDep) -> dict[str, Any]:
    return webhook_service.delete_webhook(ctx, caller)


@router.get("/webhook/deliveries")
def list_deliveries(
    ctx: ContextDep,
    caller: CallerDep,
    status: str | None = Query(None, description="pending, delivered, failing, cancelled"),
    after: int = Query(0, ge=0, description="delivery id to continue after"),
    limit: int = Query(1000, ge=1, le=10_000),
) -> list[dict[str, Any]]:
    """The caller's deliveries, oldest first, with attempts and the last error."""
    return webhook_service.list_deliveries(ctx, caller, status, after, limit)
