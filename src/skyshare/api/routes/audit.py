"""The tamper-evident audit log: entries as the caller may see them, checkpoints, the key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from skyshare.api.deps import CallerDep, ContextDep
from skyshare.services import audit_log

router = APIRouter(prefix="/v1", tags=["audit"])


@router.get("/audit")
def list_entries(
    ctx: ContextDep,
    caller: CallerDep,
    after: int = Query(0, ge=0, description="Entries with n greater than this."),
    limit: int = Query(1000, ge=1, le=10_000),
) -> list[dict[str, Any]]:
    """Entries in order of ``n``; ``record`` is null where the caller may not read it."""
    return audit_log.list_entries(ctx, caller, after, limit)


@router.get("/audit/checkpoints")
def list_checkpoints(
    ctx: ContextDep,
    caller: CallerDep,
    after: int = Query(0, ge=0, description="Checkpoints with n greater than this."),
    limit: int = Query(10_000, ge=1, le=100_000),
) -> list[dict[str, Any]]:
    """The service's signatures over the chain head, oldest first."""
    return audit_log.list_checkpoints(ctx, after, limit)


@router.get("/audit/key")
def audit_key(ctx: ContextDep, caller: CallerDep) -> dict[str, Any]:
    """The service's Ed25519 public key (base64 of the raw 32 bytes)."""
    return audit_log.audit_key(ctx)
