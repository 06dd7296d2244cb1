"""Key-value settings kept in the database (admin credential hash, service keys)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from skyshare.store.schema import meta

__all__ = ["get", "put"]


def get(conn: Connection, key: str) -> str | None:
    v = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
    return None if v is None else str(v)


def put(conn: Connection, key: str, value: str) -> None:
    if get(conn, key) is None:
        conn.execute(meta.insert().values(key=key, value=value))
    else:
        conn.execute(update(meta).where(meta.c.key == key).values(value=value))
