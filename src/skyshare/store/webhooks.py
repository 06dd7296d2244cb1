"""Webhook registrations (on ``parties``) and deliveries, one row per (party, event)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection, RowMapping

from skyshare.store import _json
from skyshare.store import meta as meta_store
from skyshare.store.schema import event_audience, events, parties, webhook_deliveries

__all__ = [
    "ACTIVE",
    "Delivery",
    "DueDelivery",
    "cancel_pending",
    "due",
    "fan_out",
    "list_for_party",
    "mark_delivered",
    "mark_failed",
    "prune_delivered",
    "relay_cursor",
    "retarget",
    "set_webhook",
]

#: Deliveries still to be attempted.
ACTIVE = ("pending", "failing")
_CURSOR_KEY = "webhook_relay_seq"


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    party_id: str
    event_seq: int
    event_id: str
    event_type: str
    url: str
    status: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    last_status: int | None
    created_at: float
    delivered_at: float | None


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A delivery to attempt now, with what the request needs."""

    id: int
    party_id: str
    url: str
    secret: str
    attempts: int
    event: dict[str, Any]


def set_webhook(conn: Connection, party_id: str, url: str | None, secret: str | None) -> None:
    conn.execute(
        update(parties)
        .where(parties.c.id == party_id)
        .values(webhook_url=url, webhook_secret=secret)
    )


def any_webhook(conn: Connection) -> bool:
    """Whether any party has a webhook registered."""
    q = select(parties.c.id).where(parties.c.webhook_url.is_not(None)).limit(1)
    return conn.execute(q).first() is not None


def move_cursor_to_head(conn: Connection) -> None:
    """Put the relay cursor on the newest event (nothing older is to be delivered)."""
    meta_store.put(
        conn, _CURSOR_KEY, str(conn.execute(select(func.max(events.c.seq))).scalar() or 0)
    )


def relay_cursor(conn: Connection) -> int:
    """The last outbox seq the relay has turned into deliveries."""
    v = meta_store.get(conn, _CURSOR_KEY)
    return 0 if v is None else int(v)


def fan_out(conn: Connection, limit: int, now: float) -> int:
    """Create deliveries for up to ``limit`` events after the cursor; returns how many events.

    Both the rows and the advanced cursor are written in the caller's transaction, so a
    crash either keeps both or neither. SQLite has one writer, so events commit in ``seq``
    order and a cursor never passes an event that is yet to commit.
    """
    after = relay_cursor(conn)
    upto = conn.execute(
        select(func.max(events.c.seq)).where(
            events.c.seq.in_(
                select(events.c.seq).where(events.c.seq > after).order_by(events.c.seq).limit(limit)
            )
        )
    ).scalar()
    if upto is None:
        return 0
    rows = conn.execute(
        select(event_audience.c.seq, parties.c.id, parties.c.webhook_url)
        .join(parties, parties.c.id == event_audience.c.party_id)
        .where(
            event_audience.c.seq > after,
            event_audience.c.seq <= upto,
            parties.c.webhook_url.is_not(None),
        )
        .order_by(event_audience.c.seq)
    ).all()
    if rows:
        conn.execute(
            webhook_deliveries.insert(),
            [
                {
                    "party_id": party,
                    "event_seq": seq,
                    "url": url,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for seq, party, url in rows
            ],
        )
    meta_store.put(conn, _CURSOR_KEY, str(int(upto)))
    return int(upto) - after


def due(conn: Connection, now: float, limit: int, skip: Sequence[int]) -> list[DueDelivery]:
    """Deliveries whose next attempt is due, oldest first, except those in ``skip``."""
    q = (
        select(
            webhook_deliveries.c.id,
            webhook_deliveries.c.party_id,
            webhook_deliveries.c.url,
            webhook_deliveries.c.attempts,
            parties.c.webhook_secret,
            events.c.seq,
            events.c.id.label("event_id"),
            events.c.type,
            events.c.time,
            events.c.data,
        )
        .join(parties, parties.c.id == webhook_deliveries.c.party_id)
        .join(events, events.c.seq == webhook_deliveries.c.event_seq)
        .where(
            webhook_deliveries.c.status.in_(ACTIVE),
            webhook_deliveries.c.next_attempt_at <= now,
            parties.c.webhook_secret.is_not(None),
        )
        .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
        .limit(limit + len(skip))
    )
    skipped = set(skip)
    out: list[DueDelivery] = []
    for r in conn.execute(q).mappings():
        if r["id"] in skipped:
            continue
        out.append(
            DueDelivery(
                id=r["id"],
                party_id=r["party_id"],
                url=r["url"],
                secret=r["webhook_secret"],
                attempts=r["attempts"],
                event={
                    "seq": r["seq"],
                    "id": r["event_id"],
                    "type": r["type"],
                    "time": r["time"],
                    "data": _json.loads(r["data"]),
                },
            )
        )
        if len(out) >= limit:
            break
    return out


def mark_delivered(conn: Connection, delivery_id: int, status: int, now: float) -> None:
    conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id)
        .values(
            status="delivered",
            attempts=webhook_deliveries.c.attempts + 1,
            last_status=status,
            last_error=None,
            delivered_at=now,
        )
    )


def mark_failed(
    conn: Connection, delivery_id: int, error: str, status: int | None, next_at: float
) -> None:
    conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.status.in_(ACTIVE))
        .values(
            status="failing",
            attempts=webhook_deliveries.c.attempts + 1,
            last_status=status,
            last_error=error[:500],
            next_attempt_at=next_at,
        )
    )


def retarget(conn: Connection, party_id: str, url: str) -> None:
    """Send what is still undelivered to the party's new URL."""
    conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.party_id == party_id, webhook_deliveries.c.status.in_(ACTIVE))
        .values(url=url)
    )


def cancel_pending(conn: Connection, party_id: str) -> None:
    conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.party_id == party_id, webhook_deliveries.c.status.in_(ACTIVE))
        .values(status="cancelled")
    )


def _delivery(r: RowMapping) -> Delivery:
    return Delivery(
        id=r["id"],
        party_id=r["party_id"],
        event_seq=r["event_seq"],
        event_id=r["event_id"],
        event_type=r["type"],
        url=r["url"],
        status=r["status"],
        attempts=r["attempts"],
        next_attempt_at=r["next_attempt_at"],
        last_error=r["last_error"],
        last_status=r["last_status"],
        created_at=r["created_at"],
        delivered_at=r["delivered_at"],
    )


def list_for_party(
    conn: Connection,
    party_id: str | None,
    statuses: Sequence[str] | None,
    after: int,
    limit: int,
) -> list[Delivery]:
    """Deliveries (of one party, or all) after id ``after``, oldest first."""
    q = (
        select(webhook_deliveries, events.c.id.label("event_id"), events.c.type)
        .join(events, events.c.seq == webhook_deliveries.c.event_seq)
        .where(webhook_deliveries.c.id > after)
    )
    if party_id is not None:
        q = q.where(webhook_deliveries.c.party_id == party_id)
    if statuses:
        q = q.where(webhook_deliveries.c.status.in_(list(statuses)))
    q = q.order_by(webhook_deliveries.c.id).limit(limit)
    return [_delivery(r) for r in conn.execute(q).mappings()]


def prune_delivered(conn: Connection, before_s: float) -> int:
    """Forget deliveries that ended (delivered or cancelled) before ``before_s``."""
    result = conn.execute(
        delete(webhook_deliveries).where(
            webhook_deliveries.c.status.in_(("delivered", "cancelled")),
            func.coalesce(webhook_deliveries.c.delivered_at, webhook_deliveries.c.created_at)
            < before_s,
        )
    )
    return int(result.rowcount or 0)
