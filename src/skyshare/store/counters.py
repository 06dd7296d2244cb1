"""Monotonic counters kept in the database (the revision clock of notices and restrictions)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from skyshare.store.schema import counters

__all__ = ["next_value", "value"]


def next_value(conn: Connection, name: str) -> int:
    """The counter's next value; call inside a write transaction (serialised)."""
    cur = conn.execute(select(counters.c.value).where(counters.c.name == name)).scalar()
    if cur is None:
        conn.execute(counters.insert().values(name=name, value=1))
        return 1
    conn.execute(update(counters).where(counters.c.name == name).values(value=cur + 1))
    return int(cur) + 1


def value(conn: Connection, name: str) -> int:
    cur = conn.execute(select(counters.c.value).where(counters.c.name == name)).scalar()
    return int(cur or 0)
