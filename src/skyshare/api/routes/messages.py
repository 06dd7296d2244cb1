"""The hotline over HTTP: messages, acknowledgements, templates, drills."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response

from skyshare.api.deps import CallerDep, ContextDep
from skyshare.api.schemas.common import check_finite_json
from skyshare.api.schemas.hotline import AckIn, MessageIn
from skyshare.hotline import phrases
from skyshare.services import drills as drill_service
from skyshare.services import messages as message_service

router = APIRouter(prefix="/v1", tags=["hotline"])


@router.post("/messages", status_code=201)
def send_message(
    body: MessageIn, response: Response, ctx: ContextDep, caller: CallerDep
) -> dict[str, Any]:
    """Send a signed message (201); resending the same id and body returns it again (200)."""
    if body.params is not None:
        check_finite_json(body.params, "params")
    signed = body.model_dump(exclude_unset=True, exclude={"signature"})
    message, created = message_service.send_message(ctx, caller, signed, body.signature)
    response.status_code = 201 if created else 200
    return message


@router.get("/messages")
def list_messages(
    ctx: ContextDep,
    caller: CallerDep,
    since: str | None = Query(None, description="Only messages received after this time."),
    limit: int = Query(1000, ge=1, le=10_000),
) -> list[dict[str, Any]]:
    """Messages to or from the caller, oldest first, each rendered in the caller's language."""
    return message_service.list_messages(ctx, caller, since, limit)


@router.get("/messages/{message_id}")
def get_message(message_id: str, ctx: ContextDep, caller: CallerDep) -> dict[str, Any]:
    return message_service.get_message(ctx, caller, message_id)


@router.post("/messages/{message_id}/acknowledge")
def acknowledge(message_id: str, body: AckIn, ctx: ContextDep, caller: CallerDep) -> dict[str, Any]:
    """The recipient acknowledges, signing ``{"type": "ack", "message_id": <id>}``."""
    return message_service.acknowledge(ctx, caller, message_id, body.signature)


@router.get("/templates")
def list_templates(caller: CallerDep) -> list[dict[str, Any]]:
    """Every standard phrase with its parameter names and its text in en, ar and ru."""
    return [t.to_json() for t in phrases.templates()]


@router.get("/drills")
def list_drills(
    ctx: ContextDep, caller: CallerDep, limit: int = Query(1000, ge=1, le=10_000)
) -> list[dict[str, Any]]:
    """Link-test drills of every party: sent, acknowledged, latency, missed."""
    return drill_service.list_drills(ctx, caller, limit)
