"""Restriction rows; (source, source_id) identifies an imported zone across re-imports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection, RowMapping

from skyshare.model.restriction import Restriction, schedule_from_json, schedule_to_json
from skyshare.model.volume import volume_from_stored, volume_to_json
from skyshare.store import _json
from skyshare.store.counters import next_value
from skyshare.store.notices import REV
from skyshare.store.schema import restrictions

__all__ = ["by_ids", "by_source", "changed_since", "exists", "get", "list_live", "upsert"]


def _restriction(row: RowMapping) -> Restriction:
    return Restriction(
        id=row["id"],
        name=row["name"],
        source=row["source"] or "",
        source_id=row["source_id"] or "",
        type=row["type"] or "",
        volumes=tuple(volume_from_stored(v) for v in _json.loads(row["volumes"])),
        schedule=None
        if row["schedule"] is None
        else schedule_from_json(_json.loads(row["schedule"])),
    )


def get(conn: Connection, rid: str) -> Restriction | None:
    row = (
        conn.execute(
            select(restrictions).where(
                restrictions.c.id == rid, restrictions.c.deleted_at.is_(None)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else _restriction(row)


def by_source(conn: Connection, source: str, source_id: str) -> str | None:
    """The id of the live restriction imported from ``source`` as ``source_id``."""
    v = conn.execute(
        select(restrictions.c.id).where(
            restrictions.c.source == source, restrictions.c.source_id == source_id
        )
    ).scalar()
    return None if v is None else str(v)


def exists(conn: Connection, rid: str) -> bool:
    """Whether a row has this id, deleted or not."""
    return (
        conn.execute(select(restrictions.c.id).where(restrictions.c.id == rid)).first() is not None
    )


def upsert(conn: Connection, r: Restriction, now: float, *, create: bool) -> int:
    assert r.id is not None
    rev = next_value(conn, REV)
    values = {
        "name": r.name,
        "source": r.source or None,
        "source_id": r.source_id or None,
        "type": r.type or None,
        "volumes": _json.dumps([volume_to_json(v) for v in r.volumes]),
        "schedule": None if r.schedule is None else _json.dumps(schedule_to_json(r.schedule)),
        "updated_at": now,
        "deleted_at": None,
        "rev": rev,
    }
    if create:
        conn.execute(restrictions.insert().values(id=r.id, created_at=now, **values))
    else:
        conn.execute(update(restrictions).where(restrictions.c.id == r.id).values(**values))
    return rev


_CHANGED = (
    select(restrictions).where(restrictions.c.rev > bindparam("b_rev")).order_by(restrictions.c.rev)
)


def changed_since(conn: Connection, rev: int) -> Iterable[tuple[int, str, Restriction | None]]:
    for row in conn.execute(_CHANGED, {"b_rev": rev}).mappings():
        yield row["rev"], row["id"], (None if row["deleted_at"] is not None else _restriction(row))


def by_ids(conn: Connection, ids: Sequence[str]) -> list[Restriction]:
    out: list[tuple[float, Restriction]] = []
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            select(restrictions).where(
                restrictions.c.id.in_(ids[start : start + 500]), restrictions.c.deleted_at.is_(None)
            )
        ).mappings()
        out.extend((r["created_at"], _restriction(r)) for r in rows)
    out.sort(key=lambda p: (p[0], p[1].id or ""))
    return [r for _, r in out]


def list_live(conn: Connection, limit: int) -> list[Restriction]:
    rows = conn.execute(
        select(restrictions)
        .where(restrictions.c.deleted_at.is_(None))
        .order_by(restrictions.c.created_at, restrictions.c.id)
        .limit(limit)
    ).mappings()
    return [_restriction(r) for r in rows]
