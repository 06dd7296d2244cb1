"""Restriction rows; (source, source_id) identifies an imported zone across re-imports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection, RowMapping

from skyshare.model.restriction import Restriction, schedule_from_json
from skyshare.model.volume import volume_from_stored
from skyshare.store import _json
from skyshare.store.counters import reserve
from skyshare.store.notices import REV
from skyshare.store.schema import restrictions

__all__ = [
    "StoredState",
    "by_ids",
    "changed_since",
    "content_of",
    "get",
    "list_live",
    "states",
    "write_many",
]


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


_CHANGED = (
    select(restrictions).where(restrictions.c.rev > bindparam("b_rev")).order_by(restrictions.c.rev)
)


@dataclass(frozen=True, slots=True)
class StoredState:
    """What re-imports compare against: the row's id, whether deleted, and its content."""

    id: str
    deleted: bool
    content: tuple[object, ...]


def _content(values: dict[str, object]) -> tuple[object, ...]:
    return tuple(values[k] for k in ("name", "type", "volumes", "schedule"))


def _row_values(doc: dict[str, Any]) -> dict[str, object]:
    """Column values from a restriction's JSON (``restriction_to_json``)."""
    return {
        "name": doc["name"],
        "source": doc["source"] or None,
        "source_id": doc["source_id"] or None,
        "type": doc["type"] or None,
        "volumes": _json.dumps(doc["volumes"]),
        "schedule": None if doc["schedule"] is None else _json.dumps(doc["schedule"]),
    }


_STATE_BY_SOURCE = select(restrictions).where(restrictions.c.source == bindparam("b_source"))
_STATE_BY_IDS = select(restrictions).where(
    restrictions.c.id.in_(bindparam("b_ids", expanding=True))
)
_INSERT = restrictions.insert()
_UPDATE = update(restrictions).where(restrictions.c.id == bindparam("b_id"))


def states(
    conn: Connection, sources: Iterable[str], ids: Sequence[str]
) -> tuple[dict[tuple[str, str], StoredState], dict[str, StoredState]]:
    """Stored rows by (source, source_id) for these sources, and by id for these ids."""
    by_source: dict[tuple[str, str], StoredState] = {}
    by_id: dict[str, StoredState] = {}

    def state(row: RowMapping) -> StoredState:
        return StoredState(row["id"], row["deleted_at"] is not None, _content(dict(row)))

    for source in sources:
        for row in conn.execute(_STATE_BY_SOURCE, {"b_source": source}).mappings():
            st = state(row)
            by_id[st.id] = st
            if row["source_id"] is not None:
                by_source[(source, row["source_id"])] = st
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        for row in conn.execute(_STATE_BY_IDS, {"b_ids": chunk}).mappings():
            by_id[row["id"]] = state(row)
    return by_source, by_id


def write_many(
    conn: Connection,
    creates: Sequence[dict[str, Any]],
    updates: Sequence[dict[str, Any]],
    now: float,
) -> None:
    """Insert and update restrictions (their JSON, with ids) in two statement batches."""
    total = len(creates) + len(updates)
    if total == 0:
        return
    rev = reserve(conn, REV, total)
    if creates:
        conn.execute(
            _INSERT,
            [
                {
                    "id": r["id"],
                    **_row_values(r),
                    "created_at": now,
                    "updated_at": now,
                    "deleted_at": None,
                    "rev": rev + i,
                }
                for i, r in enumerate(creates)
            ],
        )
    if updates:
        base = rev + len(creates)
        conn.execute(
            _UPDATE,
            [
                {
                    "b_id": r["id"],
                    **_row_values(r),
                    "updated_at": now,
                    "deleted_at": None,
                    "rev": base + i,
                }
                for i, r in enumerate(updates)
            ],
        )


def content_of(doc: dict[str, Any]) -> tuple[object, ...]:
    """The comparable content of a restriction's JSON as it would be stored."""
    return _content(_row_values(doc))


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
