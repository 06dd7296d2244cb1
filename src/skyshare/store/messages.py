"""Hotline message rows: the signed body as received, its acknowledgement and overdue mark."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection, RowMapping

from skyshare.store import _json
from skyshare.store.schema import messages

__all__ = [
    "MessageRow",
    "due_overdue",
    "get",
    "insert",
    "list_for_party",
    "mark_acknowledged",
    "mark_overdue",
]


@dataclass(frozen=True, slots=True)
class MessageRow:
    """One message; ``sender`` is ``None`` for a message the service sent (a drill)."""

    id: str
    sender: str | None
    recipient: str
    conflict_id: str | None
    template: str | None
    params: dict[str, Any] | None
    text: str | None
    sent_at: float
    body: str
    signature: str
    created_at: float
    acknowledged_at: float | None = None
    ack_signature: str | None = None
    overdue_at: float | None = None


def _row(r: RowMapping) -> MessageRow:
    return MessageRow(
        id=r["id"],
        sender=r["sender"],
        recipient=r["recipient"],
        conflict_id=r["conflict_id"],
        template=r["template"],
        params=None if r["params"] is None else _json.loads(r["params"]),
        text=r["text"],
        sent_at=r["sent_at"],
        body=r["body"],
        signature=r["signature"],
        created_at=r["created_at"],
        acknowledged_at=r["acknowledged_at"],
        ack_signature=r["ack_signature"],
        overdue_at=r["overdue_at"],
    )


def insert(conn: Connection, m: MessageRow) -> None:
    conn.execute(
        messages.insert().values(
            id=m.id,
            sender=m.sender,
            recipient=m.recipient,
            conflict_id=m.conflict_id,
            template=m.template,
            params=None if m.params is None else _json.dumps(m.params),
            text=m.text,
            sent_at=m.sent_at,
            body=m.body,
            signature=m.signature,
            created_at=m.created_at,
        )
    )


def get(conn: Connection, message_id: str) -> MessageRow | None:
    r = conn.execute(select(messages).where(messages.c.id == message_id)).mappings().first()
    return None if r is None else _row(r)


def list_for_party(
    conn: Connection, party_id: str | None, after: float | None, limit: int
) -> list[MessageRow]:
    """Messages to or from ``party_id`` (every message when None), oldest first."""
    q = select(messages)
    if party_id is not None:
        q = q.where(or_(messages.c.sender == party_id, messages.c.recipient == party_id))
    if after is not None:
        q = q.where(messages.c.created_at > after)
    q = q.order_by(messages.c.created_at, messages.c.id).limit(limit)
    return [_row(r) for r in conn.execute(q).mappings()]


def mark_acknowledged(conn: Connection, message_id: str, at: float, signature: str) -> None:
    conn.execute(
        update(messages)
        .where(messages.c.id == message_id)
        .values(acknowledged_at=at, ack_signature=signature)
    )


def due_overdue(conn: Connection, received_before: float, limit: int = 1000) -> list[MessageRow]:
    """Unacknowledged messages received before ``received_before`` not yet marked overdue."""
    q = (
        select(messages)
        .where(
            and_(
                messages.c.acknowledged_at.is_(None),
                messages.c.overdue_at.is_(None),
                messages.c.created_at <= received_before,
            )
        )
        .order_by(messages.c.created_at)
        .limit(limit)
    )
    return [_row(r) for r in conn.execute(q).mappings()]


def mark_overdue(conn: Connection, message_id: str, at: float) -> None:
    conn.execute(update(messages).where(messages.c.id == message_id).values(overdue_at=at))
