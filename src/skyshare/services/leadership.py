"""The leader lease: exactly one process runs the detector, the relay and the timers.

Several API processes share one database; the background loops must run once. A process
holds the lease for ``ttl_s`` and renews it well before it ends; a process that cannot renew
(it died, or lost the database) stops leading before its lease runs out, and a standby takes
over once it has. The database is the referee, so clocks must agree to well under ``ttl_s``
(one machine, or NTP).
"""

from __future__ import annotations

import os
import socket
import uuid

from skyshare.services.context import Context
from skyshare.store import leases

__all__ = ["LEADER", "holder", "new_holder_id", "release", "take"]

#: The lease of the background loops.
LEADER = "leader"


def new_holder_id() -> str:
    """A name for this process's claim: host, pid and a nonce (pids are reused)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def take(ctx: Context, holder_id: str, ttl_s: float, name: str = LEADER) -> bool:
    with ctx.db.write() as tx:
        return leases.take(tx.conn, name, holder_id, ctx.now(), ttl_s)


def release(ctx: Context, holder_id: str, name: str = LEADER) -> None:
    with ctx.db.write() as tx:
        leases.release(tx.conn, name, holder_id)


def holder(ctx: Context, name: str = LEADER) -> str | None:
    with ctx.db.read() as conn:
        return leases.holder(conn, name, ctx.now())
