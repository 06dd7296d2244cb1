"""The strategic check of a notice, done mostly outside the writer lock.

Check-and-store must be atomic (the ASTM F3548 race), so the stored result must hold at
commit. But finding and testing the candidates is the expensive part of a write, and under
the single writer lock (one per database, across processes on PostgreSQL) it would make
every write wait for every other's geometry. So the check runs first on a read snapshot,
remembering the notice and restriction revisions it saw; under the lock, only notices
written since that revision are re-tested (exactly, usually none), and restrictions are
checked again in full if any changed. The hits are then exactly those a check under the
lock would find: an unchanged notice relates to the new volumes as it did in the snapshot.

A refused filing (409 ``missing_notices``) is normally filed again at once with the same
volumes and a fuller key. Its check, made under the writer, is a snapshot as good as any:
:func:`remember` keeps it for that retry and :func:`recall` hands it back, so the retry
re-tests only what was written in between instead of checking everything again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from skyshare.engines.strategic import StrategicHit, VolumeIndex
from skyshare.errors import AgreementNotInForce
from skyshare.model.agreement import Agreement
from skyshare.model.volume import Volume4D
from skyshare.services.agreement import agreement_in_force
from skyshare.services.conflicts import StrategicHits, minima, notice_index, strategic_hits
from skyshare.services.context import Context
from skyshare.services.indexes import DatabaseNoticeIndex
from skyshare.store import live as live_store
from skyshare.store import notices as notice_store
from skyshare.store.database import Tx

__all__ = ["Snapshot", "confirm", "precheck", "recall", "remember", "snapshot_check"]

#: Refused checks kept for their retries, per process; the oldest goes first.
REMEMBERED_CHECKS = 256


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Hits as of a snapshot, with the revisions and the rules they were computed under."""

    notice_rev: int
    restriction_rev: int
    agreement: Agreement
    hits: StrategicHits


def precheck(
    ctx: Context,
    volumes: Sequence[Volume4D],
    exclude: str,
    then: Callable[[Connection, Snapshot], None] | None = None,
) -> Snapshot | None:
    """The expensive part of the check, on a read snapshot (None: check under the writer).

    Only where writers are separate processes (PostgreSQL): within one process the geometry
    is Python holding the GIL, so overlapping it with another request's write gains nothing
    and the extra snapshot costs 1-3 ms per notice. ``then`` runs on the same snapshot
    with the result (a refusal decided there needs no writer).
    """
    if ctx.db.dialect != "postgresql":
        return None
    with ctx.db.read() as conn:
        snapshot = _snapshot_on(ctx, conn, volumes, exclude)
        if snapshot is not None and then is not None:
            then(conn, snapshot)
    return snapshot


def snapshot_check(ctx: Context, volumes: Sequence[Volume4D], exclude: str) -> Snapshot | None:
    """The check on a read snapshot, whatever the backend (None: no agreement in force)."""
    with ctx.db.read() as conn:
        return _snapshot_on(ctx, conn, volumes, exclude)


def _snapshot_on(
    ctx: Context, conn: Connection, volumes: Sequence[Volume4D], exclude: str
) -> Snapshot | None:
    try:
        agreement = agreement_in_force(conn)
    except AgreementNotInForce:
        return None  # the write refuses it, with the details, under the writer
    notice_rev, restriction_rev = live_store.revisions(conn)
    hits = strategic_hits(ctx, Tx(conn), volumes, agreement, exclude=exclude)
    return Snapshot(notice_rev, restriction_rev, agreement, hits)


def confirm(
    ctx: Context,
    tx: Tx,
    snapshot: Snapshot | None,
    volumes: Sequence[Volume4D],
    agreement: Agreement,
    *,
    exclude: str,
) -> StrategicHits:
    """The hits as of ``tx`` (which holds the writer), reusing ``snapshot`` where it holds."""
    if snapshot is None or snapshot.agreement != agreement:
        return strategic_hits(ctx, tx, volumes, agreement, exclude=exclude)
    notice_rev, restriction_rev = live_store.revisions(tx.conn)
    notices = snapshot.hits.notices
    if notice_rev != snapshot.notice_rev:
        touched, fresh = _written_since(ctx, tx, snapshot.notice_rev, volumes, agreement, exclude)
        notices = sorted([h for h in notices if h.key not in touched] + fresh, key=lambda h: h.key)
    restrictions = snapshot.hits.restrictions
    if restriction_rev != snapshot.restriction_rev:
        restrictions = strategic_hits(ctx, tx, volumes, agreement, exclude=exclude).restrictions
    return StrategicHits(notices, restrictions)


def _written_since(
    ctx: Context,
    tx: Tx,
    rev: int,
    volumes: Sequence[Volume4D],
    agreement: Agreement,
    exclude: str,
) -> tuple[set[str], list[StrategicHit]]:
    """Notices written after ``rev`` (ids) and the hits among them.

    PostgreSQL finds the near ones among them with its index, so only those are parsed;
    elsewhere every one is parsed and tested.
    """
    if tx.conn.dialect.name == "postgresql":
        with notice_index(ctx).use(tx.conn) as index:
            if isinstance(index, DatabaseNoticeIndex):
                return index.written_since(
                    volumes, minima(agreement), exclude=exclude, since_rev=rev
                )
    changed = list(notice_store.changed_since(tx.conn, rev))
    touched = {key for _, key, _ in changed}
    held = VolumeIndex(grid=False)  # a handful of notices: each is a candidate
    for _, key, notice in changed:
        if notice is not None and key != exclude:
            held.add(key, notice.volumes)
    m = minima(agreement)
    fresh = held.query(volumes, m, exclude=exclude, among=held.keys()) if len(held) else []
    return touched, fresh


class _Refused:
    """Checks of refused filings by (party, notice id): the volumes and the snapshot."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple[str, str], tuple[tuple[Volume4D, ...], Snapshot]] = (
            OrderedDict()
        )


def _refused(ctx: Context) -> _Refused:
    refused = ctx.cache("refused_checks", _Refused)
    assert isinstance(refused, _Refused)
    return refused


def remember(
    ctx: Context,
    tx: Tx,
    party_id: str,
    notice_id: str,
    volumes: Sequence[Volume4D],
    agreement: Agreement,
    hits: StrategicHits,
) -> None:
    """Keep the check ``tx`` (holding the writer) made of a filing it is about to refuse."""
    notice_rev, restriction_rev = live_store.revisions(tx.conn)
    snapshot = Snapshot(notice_rev, restriction_rev, agreement, hits)
    refused = _refused(ctx)
    with refused.lock:
        refused.entries[(party_id, notice_id)] = (tuple(volumes), snapshot)
        refused.entries.move_to_end((party_id, notice_id))
        while len(refused.entries) > REMEMBERED_CHECKS:
            refused.entries.popitem(last=False)


def recall(
    ctx: Context, party_id: str, notice_id: str, volumes: Sequence[Volume4D]
) -> Snapshot | None:
    """The remembered check of this party's refused filing of the same volumes, once.

    :func:`confirm` brings it up to date under the writer like any snapshot; a different
    agreement in force makes it check everything again.
    """
    refused = _refused(ctx)
    with refused.lock:
        kept = refused.entries.pop((party_id, notice_id), None)
    if kept is None or kept[0] != tuple(volumes):
        return None
    return kept[1]
