"""Conflicts involving the caller."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from skyshare.api.deps import CallerDep, ContextDep
from skyshare.services import conflicts as conflict_service

router = APIRouter(prefix="/v1", tags=["conflicts"])


@router.get("/conflicts")
def list_conflicts(
    ctx: ContextDep,
    caller: CallerDep,
    status: str | None = Query(None, description="open, acknowledged, resolved, expired"),
    limit: int = Query(1000, ge=1, le=100_000),
) -> list[dict[str, Any]]:
    return conflict_service.list_conflicts(ctx, caller, status, limit)


@router.get("/conflicts/{conflict_id}")
def get_conflict(conflict_id: str, ctx: ContextDep, caller: CallerDep) -> dict[str, Any]:
    return conflict_service.get_conflict(ctx, caller, conflict_id)


@router.post("/conflicts/{conflict_id}/acknowledge")
def acknowledge(conflict_id: str, ctx: ContextDep, caller: CallerDep) -> dict[str, Any]:
    return conflict_service.acknowledge(ctx, caller, conflict_id)
