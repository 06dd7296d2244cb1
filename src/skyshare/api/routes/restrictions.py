"""Restrictions: no-go volumes created by the administrator, read by any party."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from skyshare.api.deps import CallerDep, ContextDep
from skyshare.api.routes._query import parse_bbox, parse_range
from skyshare.api.schemas.bodies import RestrictionIn
from skyshare.api.schemas.common import volumes_to_model
from skyshare.importers import read_restrictions_bytes
from skyshare.model.restriction import Restriction
from skyshare.services import restrictions as restriction_service
from skyshare.services.parties import require_admin

router = APIRouter(prefix="/v1", tags=["restrictions"])


@router.post("/restrictions", status_code=201)
def create_restriction(body: RestrictionIn, ctx: ContextDep, caller: CallerDep) -> dict[str, Any]:
    r = Restriction(
        id=body.id,
        name=body.name,
        source=body.source or "api",
        source_id=body.source_id or "",
        type=body.type or "",
        volumes=volumes_to_model(body.volumes, require_times=False),
    )
    return restriction_service.create_restriction(ctx, caller, r)


@router.get("/restrictions/{restriction_id}")
def get_restriction(restriction_id: str, ctx: ContextDep, caller: CallerDep) -> dict[str, Any]:
    return restriction_service.get_restriction(ctx, restriction_id)


@router.get("/restrictions")
def list_restrictions(
    ctx: ContextDep,
    caller: CallerDep,
    bbox: str | None = Query(None, description="minlng,minlat,maxlng,maxlat"),
    t_from: str | None = Query(None, alias="from"),
    t_to: str | None = Query(None, alias="to"),
    limit: int = Query(10_000, ge=1, le=100_000),
) -> list[dict[str, Any]]:
    a, b = parse_range(t_from, t_to)
    return restriction_service.list_restrictions(ctx, parse_bbox(bbox), a, b, limit)


@router.post("/restrictions:import", status_code=201)
async def import_restrictions(
    request: Request,
    ctx: ContextDep,
    caller: CallerDep,
    format: str = Query("auto", description="auto, openair, geojson, ed269 or ed318"),
    name: str = Query("upload", max_length=200, description="the file's name (its source)"),
    skip_invalid: bool = Query(False, description="import the valid items, list the others"),
    time_zone: str = Query("UTC", description="zone of ED-269/ED-318 times written without one"),
) -> dict[str, Any]:
    """Import an airspace file sent as the raw body (admin); all or nothing by default.

    Re-importing the same file (same ``name``) updates its zones in place by source id. A
    malformed item answers 422 with ``name:line: message`` (or the JSON path).
    """
    require_admin(caller)
    data = await request.body()
    result = await run_in_threadpool(
        read_restrictions_bytes,
        data,
        name,
        format,
        skip_invalid=skip_invalid,
        time_zone=time_zone,
    )
    stored = await run_in_threadpool(
        restriction_service.import_restrictions, ctx, caller, result.restrictions
    )
    return {
        "read": len(result.restrictions),
        "stored": stored,
        "skipped": [{"location": s.location, "message": s.message} for s in result.skipped],
        "warnings": list(result.warnings),
    }
