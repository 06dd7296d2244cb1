"""Audit rows: the append-only hash chain (hashing lives in ``skyshare.audit.chain``)."""

from __future__ import annotations

import functools
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from skyshare.store import _json
from skyshare.store.database import insert_rows
from skyshare.store.schema import audit

__all__ = ["AuditRow", "head", "insert", "insert_many", "iter_chain", "iter_rows"]


@dataclass(frozen=True, slots=True)
class AuditRow:
    n: int
    time: float
    type: str
    prev_hash: str
    hash: str
    record: str
    readers: tuple[str, ...]


def head(conn: Connection) -> tuple[int, str] | None:
    """(n, hash) of the newest entry."""
    row = conn.execute(select(audit.c.n, audit.c.hash).order_by(audit.c.n.desc()).limit(1)).first()
    return None if row is None else (int(row[0]), str(row[1]))


def insert(conn: Connection, row: AuditRow) -> None:
    insert_many(conn, [row])


@functools.lru_cache(maxsize=256)
def _readers_json(readers: tuple[str, ...]) -> str:
    """The stored readers column; the same few reader sets recur on every entry."""
    return _json.dumps(list(readers))


def insert_many(conn: Connection, rows: Sequence[AuditRow]) -> None:
    """Append entries in one batch (``insert_rows``): a notice with dozens of conflicts
    appends dozens of entries at once."""
    insert_rows(
        conn,
        audit,
        [
            {
                "n": r.n,
                "time": r.time,
                "type": r.type,
                "prev_hash": r.prev_hash,
                "hash": r.hash,
                "record": r.record,
                "readers": _readers_json(r.readers),
            }
            for r in rows
        ],
    )


def iter_rows(conn: Connection, after: int = 0, limit: int | None = None) -> Iterator[AuditRow]:
    q = select(audit).where(audit.c.n > after).order_by(audit.c.n)
    if limit is not None:
        q = q.limit(limit)
    for r in conn.execute(q).mappings():
        yield AuditRow(
            r["n"],
            r["time"],
            r["type"],
            r["prev_hash"],
            r["hash"],
            r["record"],
            tuple(_json.loads(r["readers"])),
        )


def iter_chain(
    conn: Connection, after: int = 0, upto: int | None = None
) -> Generator[tuple[int, float, str, str, str, str], None, None]:
    """``(n, time, type, prev_hash, hash, record)`` of entries ``after < n ≤ upto``, in order.

    Plain tuples from the driver's own cursor, in the connection's transaction: verifying
    10^6 entries must stay fast, and SQLAlchemy's row objects cost a third of the read.
    """
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"{_CHAIN_SQL} WHERE n > {mark}"
    params: tuple[int, ...] = (after,)
    if upto is not None:
        sql += f" AND n <= {mark}"
        params = (after, upto)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.arraysize = 10_000
        cursor.execute(sql + " ORDER BY n", params)
        while rows := cursor.fetchmany():
            yield from rows
    finally:
        cursor.close()


def last_n(conn: Connection) -> int:
    """The highest entry number (0 for an empty log)."""
    return int(conn.execute(select(func.max(audit.c.n))).scalar() or 0)


#: Constant text; only the driver's placeholders are added (never values).
_CHAIN_SQL = "SELECT n, time, type, prev_hash, hash, record FROM audit"
