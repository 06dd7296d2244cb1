"""Advance notices (F3548-21 operational intents) over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response

from skyshare.api.deps import CallerDep, ContextDep
from skyshare.api.responses import JSONBody
from skyshare.api.routes._query import parse_bbox, parse_range
from skyshare.api.schemas.bodies import NoticeIn
from skyshare.api.schemas.common import check_finite_json, volumes_to_model
from skyshare.model.notice import NoticeState
from skyshare.services import notices as notice_service

router = APIRouter(prefix="/v1", tags=["notices"])


@router.put("/notices/{notice_id}", response_model=dict[str, Any])
def put_notice(notice_id: str, body: NoticeIn, ctx: ContextDep, caller: CallerDep) -> Response:
    """File (201) or replace (200, with the current ``ovn``) a notice."""
    if body.private is not None:
        check_finite_json(body.private, "private")
    req = notice_service.NoticeRequest(
        volumes=volumes_to_model(body.volumes),
        state=NoticeState(body.state),
        priority=body.priority,
        key=tuple(body.key),
        ovn=body.ovn,
        private=body.private,
    )
    result, created = notice_service.put_notice(ctx, caller, notice_id, req)
    # Rendered here rather than validated against ``dict[str, Any]`` and serialised again:
    # a notice lists every conflict it opened (dozens at once), and that second pass cost
    # about a millisecond.
    return JSONBody(result, status_code=201 if created else 200)


@router.get("/notices/{notice_id}")
def get_notice(notice_id: str, ctx: ContextDep, caller: CallerDep) -> dict[str, Any]:
    return notice_service.get_notice(ctx, caller, notice_id)


@router.get("/notices", response_model=list[dict[str, Any]])
def list_notices(
    ctx: ContextDep,
    caller: CallerDep,
    bbox: str | None = Query(None, description="minlng,minlat,maxlng,maxlat"),
    t_from: str | None = Query(None, alias="from", description="RFC 3339"),
    t_to: str | None = Query(None, alias="to", description="RFC 3339"),
    limit: int = Query(10_000, ge=1, le=100_000),
) -> Response:
    """Live notices in a 4D box, oldest first; others' notices are redacted."""
    a, b = parse_range(t_from, t_to)
    # Rendered straight away, like a PUT's reply: a box holds dozens of notices with their
    # volumes, and validating them again against ``dict[str, Any]`` only copies them.
    return JSONBody(notice_service.list_notices(ctx, caller, parse_bbox(bbox), a, b, limit))


@router.delete("/notices/{notice_id}")
def delete_notice(
    notice_id: str, ctx: ContextDep, caller: CallerDep, ovn: str | None = Query(None)
) -> dict[str, Any]:
    return notice_service.delete_notice(ctx, caller, notice_id, ovn)
