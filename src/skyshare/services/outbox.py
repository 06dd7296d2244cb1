"""Writing events and audit entries inside a service's transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from skyshare.audit.jcs import canonical_json
from skyshare.services.context import Context
from skyshare.store import audit as audit_store
from skyshare.store import events as event_store
from skyshare.store.database import Tx
from skyshare.timefmt import format_rfc3339

__all__ = ["EVERYONE", "GENESIS", "audit", "audit_many", "emit", "emit_many"]

GENESIS = "0" * 64
#: Readers of an audit entry every party may read.
EVERYONE = "*"


def emit(ctx: Context, tx: Tx, type: str, data: dict[str, Any], audience: Iterable[str]) -> int:
    """Append an event to the outbox; listeners hear of it only after commit."""
    seq = event_store.append(tx.conn, type, data, audience, ctx.now())
    if ctx.events_committed not in tx.after_commit:
        tx.on_commit(ctx.events_committed)
    return seq


def emit_many(
    ctx: Context, tx: Tx, items: Sequence[tuple[str, dict[str, Any], Iterable[str]]]
) -> list[int]:
    """Append many events at once (bulk imports); listeners hear after commit."""
    seqs = event_store.append_many(tx.conn, items, ctx.now())
    if seqs and ctx.events_committed not in tx.after_commit:
        tx.on_commit(ctx.events_committed)
    return seqs


def audit(ctx: Context, tx: Tx, type: str, record: dict[str, Any], readers: Iterable[str]) -> int:
    """Append an entry to the hash chain: hash_n = SHA-256(hash_{n-1} ‖ JCS(record_n))."""
    return audit_many(ctx, tx, [(type, record, readers)])


def audit_many(
    ctx: Context, tx: Tx, entries: Sequence[tuple[str, dict[str, Any], Iterable[str]]]
) -> int:
    """Append entries in order in one statement; returns the last entry's number.

    The canonical bytes are made once and both hashed and stored, so the stored record is
    exactly what was hashed (``audit.chain.entry_hash`` computes the same; a test checks).
    The head is read once per transaction (one writer holds it), then carried along.
    """
    if "audit_head" not in tx.memo:
        tx.memo["audit_head"] = audit_store.head(tx.conn) or (0, GENESIS)
    n: int
    prev_hash: str
    n, prev_hash = tx.memo["audit_head"]
    now = ctx.now()
    stamp = format_rfc3339(now)
    rows: list[audit_store.AuditRow] = []
    for type, record, readers in entries:
        n += 1
        canonical = canonical_json({"type": type, "time": stamp, **record})
        digest = hashlib.sha256(bytes.fromhex(prev_hash) + canonical).hexdigest()
        rows.append(
            audit_store.AuditRow(
                n=n,
                time=now,
                type=type,
                prev_hash=prev_hash,
                hash=digest,
                record=canonical.decode(),
                readers=tuple(sorted(set(readers))),
            )
        )
        prev_hash = digest
    if rows:
        audit_store.insert_many(tx.conn, rows)
    tx.memo["audit_head"] = (n, prev_hash)
    return n
