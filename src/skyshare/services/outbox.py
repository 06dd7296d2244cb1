"""Writing events and audit entries inside a service's transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from skyshare.audit.jcs import canonical_json
from skyshare.services.context import Context
from skyshare.store import audit as audit_store
from skyshare.store import events as event_store
from skyshare.store.database import Tx
from skyshare.timefmt import format_rfc3339

__all__ = ["GENESIS", "audit", "emit"]

GENESIS = "0" * 64
#: Readers of an audit entry every party may read.
EVERYONE = "*"


def emit(ctx: Context, tx: Tx, type: str, data: dict[str, Any], audience: Iterable[str]) -> int:
    """Append an event to the outbox; listeners hear of it only after commit."""
    seq = event_store.append(tx.conn, type, data, audience, ctx.now())
    if ctx.events_committed not in tx.after_commit:
        tx.on_commit(ctx.events_committed)
    return seq


def audit(ctx: Context, tx: Tx, type: str, record: dict[str, Any], readers: Iterable[str]) -> int:
    """Append an entry to the hash chain: hash_n = SHA-256(hash_{n-1} ‖ JCS(record_n)).

    The canonical bytes are made once and both hashed and stored, so the stored record is
    exactly what was hashed (``audit.chain.entry_hash`` computes the same; a test checks).
    """

    # The head is read once per transaction (one writer holds it), then carried along.
    if "audit_head" not in tx.memo:
        tx.memo["audit_head"] = audit_store.head(tx.conn) or (0, GENESIS)
    last_n: int
    prev_hash: str
    last_n, prev_hash = tx.memo["audit_head"]
    n = last_n + 1
    now = ctx.now()
    full = {"type": type, "time": format_rfc3339(now), **record}
    canonical = canonical_json(full)
    digest = hashlib.sha256(bytes.fromhex(prev_hash) + canonical).hexdigest()  # entry_hash
    audit_store.insert(
        tx.conn,
        audit_store.AuditRow(
            n=n,
            time=now,
            type=type,
            prev_hash=prev_hash,
            hash=digest,
            record=canonical.decode(),
            readers=tuple(sorted(set(readers))),
        ),
    )
    tx.memo["audit_head"] = (n, digest)
    return n
