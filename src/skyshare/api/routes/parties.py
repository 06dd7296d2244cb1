"""Parties: created by the administrator; any party may list them (ids for messages)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from skyshare.api.deps import CallerDep, ContextDep
from skyshare.api.schemas.bodies import PartyIn
from skyshare.api.schemas.hotline import KeyIn
from skyshare.services import keys as key_service
from skyshare.services import parties as party_service
from skyshare.services.parties import require_admin

router = APIRouter(prefix="/v1", tags=["parties"])


@router.post("/parties", status_code=201)
def create_party(body: PartyIn, ctx: ContextDep, caller: CallerDep) -> dict[str, Any]:
    """Create a party (admin). The token is shown here once and stored only as a hash."""
    require_admin(caller)
    party, token = party_service.add_party(ctx, body.name, body.language)
    return {"id": party.id, "name": party.name, "language": party.language, "token": token}


@router.get("/parties")
def list_parties(ctx: ContextDep, caller: CallerDep) -> list[dict[str, Any]]:
    """Every party's id, name, language and public key (to address and verify messages)."""
    return [
        {"id": p.id, "name": p.name, "language": p.language, "public_key": p.public_key}
        for p in party_service.list_parties(ctx)
    ]


@router.get("/parties/me")
def me(caller: CallerDep) -> dict[str, Any]:
    """The calling party (``admin: true`` for the administrator)."""
    p = caller.party
    if p is None:
        return {"id": None, "name": None, "language": None, "public_key": None, "admin": True}
    return {
        "id": p.id,
        "name": p.name,
        "language": p.language,
        "public_key": p.public_key,
        "admin": False,
    }


@router.put("/parties/me/key")
def put_key(body: KeyIn, ctx: ContextDep, caller: CallerDep) -> dict[str, Any]:
    """Register the caller's Ed25519 public key; a rotation must be signed by the old key.

    The rotation signature covers ``{"type": "key_rotation", "party": <id>, "public_key":
    <new key>}`` (docs/hotline.md).
    """
    return key_service.register_key(ctx, caller, body.public_key, body.signature)
