"""Conflicts: strategic checks against the indexes, lifecycle, acknowledgement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from skyshare.engines.strategic import Minima, StrategicHit
from skyshare.errors import Forbidden, InvalidInput, NotFound
from skyshare.ids import time_ordered_uuid
from skyshare.model.agreement import Agreement
from skyshare.model.conflict import (
    Conflict,
    ConflictKind,
    ConflictStatus,
    Subject,
    conflict_to_json,
)
from skyshare.model.notice import Notice
from skyshare.model.volume import Volume4D
from skyshare.services.context import Caller, Context
from skyshare.services.indexes import IndexCache
from skyshare.services.outbox import audit_many, emit_many
from skyshare.services.parties import require_party
from skyshare.services.restriction_index import exact_restriction_hits, restriction_feed
from skyshare.store import conflicts as conflict_store
from skyshare.store import notices as notice_store
from skyshare.store.database import Tx

__all__ = [
    "StrategicHits",
    "acknowledge",
    "announce",
    "announce_many",
    "list_conflicts",
    "minima",
    "notice_index",
    "restriction_index",
    "strategic_hits",
    "sync_notice_conflicts",
    "sync_notice_conflicts_json",
]

STATUSES = tuple(s.value for s in ConflictStatus)


def _notice_feed(
    conn: Connection, rev: int
) -> Iterable[tuple[int, str, Sequence[Volume4D] | None]]:
    for r, key, notice in notice_store.changed_since(conn, rev):
        yield r, key, None if notice is None else notice.volumes


def notice_index(ctx: Context) -> IndexCache:
    cache = ctx.cache("notice_index", lambda: IndexCache(_notice_feed, in_database=True))
    assert isinstance(cache, IndexCache)
    return cache


def restriction_index(ctx: Context) -> IndexCache:
    cache = ctx.cache("restriction_index", lambda: IndexCache(restriction_feed))
    assert isinstance(cache, IndexCache)
    return cache


def warm_indexes(ctx: Context) -> int:
    """Build the strategic indexes from the database now, so no request pays for it.

    Returns how many notices the notice index holds.
    """
    with ctx.db.read() as conn:
        with restriction_index(ctx).use(conn):
            pass
        with notice_index(ctx).use(conn) as index:
            return len(index)


def minima(a: Agreement) -> Minima:
    return Minima(
        horizontal_m=a.horizontal_m, vertical_m=a.vertical_m, time_buffer_s=a.time_buffer_s
    )


@dataclass(frozen=True, slots=True)
class StrategicHits:
    notices: list[StrategicHit]
    restrictions: list[StrategicHit]


def strategic_hits(
    ctx: Context,
    tx: Tx,
    volumes: Sequence[Volume4D],
    agreement: Agreement,
    *,
    exclude: str | None,
) -> StrategicHits:
    """Every stored notice and restriction within the agreement's minima of ``volumes``."""
    m = minima(agreement)
    with notice_index(ctx).use(tx.conn) as index:
        notices = index.query(volumes, m, exclude=exclude)
    with restriction_index(ctx).use(tx.conn) as index:
        candidates = index.query(volumes, m)
    return StrategicHits(notices, exact_restriction_hits(tx.conn, candidates, volumes, m))


class NoticeRef(Protocol):
    """Another party's notice as a conflict needs it: a full Notice or a stored head."""

    @property
    def id(self) -> str: ...

    @property
    def owner(self) -> str: ...


def _identity(kind: ConflictKind, a: str, b: str) -> str:
    first, second = sorted((a, b))
    return f"{kind.value}:{first}|{second}"


def _opened_or_updated(
    ctx: Context,
    tx: Tx,
    *,
    kind: ConflictKind,
    identity: str,
    parties: tuple[str, ...],
    subjects: tuple[Subject, ...],
    hit: StrategicHit,
    severity: str,
    new: bool,
    now: float,
) -> tuple[Conflict, str | None]:
    """The conflict for ``hit`` and what became of it: opened, updated or None (unchanged).

    Nothing is written here, so that a notice with many conflicts writes them in batches.
    ``new``: the notice was just created, so no live conflict can exist for this pair.
    """
    current = None if new else conflict_store.live_by_identity(tx.conn, identity)
    if current is None:
        c = Conflict(
            id=time_ordered_uuid(now),
            kind=kind,
            identity=identity,
            parties=parties,
            subjects=subjects,
            time_start_s=hit.time_start_s,
            time_end_s=hit.time_end_s,
            tcpa_s=None,
            min_horizontal_m=hit.min_horizontal_m,
            min_vertical_m=max(0.0, hit.min_vertical_m),
            severity=severity,
            status=ConflictStatus.OPEN,
            created_at=now,
            updated_at=now,
        )
        return c, "conflict.opened"
    c = replace(
        current,
        time_start_s=hit.time_start_s,
        time_end_s=hit.time_end_s,
        min_horizontal_m=hit.min_horizontal_m,
        min_vertical_m=max(0.0, hit.min_vertical_m),
        updated_at=now,
    )
    if c != replace(current, updated_at=now):
        return c, "conflict.updated"
    return c, None


def _audit_record(c: Conflict) -> dict[str, Any]:
    return {
        "conflict": c.id,
        "kind": c.kind.value,
        "status": c.status.value,
        "subjects": [s.to_json() for s in c.subjects],
        "acknowledged_by": list(c.acknowledged_by),
    }


def announce(ctx: Context, tx: Tx, c: Conflict, type: str) -> None:
    """Tell the conflict's parties (event) and record it (audit), inside ``tx``."""
    announce_many(ctx, tx, [(c, type)])


#: Events or audit entries to write: (type, data or record, audience or readers).
Entries = Sequence[tuple[str, dict[str, Any], Iterable[str]]]


def announce_many(
    ctx: Context,
    tx: Tx,
    items: Sequence[tuple[Conflict, str]],
    docs: Sequence[dict[str, Any]] | None = None,
    *,
    events_first: Entries = (),
    audit_first: Entries = (),
) -> None:
    """:func:`announce` for many conflicts, in two statement batches.

    ``docs``: the conflicts' ``conflict_to_json`` when the caller made them already (a
    notice's reply lists the same objects its events carry), so each is made once.
    ``events_first``/``audit_first``: the change's own events and entries, written in the
    same batches just before the conflicts' (a filed notice before the conflicts it opens).
    """
    if docs is None:
        docs = [conflict_to_json(c) for c, _ in items]
    events = [*events_first, *((t, d, c.parties) for (c, t), d in zip(items, docs, strict=True))]
    entries = [*audit_first, *((t, _audit_record(c), c.parties) for c, t in items)]
    if events:
        emit_many(ctx, tx, events)
    if entries:
        audit_many(ctx, tx, entries)


def sync_notice_conflicts(
    ctx: Context,
    tx: Tx,
    notice: Notice,
    notice_hits: Sequence[tuple[NoticeRef, StrategicHit]],
    restriction_hits: Sequence[StrategicHit],
    *,
    new: bool = False,
) -> list[Conflict]:
    """Open or update a conflict per conflicting pair; resolve those that no longer hold.

    ``new``: the notice was just created, so it can have no earlier conflicts to resolve.
    """
    synced = _sync(ctx, tx, notice, notice_hits, restriction_hits, new=new)
    return [c for c, _ in synced]


def sync_notice_conflicts_json(
    ctx: Context,
    tx: Tx,
    notice: Notice,
    notice_hits: Sequence[tuple[NoticeRef, StrategicHit]],
    restriction_hits: Sequence[StrategicHit],
    *,
    new: bool = False,
    events_first: Entries = (),
    audit_first: Entries = (),
) -> list[dict[str, Any]]:
    """:func:`sync_notice_conflicts`, returning the conflicts as API.md Conflict objects.

    ``events_first``/``audit_first``: the notice's own events and audit entries, written in
    the same batches as the conflicts' and before them (see :func:`announce_many`).
    """
    synced = _sync(
        ctx,
        tx,
        notice,
        notice_hits,
        restriction_hits,
        new=new,
        events_first=events_first,
        audit_first=audit_first,
    )
    return [d for _, d in synced]


def _sync(
    ctx: Context,
    tx: Tx,
    notice: Notice,
    notice_hits: Sequence[tuple[NoticeRef, StrategicHit]],
    restriction_hits: Sequence[StrategicHit],
    *,
    new: bool,
    events_first: Entries = (),
    audit_first: Entries = (),
) -> list[tuple[Conflict, dict[str, Any]]]:
    """Each conflict with its JSON, made once for both its event and the caller's reply."""
    me = f"notice:{notice.id}"
    now = ctx.now()
    kept: set[str] = set()
    results: list[tuple[Conflict, str | None]] = []
    mine = Subject("notice", notice.id, notice.owner)
    # (kind, the other side, parties told, severity, hit): another party's notice or a
    # restriction, each met the same way.
    pairs = [
        (
            ConflictKind.STRATEGIC,
            Subject("notice", other.id, other.owner),
            tuple(sorted({notice.owner, other.owner})),
            "caution",
            hit,
        )
        for other, hit in notice_hits
    ] + [
        (
            ConflictKind.RESTRICTION,
            Subject("restriction", hit.key, None),
            (notice.owner,),
            "warning",
            hit,
        )
        for hit in restriction_hits
    ]
    for kind, other, parties, severity, hit in pairs:
        identity = _identity(kind, me, f"{other.type}:{other.id}")
        kept.add(identity)
        results.append(
            _opened_or_updated(
                ctx,
                tx,
                kind=kind,
                identity=identity,
                parties=parties,
                subjects=(mine, other),
                hit=hit,
                severity=severity,
                new=new,
                now=now,
            )
        )
    conflict_store.insert_many(tx.conn, [c for c, what in results if what == "conflict.opened"])
    for c, what in results:
        if what == "conflict.updated":
            conflict_store.update_row(tx.conn, c)
    docs = [conflict_to_json(c) for c, _ in results]
    announced = [(k, what) for k, (_, what) in enumerate(results) if what is not None]
    announce_many(
        ctx,
        tx,
        [(results[k][0], what) for k, what in announced],
        [docs[k] for k, _ in announced],
        events_first=events_first,
        audit_first=audit_first,
    )
    for kind in () if new else (ConflictKind.STRATEGIC, ConflictKind.RESTRICTION):
        for stale in conflict_store.live_for_subject(tx.conn, kind.value, me):
            if stale.identity not in kept and me in stale.identity.split(":", 1)[1].split("|"):
                resolve(ctx, tx, stale)
    return [(c, d) for (c, _), d in zip(results, docs, strict=True)]


def resolve(ctx: Context, tx: Tx, c: Conflict) -> Conflict:
    done = replace(c, status=ConflictStatus.RESOLVED, updated_at=ctx.now())
    conflict_store.update_row(tx.conn, done)
    announce(ctx, tx, done, "conflict.resolved")
    return done


def list_conflicts(
    ctx: Context, caller: Caller, status: str | None, limit: int = 1000
) -> list[dict[str, Any]]:
    statuses: list[str] | None = None
    if status is not None:
        statuses = [s.strip() for s in status.split(",") if s.strip()]
        for s in statuses:
            if s not in STATUSES:
                raise InvalidInput(
                    f"status must be one of {', '.join(STATUSES)}; got {s[:40]!r}.",
                    field="status",
                )
    with ctx.db.read() as conn:
        found = conflict_store.list_for_party(conn, caller.party_id, statuses, limit)
    return [conflict_to_json(c) for c in found]


def get_conflict(ctx: Context, caller: Caller, conflict_id: str) -> dict[str, Any]:
    with ctx.db.read() as conn:
        c = conflict_store.get(conn, conflict_id)
    if c is None or (caller.party_id is not None and caller.party_id not in c.parties):
        raise NotFound(f"No conflict has id {conflict_id[:60]!r}.", field="id")
    return conflict_to_json(c)


def acknowledge(ctx: Context, caller: Caller, conflict_id: str) -> dict[str, Any]:
    """An involved party acknowledges; the conflict is acknowledged once all have."""
    party = require_party(caller)
    with ctx.db.write() as tx:
        c = conflict_store.get(tx.conn, conflict_id)
        if c is None:
            raise NotFound(f"No conflict has id {conflict_id[:60]!r}.", field="id")
        if party.id not in c.parties:
            raise Forbidden("Only a party involved in a conflict may acknowledge it.")
        if party.id in c.acknowledged_by or c.status not in (
            ConflictStatus.OPEN,
            ConflictStatus.ACKNOWLEDGED,
        ):
            return conflict_to_json(c)
        acked = (*c.acknowledged_by, party.id)
        status = (
            ConflictStatus.ACKNOWLEDGED if set(acked) >= set(c.parties) else ConflictStatus.OPEN
        )
        c = replace(c, acknowledged_by=acked, status=status, updated_at=ctx.now())
        conflict_store.update_row(tx.conn, c)
        announce(ctx, tx, c, "conflict.updated")
        return conflict_to_json(c)
