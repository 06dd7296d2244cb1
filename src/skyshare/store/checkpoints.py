"""Signed checkpoints of the audit chain head (signing lives in ``skyshare.audit.chain``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from skyshare.store.schema import checkpoints

__all__ = ["CheckpointRow", "insert", "latest", "list_after"]


@dataclass(frozen=True, slots=True)
class CheckpointRow:
    n: int
    hash: str
    time: str
    signature: str


def insert(conn: Connection, cp: CheckpointRow) -> None:
    conn.execute(
        checkpoints.insert().values(n=cp.n, hash=cp.hash, time=cp.time, signature=cp.signature)
    )


def latest(conn: Connection) -> CheckpointRow | None:
    r = conn.execute(select(checkpoints).order_by(checkpoints.c.n.desc()).limit(1)).mappings()
    row = r.first()
    return (
        None if row is None else CheckpointRow(row["n"], row["hash"], row["time"], row["signature"])
    )


def list_after(conn: Connection, after: int = 0, limit: int | None = None) -> list[CheckpointRow]:
    q = select(checkpoints).where(checkpoints.c.n > after).order_by(checkpoints.c.n)
    if limit is not None:
        q = q.limit(limit)
    return [
        CheckpointRow(r["n"], r["hash"], r["time"], r["signature"])
        for r in conn.execute(q).mappings()
    ]
