"""The agreement: read by anyone with a token, set by the administrator, adopted by parties."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from skyshare.api.deps import CallerDep, ContextDep
from skyshare.api.schemas.bodies import AdoptIn
from skyshare.model.agreement import agreement_from_mapping
from skyshare.services import agreement as agreement_service

router = APIRouter(prefix="/v1", tags=["agreement"])


@router.get("/agreement")
def get_agreement(ctx: ContextDep, caller: CallerDep) -> dict[str, Any]:
    return agreement_service.get_agreement(ctx)


@router.put("/agreement")
def put_agreement(
    ctx: ContextDep,
    caller: CallerDep,
    body: dict[str, Any] = Body(...),  # noqa: B008
) -> dict[str, Any]:
    """Set the agreement (admin); the fields of agreement.toml as JSON."""
    return agreement_service.set_agreement(ctx, caller, agreement_from_mapping(body))


@router.post("/agreement/adopt")
def adopt(body: AdoptIn, ctx: ContextDep, caller: CallerDep) -> dict[str, Any]:
    """Adopt the current version by its sha256 (409 ``agreement_changed`` if it moved)."""
    return agreement_service.adopt(ctx, caller, body.sha256)
