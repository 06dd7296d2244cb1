"""Monotonic counters kept in the database (the revision clock of notices and restrictions)."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from skyshare.store.schema import counters

__all__ = ["next_value", "reserve", "value"]


_BUMP = (
    update(counters)
    .where(counters.c.name == bindparam("b_name"))
    .values(value=counters.c.value + bindparam("b_by"))
    .returning(counters.c.value)
)


def next_value(conn: Connection, name: str) -> int:
    """The counter's next value; call inside a write transaction (serialised)."""
    return reserve(conn, name, 1)


def value(conn: Connection, name: str) -> int:
    cur = conn.execute(select(counters.c.value).where(counters.c.name == name)).scalar()
    return int(cur or 0)


def reserve(conn: Connection, name: str, count: int) -> int:
    """Reserve ``count`` consecutive values; returns the first."""
    last = conn.execute(_BUMP, {"b_name": name, "b_by": count}).scalar()
    if last is None:
        conn.execute(counters.insert(), {"name": name, "value": count})
        return 1
    return int(last) - count + 1
