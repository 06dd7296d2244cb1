"""Reading the outbox as a party sees it."""

from __future__ import annotations

from typing import Any

from skyshare.services.context import Caller, Context
from skyshare.store import events as event_store
from skyshare.timefmt import format_rfc3339

__all__ = ["event_json", "events_after", "last_seq"]


def event_json(e: event_store.StoredEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "id": e.id,
        "type": e.type,
        "time": format_rfc3339(e.time),
        "data": e.data,
    }


def events_after(
    ctx: Context, caller: Caller, after: int, limit: int = 1000
) -> list[dict[str, Any]]:
    """Events after ``after`` the caller may see (the administrator sees all)."""
    with ctx.db.read() as conn:
        found = event_store.list_after(conn, caller.party_id, after, limit)
    return [event_json(e) for e in found]


def last_seq(ctx: Context) -> int:
    """The newest sequence number in the outbox (0 when empty): where a fresh reader starts."""
    with ctx.db.read() as conn:
        return event_store.last_seq(conn)
