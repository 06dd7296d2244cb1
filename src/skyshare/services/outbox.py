"""Writing events and audit entries inside a service's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import rfc8785

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
    """Append an entry to the hash chain: hash_n = SHA-256(hash_{n-1} ‖ JCS(record_n))."""
    from skyshare.audit.chain import entry_hash

    prev = audit_store.head(tx.conn)
    n, prev_hash = (1, GENESIS) if prev is None else (prev[0] + 1, prev[1])
    now = ctx.now()
    full = {"type": type, "time": format_rfc3339(now), **record}
    audit_store.insert(
        tx.conn,
        audit_store.AuditRow(
            n=n,
            time=now,
            type=type,
            prev_hash=prev_hash,
            hash=entry_hash(prev_hash, full),
            record=rfc8785.dumps(full).decode(),
            readers=tuple(sorted(set(readers))),
        ),
    )
    return n
