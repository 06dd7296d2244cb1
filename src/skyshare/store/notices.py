"""Notice rows. Deletion is soft (``deleted_at``) so the revision log stays complete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, RowMapping

from skyshare.model.notice import Notice, NoticeState
from skyshare.model.volume import volume_from_stored, volume_to_json
from skyshare.store import _json
from skyshare.store.counters import next_value
from skyshare.store.schema import notices

__all__ = ["by_ids", "changed_since", "get", "list_live", "soft_delete", "upsert"]

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


def get(conn: Connection, notice_id: str, *, include_deleted: bool = False) -> Notice | None:
    q = select(notices).where(notices.c.id == notice_id)
    if not include_deleted:
        q = q.where(notices.c.deleted_at.is_(None))
    row = conn.execute(q).mappings().first()
    return None if row is None else _notice(row)


def exists_any(conn: Connection, notice_id: str) -> bool:
    """Whether the id was ever used, deleted or not."""
    return conn.execute(select(notices.c.id).where(notices.c.id == notice_id)).first() is not None


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
        conn.execute(notices.insert().values(id=notice.id, created_at=notice.created_at, **values))
    else:
        conn.execute(update(notices).where(notices.c.id == notice.id).values(**values))
    return rev


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
    rows = conn.execute(
        select(notices).where(notices.c.rev > rev).order_by(notices.c.rev)
    ).mappings()
    for row in rows:
        yield row["rev"], row["id"], (None if row["deleted_at"] is not None else _notice(row))


def by_ids(conn: Connection, ids: Sequence[str]) -> list[Notice]:
    """Live notices with these ids, in order of creation."""
    out: list[Notice] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            select(notices).where(notices.c.id.in_(chunk), notices.c.deleted_at.is_(None))
        ).mappings()
        out.extend(_notice(r) for r in rows)
    out.sort(key=lambda n: (n.created_at, n.id))
    return out


def list_live(conn: Connection, *, limit: int | None = None) -> list[Notice]:
    q = (
        select(notices)
        .where(notices.c.deleted_at.is_(None))
        .order_by(notices.c.created_at, notices.c.id)
    )
    if limit is not None:
        q = q.limit(limit)
    return [_notice(r) for r in conn.execute(q).mappings()]
