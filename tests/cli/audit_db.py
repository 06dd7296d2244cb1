"""A small service database with messages, acknowledgements and signed checkpoints."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from skyshare.audit.signing import generate_private_key, public_key_b64, sign_object
from skyshare.model.agreement import agreement_from_mapping
from skyshare.services import agreement as agreement_service
from skyshare.services.audit_log import checkpoint_now
from skyshare.services.context import Caller, Context
from skyshare.services.messages import acknowledge, send_message
from skyshare.services.parties import add_party
from skyshare.store.database import open_database
from tests.conftest import AGREEMENT


def build(path: Path, messages: int = 8) -> list[int]:
    """Write the database; returns the ``n`` of each signed checkpoint (one mid-way, one last)."""
    ctx = Context(open_database(str(path)))
    stored = agreement_service.set_agreement(ctx, Caller(None), agreement_from_mapping(AGREEMENT))
    keys = {"blue": generate_private_key(), "red": generate_private_key()}
    parties = {
        name: add_party(ctx, name, "ar" if name == "red" else "en", public_key_b64(key))[0]
        for name, key in keys.items()
    }
    for party in parties.values():
        agreement_service.adopt(ctx, Caller(party), stored["sha256"])
    marks: list[int] = []
    for i in range(messages):
        sender, to = ("blue", "red") if i % 2 == 0 else ("red", "blue")
        body: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "to": parties[to].id,
            "sent_at": "2026-11-24T10:00:00Z",
            "template": "request_climb",
            "params": {"altitude_m": 1000 + 100 * i},
        }
        send_message(ctx, Caller(parties[sender]), body, sign_object(keys[sender], body))
        ack = sign_object(keys[to], {"type": "ack", "message_id": body["id"]})
        acknowledge(ctx, Caller(parties[to]), body["id"], ack)
        if i == messages // 2:
            made = checkpoint_now(ctx)
            assert made is not None
            marks.append(made["n"])
    made = checkpoint_now(ctx)
    assert made is not None
    marks.append(made["n"])
    ctx.db.dispose()
    return marks


def rows(path: Path) -> list[tuple[int, float, str, str, str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT n, time, type, prev_hash, hash, record FROM audit ORDER BY n"
        ).fetchall()


def chain_hash(prev_hash: str, record_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + record_text.encode()).hexdigest()
