"""Link-test drill rows: one per party per round, tied to the message the service sent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from skyshare.store.schema import drills

__all__ = ["DrillRow", "by_message", "insert", "last_sent_at", "list_all", "update_row"]


@dataclass(frozen=True, slots=True)
class DrillRow:
    id: str
    party_id: str
    message_id: str
    sent_at: float
    acknowledged_at: float | None = None
    missed: bool = False


def insert(conn: Connection, d: DrillRow) -> None:
    conn.execute(
        drills.insert().values(
            id=d.id,
            party_id=d.party_id,
            message_id=d.message_id,
            sent_at=d.sent_at,
            acknowledged_at=d.acknowledged_at,
            missed=d.missed,
        )
    )


def by_message(conn: Connection, message_id: str) -> DrillRow | None:
    r = conn.execute(select(drills).where(drills.c.message_id == message_id)).mappings().first()
    if r is None:
        return None
    return DrillRow(
        r["id"], r["party_id"], r["message_id"], r["sent_at"], r["acknowledged_at"], r["missed"]
    )


def update_row(conn: Connection, d: DrillRow) -> None:
    conn.execute(
        update(drills)
        .where(drills.c.id == d.id)
        .values(acknowledged_at=d.acknowledged_at, missed=d.missed)
    )


def last_sent_at(conn: Connection) -> float | None:
    v = conn.execute(select(func.max(drills.c.sent_at))).scalar()
    return None if v is None else float(v)


def list_all(conn: Connection, limit: int) -> list[DrillRow]:
    """The newest ``limit`` drills, oldest first."""
    q = select(drills).order_by(drills.c.sent_at.desc(), drills.c.id).limit(limit)
    rows = [
        DrillRow(
            r["id"], r["party_id"], r["message_id"], r["sent_at"], r["acknowledged_at"], r["missed"]
        )
        for r in conn.execute(q).mappings()
    ]
    rows.reverse()
    return rows
