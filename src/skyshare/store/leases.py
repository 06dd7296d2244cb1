"""Leases: which process holds a role (the detector, the relay) until when."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from skyshare.store.schema import leases

__all__ = ["holder", "release", "take"]


def take(conn: Connection, name: str, holder_id: str, now: float, ttl_s: float) -> bool:
    """Take or renew ``name`` for ``ttl_s`` if free, expired or already ours.

    Call inside a write transaction: the single writer makes read-then-write race-free.
    """
    row = conn.execute(
        select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)
    ).first()
    if row is None:
        conn.execute(leases.insert().values(name=name, holder=holder_id, expires_at=now + ttl_s))
        return True
    if row.holder != holder_id and row.expires_at > now:
        return False
    conn.execute(
        update(leases).where(leases.c.name == name).values(holder=holder_id, expires_at=now + ttl_s)
    )
    return True


def release(conn: Connection, name: str, holder_id: str) -> None:
    """Give ``name`` up at once, so a standby need not wait out the lease."""
    conn.execute(
        update(leases)
        .where(leases.c.name == name, leases.c.holder == holder_id)
        .values(expires_at=0.0)
    )


def holder(conn: Connection, name: str, now: float) -> str | None:
    """Who holds ``name`` now (None when free or expired)."""
    row = conn.execute(
        select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)
    ).first()
    return None if row is None or row.expires_at <= now else str(row.holder)
