"""Reads the live detector needs at start and per cycle: its conflicts, revisions, escalations."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from skyshare.model.conflict import Conflict
from skyshare.store import _json
from skyshare.store.conflicts import LIVE, get
from skyshare.store.schema import conflicts, events, notices, restrictions

__all__ = ["escalated_ids", "live_aircraft_conflicts", "revisions"]


def live_aircraft_conflicts(conn: Connection) -> list[Conflict]:
    """Open or acknowledged conflicts whose subjects include an aircraft."""
    ids = conn.execute(
        select(conflicts.c.id).where(
            conflicts.c.status.in_(LIVE), conflicts.c.identity.contains(":aircraft:")
        )
    ).scalars()
    out: list[Conflict] = []
    for cid in list(ids):
        c = get(conn, cid)
        if c is not None:
            out.append(c)
    return out


def escalated_ids(conn: Connection, since_s: float) -> set[str]:
    """Conflicts announced as escalated since ``since_s``: the outbox is the record of it."""
    rows = conn.execute(
        select(events.c.data).where(events.c.type == "conflict.escalated", events.c.time >= since_s)
    ).scalars()
    return {str(_json.loads(d)["id"]) for d in rows}


_REVISIONS = select(
    select(func.max(notices.c.rev)).scalar_subquery(),
    select(func.max(restrictions.c.rev)).scalar_subquery(),
)


def revisions(conn: Connection) -> tuple[int, int]:
    """The newest revision of notices and of restrictions (0 when none), in one round trip:
    a write reads them under the writer lock, where every round trip holds up the others."""
    n, r = conn.execute(_REVISIONS).one()
    return int(n or 0), int(r or 0)
