"""Notice rows. Deletion is soft (``deleted_at``) so the revision log stays complete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.engine import Connection, RowMapping

from skyshare.model.notice import Notice, NoticeDocument, NoticeState
from skyshare.model.volume import volume_from_stored, volume_to_json
from skyshare.store import _json
from skyshare.store.counters import next_value, reserve
from skyshare.store.schema import notices

__all__ = [
    "NoticeHead",
    "by_ids",
    "changed_since",
    "documents_by_ids",
    "exists_any",
    "get",
    "heads_by_ids",
    "insert_many",
    "list_live_documents",
    "lookup",
    "soft_delete",
    "upsert",
    "volumes_docs_by_ids",
]

REV = "rev"


def _notice(row: RowMapping) -> Notice:
    return Notice(
        id=row["id"],
        owner=row["owner"],
        state=NoticeState(row["state"]),
        priority=row["priority"],
        ovn=row["ovn"],
        late=bool(row["late"]),
        volumes=tuple(volume_from_stored(v) for v in _json.loads(row["volumes"])),
        private=None if row["private"] is None else _json.loads(row["private"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _document(row: RowMapping) -> NoticeDocument:
    return NoticeDocument(
        id=row["id"],
        owner=row["owner"],
        state=NoticeState(row["state"]),
        priority=row["priority"],
        ovn=row["ovn"],
        late=bool(row["late"]),
        volumes=_json.loads(row["volumes"]),
        private=None if row["private"] is None else _json.loads(row["private"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


# Statements are built once: SQLAlchemy then reuses their cache keys and compiled forms.
_BY_ID = select(notices).where(notices.c.id == bindparam("b_id"))
_BY_IDS = select(notices).where(
    notices.c.id.in_(bindparam("b_ids", expanding=True)), notices.c.deleted_at.is_(None)
)
_UPDATE = update(notices).where(notices.c.id == bindparam("b_id"))
_INSERT = notices.insert()
_CHANGED = select(notices).where(notices.c.rev > bindparam("b_rev")).order_by(notices.c.rev)


@dataclass(frozen=True, slots=True)
class NoticeHead:
    """What a strategic check needs of another party's notice: no volumes.

    A new notice can meet dozens of others: reading their owner, ovn and priority without
    their volumes keeps the check fast; only a refusal that lists them reads those
    (:func:`volumes_docs_by_ids`).
    """

    id: str
    owner: str
    ovn: str
    priority: int


_HEADS_BY_IDS = select(notices.c.id, notices.c.owner, notices.c.ovn, notices.c.priority).where(
    notices.c.id.in_(bindparam("b_ids", expanding=True)), notices.c.deleted_at.is_(None)
)
_VOLUMES_BY_IDS = select(notices.c.id, notices.c.volumes).where(
    notices.c.id.in_(bindparam("b_ids", expanding=True)), notices.c.deleted_at.is_(None)
)


def heads_by_ids(conn: Connection, ids: Sequence[str]) -> dict[str, NoticeHead]:
    """Live notices with these ids, as heads, by id."""
    out: dict[str, NoticeHead] = {}
    for start in range(0, len(ids), 500):
        rows = conn.execute(_HEADS_BY_IDS, {"b_ids": list(ids[start : start + 500])}).all()
        for row in rows:
            out[row[0]] = NoticeHead(row[0], row[1], row[2], int(row[3]))
    return out


def volumes_docs_by_ids(conn: Connection, ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The volumes of live notices, in their stored F3548 JSON shape, by id."""
    out: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(ids), 500):
        for row in conn.execute(_VOLUMES_BY_IDS, {"b_ids": list(ids[start : start + 500])}):
            out[row[0]] = _json.loads(row[1])
    return out


def lookup(conn: Connection, notice_id: str) -> tuple[Notice | None, bool]:
    """(the live notice or None, whether the id was ever used — deleted notices included)."""
    row = conn.execute(_BY_ID, {"b_id": notice_id}).mappings().first()
    if row is None:
        return None, False
    return (None if row["deleted_at"] is not None else _notice(row)), True


def get(conn: Connection, notice_id: str) -> Notice | None:
    """The live notice with this id."""
    return lookup(conn, notice_id)[0]


def exists_any(conn: Connection, notice_id: str) -> bool:
    """Whether the id was ever used, deleted or not."""
    return lookup(conn, notice_id)[1]


def upsert(conn: Connection, notice: Notice, *, create: bool) -> int:
    """Write a notice; returns its new revision number."""
    rev = next_value(conn, REV)
    values = {
        "owner": notice.owner,
        "state": notice.state.value,
        "priority": notice.priority,
        "ovn": notice.ovn,
        "late": notice.late,
        "volumes": _json.dumps([volume_to_json(v) for v in notice.volumes]),
        "private": None if notice.private is None else _json.dumps(notice.private),
        "updated_at": notice.updated_at,
        "rev": rev,
    }
    if create:
        conn.execute(_INSERT, {"id": notice.id, "created_at": notice.created_at, **values})
    else:
        conn.execute(_UPDATE, {"b_id": notice.id, **values})
    return rev


def insert_many(conn: Connection, items: Sequence[Notice]) -> None:
    """Insert new notices in one statement batch (bulk loads: seeding, benchmarks)."""
    first = reserve(conn, REV, len(items))
    conn.execute(
        notices.insert(),
        [
            {
                "id": n.id,
                "owner": n.owner,
                "state": n.state.value,
                "priority": n.priority,
                "ovn": n.ovn,
                "late": n.late,
                "volumes": _json.dumps([volume_to_json(v) for v in n.volumes]),
                "private": None if n.private is None else _json.dumps(n.private),
                "created_at": n.created_at,
                "updated_at": n.updated_at,
                "rev": first + i,
            }
            for i, n in enumerate(items)
        ],
    )


def soft_delete(conn: Connection, notice_id: str, now: float) -> int:
    rev = next_value(conn, REV)
    conn.execute(
        update(notices)
        .where(notices.c.id == notice_id)
        .values(deleted_at=now, updated_at=now, state=NoticeState.ENDED.value, rev=rev)
    )
    return rev


def changed_since(conn: Connection, rev: int) -> Iterable[tuple[int, str, Notice | None]]:
    """(rev, id, notice or None when deleted) for every notice written after ``rev``."""
    for row in conn.execute(_CHANGED, {"b_rev": rev}).mappings():
        yield row["rev"], row["id"], (None if row["deleted_at"] is not None else _notice(row))


def by_ids(conn: Connection, ids: Sequence[str]) -> list[Notice]:
    """Live notices with these ids, in order of creation."""
    out = [_notice(r) for r in _rows_by_ids(conn, ids)]
    out.sort(key=lambda n: (n.created_at, n.id))
    return out


def documents_by_ids(conn: Connection, ids: Sequence[str]) -> list[NoticeDocument]:
    """:func:`by_ids` to show, volumes unparsed (:class:`NoticeDocument`)."""
    out = [_document(r) for r in _rows_by_ids(conn, ids)]
    out.sort(key=lambda n: (n.created_at, n.id))
    return out


def _rows_by_ids(conn: Connection, ids: Sequence[str]) -> list[RowMapping]:
    rows: list[RowMapping] = []
    for start in range(0, len(ids), 500):
        rows.extend(conn.execute(_BY_IDS, {"b_ids": list(ids[start : start + 500])}).mappings())
    return rows


def list_live_documents(conn: Connection, *, limit: int | None = None) -> list[NoticeDocument]:
    """Live notices to show, oldest first, volumes unparsed (:class:`NoticeDocument`)."""
    return [_document(r) for r in conn.execute(_live_query(limit)).mappings()]


def _live_query(limit: int | None) -> Select[Any]:
    q = (
        select(notices)
        .where(notices.c.deleted_at.is_(None))
        .order_by(notices.c.created_at, notices.c.id)
    )
    return q if limit is None else q.limit(limit)
