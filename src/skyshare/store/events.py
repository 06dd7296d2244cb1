"""The outbox: events written in the same transaction as the change they announce.

Sequence numbers are assigned here, one past the newest, inside the write transaction that
holds the single writer: a rolled-back writer leaves no gap (a database sequence would), so
readers see seq 1, 2, 3 … in commit order on both backends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from skyshare.ids import time_ordered_uuid
from skyshare.store import _json
from skyshare.store.database import insert_rows
from skyshare.store.schema import event_audience, events

__all__ = ["StoredEvent", "append", "append_many", "last_seq", "list_after"]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    id: str
    type: str
    time: float
    data: dict[str, Any]


_INSERT = events.insert()
_INSERT_AUDIENCE = event_audience.insert()


def append(
    conn: Connection, type: str, data: dict[str, Any], audience: Iterable[str], now: float
) -> int:
    """Append an event visible to ``audience`` (party ids); returns its sequence number."""
    seq = last_seq(conn) + 1
    conn.execute(
        _INSERT,
        {
            "seq": seq,
            "id": time_ordered_uuid(now),
            "type": type,
            "time": now,
            "data": _json.dumps(data),
        },
    )
    conn.info["events_written"] = True
    readers = [{"party_id": p, "seq": seq} for p in sorted(set(audience))]
    if readers:
        conn.execute(_INSERT_AUDIENCE, readers)
    return seq


def append_many(
    conn: Connection, items: Sequence[tuple[str, dict[str, Any], Iterable[str]]], now: float
) -> list[int]:
    """Append many events (type, data, audience) in two statements; returns their seqs."""
    if not items:
        return []
    first = last_seq(conn) + 1
    seqs = list(range(first, first + len(items)))
    rows = [
        {"seq": seq, "id": time_ordered_uuid(now), "type": t, "time": now, "data": _json.dumps(d)}
        for seq, (t, d, _) in zip(seqs, items, strict=True)
    ]
    insert_rows(conn, events, rows)
    conn.info["events_written"] = True
    readers = [
        {"party_id": p, "seq": seq}
        for seq, (_, _, audience) in zip(seqs, items, strict=True)
        for p in sorted(set(audience))
    ]
    insert_rows(conn, event_audience, readers)
    return seqs


def list_after(conn: Connection, party_id: str | None, after: int, limit: int) -> list[StoredEvent]:
    """Events after ``after`` visible to a party (every event when ``party_id`` is None)."""
    if party_id is None:
        q = select(events).where(events.c.seq > after)
    else:
        q = (
            select(events)
            .join(event_audience, event_audience.c.seq == events.c.seq)
            .where(event_audience.c.party_id == party_id, events.c.seq > after)
        )
    q = q.order_by(events.c.seq).limit(limit)
    return [
        StoredEvent(r["seq"], r["id"], r["type"], r["time"], _json.loads(r["data"]))
        for r in conn.execute(q).mappings()
    ]


_LAST_SEQ = select(func.max(events.c.seq))


def last_seq(conn: Connection) -> int:
    return int(conn.execute(_LAST_SEQ).scalar() or 0)
