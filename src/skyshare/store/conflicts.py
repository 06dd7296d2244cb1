"""Conflict rows and who is involved in each."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection, RowMapping

from skyshare.model.conflict import Conflict, ConflictKind, ConflictStatus, Subject
from skyshare.store import _json
from skyshare.store.database import insert_rows
from skyshare.store.schema import conflict_parties, conflicts

__all__ = [
    "get",
    "insert",
    "insert_many",
    "list_for_party",
    "live_by_identity",
    "live_for_subject",
    "update_row",
]

LIVE = (ConflictStatus.OPEN.value, ConflictStatus.ACKNOWLEDGED.value)


def _conflict(row: RowMapping) -> Conflict:
    return Conflict(
        id=row["id"],
        kind=ConflictKind(row["kind"]),
        identity=row["identity"],
        parties=tuple(_json.loads(row["parties"])),
        subjects=tuple(Subject(**s) for s in _json.loads(row["subjects"])),
        time_start_s=row["time_start"],
        time_end_s=row["time_end"],
        tcpa_s=row["tcpa_s"],
        min_horizontal_m=row["min_horizontal_m"],
        min_vertical_m=row["min_vertical_m"],
        severity=row["severity"],
        status=ConflictStatus(row["status"]),
        acknowledged_by=tuple(_json.loads(row["acknowledged_by"])),
        aircraft=tuple(_json.loads(row["aircraft"])),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _values(c: Conflict) -> dict[str, object]:
    return {
        "kind": c.kind.value,
        "identity": c.identity,
        "parties": _json.dumps(list(c.parties)),
        "subjects": _json.dumps([s.to_json() for s in c.subjects]),
        "time_start": c.time_start_s,
        "time_end": c.time_end_s,
        "tcpa_s": c.tcpa_s,
        "min_horizontal_m": c.min_horizontal_m,
        "min_vertical_m": c.min_vertical_m,
        "severity": c.severity,
        "status": c.status.value,
        "acknowledged_by": _json.dumps(list(c.acknowledged_by)),
        "aircraft": _json.dumps(list(c.aircraft)),
        "updated_at": c.updated_at,
    }


# Statements are built once: SQLAlchemy then reuses their cache keys and compiled forms.
_UPDATE = update(conflicts).where(conflicts.c.id == bindparam("b_id"))
_BY_ID = select(conflicts).where(conflicts.c.id == bindparam("b_id"))
_LIVE_BY_IDENTITY = select(conflicts).where(
    conflicts.c.identity == bindparam("b_identity"), conflicts.c.status.in_(LIVE)
)


def insert(conn: Connection, c: Conflict) -> None:
    insert_many(conn, [c])


#: ``_json.dumps`` of a tuple of strings (party lists, empty lists): the same few values
#: recur on every conflict of a notice, so each is encoded once.
@functools.lru_cache(maxsize=256)
def _strings_json(values: tuple[str, ...]) -> str:
    return _json.dumps(list(values))


#: ``_json.dumps`` for the per-conflict documents, without its per-call set-up; same bytes
#: (compact separators, UTF-8 kept, no NaN).
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def _row(c: Conflict) -> dict[str, Any]:
    """The column values of a new conflict row (``_values`` plus id and creation time)."""
    return {
        "id": c.id,
        "kind": c.kind.value,
        "identity": c.identity,
        "parties": _strings_json(c.parties),
        "subjects": _dumps([s.to_json() for s in c.subjects]),
        "time_start": c.time_start_s,
        "time_end": c.time_end_s,
        "tcpa_s": c.tcpa_s,
        "min_horizontal_m": c.min_horizontal_m,
        "min_vertical_m": c.min_vertical_m,
        "severity": c.severity,
        "status": c.status.value,
        "acknowledged_by": _strings_json(c.acknowledged_by),
        "aircraft": _dumps(list(c.aircraft)) if c.aircraft else _strings_json(()),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def insert_many(conn: Connection, items: Sequence[Conflict]) -> None:
    """Insert new conflicts and who is involved in each, in two batches (``insert_rows``)."""
    if not items:
        return
    insert_rows(conn, conflicts, [_row(c) for c in items])
    insert_rows(
        conn,
        conflict_parties,
        [{"party_id": p, "conflict_id": c.id} for c in items for p in sorted(set(c.parties))],
    )


def update_row(conn: Connection, c: Conflict) -> None:
    conn.execute(_UPDATE, {"b_id": c.id, **_values(c)})


def get(conn: Connection, conflict_id: str) -> Conflict | None:
    row = conn.execute(_BY_ID, {"b_id": conflict_id}).mappings().first()
    return None if row is None else _conflict(row)


def live_by_identity(conn: Connection, identity: str) -> Conflict | None:
    row = conn.execute(_LIVE_BY_IDENTITY, {"b_identity": identity}).mappings().first()
    return None if row is None else _conflict(row)


def live_for_subject(conn: Connection, kind: str, subject_prefix: str) -> list[Conflict]:
    """Live conflicts of a kind whose identity names this subject (``notice:<id>``)."""
    rows = conn.execute(
        select(conflicts).where(
            conflicts.c.kind == kind,
            conflicts.c.status.in_(LIVE),
            conflicts.c.identity.contains(subject_prefix, autoescape=True),
        )
    ).mappings()
    return [_conflict(r) for r in rows]


def list_for_party(
    conn: Connection, party_id: str | None, statuses: Sequence[str] | None, limit: int
) -> list[Conflict]:
    """Conflicts involving a party (all when ``party_id`` is None), oldest first."""
    q = select(conflicts)
    if party_id is not None:
        q = q.join(conflict_parties, conflict_parties.c.conflict_id == conflicts.c.id).where(
            conflict_parties.c.party_id == party_id
        )
    if statuses:
        q = q.where(conflicts.c.status.in_(list(statuses)))
    q = q.order_by(conflicts.c.created_at, conflicts.c.id).limit(limit)
    return [_conflict(r) for r in conn.execute(q).mappings()]
