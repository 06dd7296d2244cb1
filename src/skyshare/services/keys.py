"""Registering and rotating a party's Ed25519 public key.

The first key is registered on the strength of the bearer token alone. Every later change is
a rotation and must also be signed by the key it replaces, over the RFC 8785 JSON of
:func:`rotation_object`; a stolen token alone therefore cannot take over a party's signature.
Registering the key that is already registered changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from skyshare.audit.signing import BadSignature, parse_public_key, verify_object
from skyshare.errors import InvalidInput
from skyshare.model.party import Party
from skyshare.services.context import Caller, Context
from skyshare.services.outbox import EVERYONE, audit
from skyshare.services.parties import require_party
from skyshare.store import parties as party_store
from skyshare.store.database import Tx

__all__ = ["install_key", "key_json", "register_key", "rotation_object"]


def rotation_object(party_id: str, new_public_key: str) -> dict[str, Any]:
    """What the old key signs to hand over to ``new_public_key``."""
    return {"type": "key_rotation", "party": party_id, "public_key": new_public_key}


def key_json(party: Party) -> dict[str, Any]:
    return {"party": party.id, "public_key": party.public_key}


def install_key(
    ctx: Context, tx: Tx, party: Party, public_key: str, signature: str | None
) -> Party:
    """Register or rotate inside ``tx``; the audit entry records who, which key, and the proof."""
    parse_public_key(public_key)
    current = party.public_key
    if current == public_key:
        return party
    if current is None:
        if signature is not None:
            raise InvalidInput(
                "No key is registered yet, so there is no old key to sign a rotation; "
                "send public_key alone.",
                field="signature",
            )
        kind = "party.key_registered"
    else:
        if signature is None:
            raise BadSignature(
                "A key is already registered: a rotation must carry a signature by that key "
                'over {"type": "key_rotation", "party": <your id>, "public_key": <new>}.',
                field="signature",
            )
        verify_object(current, rotation_object(party.id, public_key), signature)
        kind = "party.key_rotated"
    party_store.set_public_key(tx.conn, party.id, public_key)
    audit(
        ctx,
        tx,
        kind,
        {
            "party": party.id,
            "public_key": public_key,
            "previous_public_key": current,
            "signature": signature,
        },
        [EVERYONE],
    )
    return _reload(tx.conn, party.id)


def _reload(conn: Connection, party_id: str) -> Party:
    return party_store.by_id(conn, party_id)


def register_key(
    ctx: Context, caller: Caller, public_key: str, signature: str | None
) -> dict[str, Any]:
    """``PUT /v1/parties/me/key``: first registration, or a rotation signed by the old key."""
    party = require_party(caller)
    with ctx.db.write() as tx:
        fresh = party_store.by_id(tx.conn, party.id)
        return key_json(install_key(ctx, tx, fresh, public_key, signature))
