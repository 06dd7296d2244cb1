"""Restrictions: admin-created or imported no-go volumes, and their strategic conflicts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from skyshare.errors import AgreementNotInForce, InvalidInput, NotFound
from skyshare.importers import ImportResult
from skyshare.model.restriction import Restriction, applicable_volumes, restriction_to_json
from skyshare.services import conflicts as conflict_service
from skyshare.services.agreement import agreement_in_force
from skyshare.services.context import Caller, Context
from skyshare.services.outbox import EVERYONE, audit, emit
from skyshare.services.parties import require_admin
from skyshare.services.restriction_index import unscheduled
from skyshare.store import notices as notice_store
from skyshare.store import parties as party_store
from skyshare.store import restrictions as restriction_store
from skyshare.store.database import Tx

__all__ = [
    "create_restriction",
    "list_restrictions",
    "save_restrictions",
]


def _check(r: Restriction, path: str) -> None:
    if not r.name.strip() or len(r.name) > 200:
        raise InvalidInput("name must be 1 to 200 characters.", field=f"{path}name")
    if not 1 <= len(r.volumes) <= 1000:
        raise InvalidInput("A restriction needs 1 to 1000 volumes.", field=f"{path}volumes")


def save_restrictions(
    ctx: Context, tx: Tx, items: Sequence[Restriction]
) -> list[tuple[Restriction, bool]]:
    """Store restrictions inside ``tx``: by id, else by (source, source_id); (saved, created)."""
    now = ctx.now()
    out: list[tuple[Restriction, bool]] = []
    for r in items:
        rid = r.id
        if rid is None and r.source and r.source_id:
            rid = restriction_store.by_source(tx.conn, r.source, r.source_id)
        row_exists = rid is not None and restriction_store.exists(tx.conn, rid)
        created = rid is None or restriction_store.get(tx.conn, rid) is None
        if rid is None:
            rid = str(uuid.uuid4())
        saved = Restriction(rid, r.name, r.source, r.source_id, r.type, r.volumes, r.schedule)
        restriction_store.upsert(tx.conn, saved, now, create=not row_exists)
        out.append((saved, created))
        audit(
            ctx,
            tx,
            "restriction.created" if created else "restriction.updated",
            {"restriction": rid, "name": r.name, "source": r.source, "source_id": r.source_id},
            [EVERYONE],
        )
    everyone = [p.id for p in party_store.list_all(tx.conn)]
    for saved, created in out:
        emit(
            ctx,
            tx,
            "restriction.created" if created else "restriction.updated",
            restriction_to_json(saved),
            everyone,
        )
    _flag_live_notices(ctx, tx, [s for s, _ in out])
    return out


def _flag_live_notices(ctx: Context, tx: Tx, saved: Sequence[Restriction]) -> None:
    """Open restriction conflicts for live notices that a new or changed zone now touches."""
    try:
        agreement = agreement_in_force(tx.conn)
    except AgreementNotInForce:  # notices are filed only under an agreement in force
        return
    m = conflict_service.minima(agreement)
    for r in saved:
        assert r.id is not None
        with conflict_service.notice_index(ctx).use(tx.conn) as index:
            candidates = index.query(unscheduled(r), m)
        for cand in candidates:
            notice = notice_store.get(tx.conn, cand.key)
            if notice is None:
                continue
            hits = conflict_service.strategic_hits(
                ctx, tx, notice.volumes, agreement, exclude=notice.id
            )
            others = {
                n.id: n
                for n in notice_store.by_ids(tx.conn, [h.key for h in hits.notices])
                if n.owner != notice.owner
            }
            conflict_service.sync_notice_conflicts(
                ctx,
                tx,
                notice,
                [(others[h.key], h) for h in hits.notices if h.key in others],
                hits.restrictions,
            )


def create_restriction(ctx: Context, caller: Caller, r: Restriction) -> dict[str, Any]:
    require_admin(caller)
    _check(r, "")
    if r.id is not None:
        try:
            uuid.UUID(r.id)
        except ValueError:
            raise InvalidInput("id must be a UUID.", field="id") from None
    with ctx.db.write() as tx:
        [(saved, _)] = save_restrictions(ctx, tx, [r])
        return restriction_to_json(saved)


def get_restriction(ctx: Context, rid: str) -> dict[str, Any]:
    with ctx.db.read() as conn:
        r = restriction_store.get(conn, rid)
    if r is None:
        raise NotFound(f"No restriction has id {rid[:60]!r}.", field="id")
    return restriction_to_json(r)


def list_restrictions(
    ctx: Context,
    bbox: tuple[float, float, float, float] | None,
    t_from: float | None,
    t_to: float | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Restrictions in a 4D box; a scheduled zone counts only if it applies in [from, to]."""
    with ctx.db.read() as conn:
        if bbox is None and t_from is None and t_to is None:
            found = restriction_store.list_live(conn, limit)
        else:
            box = bbox or (-180.0, -90.0, 180.0, 90.0)
            with conflict_service.restriction_index(ctx).use(conn) as index:
                keys = index.query_bbox(box[0], box[1], box[2], box[3], t_from, t_to)
            found = restriction_store.by_ids(conn, keys)
            if t_from is not None and t_to is not None:
                found = [
                    r for r in found if r.schedule is None or applicable_volumes(r, t_from, t_to)
                ]
            found = found[:limit]
    return [restriction_to_json(r) for r in found]


def import_restrictions(ctx: Context, caller: Caller, items: Sequence[Restriction]) -> int:
    """Store a file's restrictions in one transaction (all or nothing); returns how many."""
    require_admin(caller)
    for i, r in enumerate(items):
        _check(r, f"restrictions[{i}].")
    with ctx.db.write() as tx:
        return len(save_restrictions(ctx, tx, items))


def store_restrictions(db_path: str, result: ImportResult) -> int:
    """``skyshare import --db``: store an import result straight into a database file."""
    from skyshare.store.database import open_database

    ctx = Context(open_database(db_path))
    try:
        return import_restrictions(ctx, Caller(None), result.restrictions)
    finally:
        ctx.db.dispose()
