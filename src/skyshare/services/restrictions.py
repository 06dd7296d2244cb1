"""Restrictions: admin-created or imported no-go volumes, and their strategic conflicts."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

from skyshare.errors import AgreementNotInForce, InvalidInput, NotFound
from skyshare.importers import ImportResult
from skyshare.model.restriction import Restriction, applicable_volumes, restriction_to_json
from skyshare.services import conflicts as conflict_service
from skyshare.services.agreement import agreement_in_force
from skyshare.services.context import Caller, Context
from skyshare.services.outbox import EVERYONE, audit_many, emit_many
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
    """Store restrictions inside ``tx``: by id, else by (source, source_id); (saved, created).

    Built for imports of many zones: rows, events and audit entries are written in batches,
    and a zone stored already with the same content is left alone (a re-import of an
    unchanged file writes nothing).
    """
    by_source, by_id = restriction_store.states(
        tx.conn,
        sorted({r.source for r in items if r.id is None and r.source and r.source_id}),
        [r.id for r in items if r.id is not None],
    )
    out: list[tuple[Restriction, bool]] = []
    docs: list[dict[str, Any]] = []
    creates: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for r in items:
        stored = by_id.get(r.id) if r.id is not None else by_source.get((r.source, r.source_id))
        rid = r.id or (stored.id if stored is not None else str(uuid.uuid4()))
        saved = Restriction(rid, r.name, r.source, r.source_id, r.type, r.volumes, r.schedule)
        doc = restriction_to_json(saved)
        if stored is None:
            creates.append(doc)
        elif stored.deleted or stored.content != restriction_store.content_of(doc):
            updates.append(doc)
        else:
            continue  # unchanged
        out.append((saved, stored is None or stored.deleted))
        docs.append(doc)
    restriction_store.write_many(tx.conn, creates, updates, ctx.now())
    everyone = party_store.ids(tx.conn)
    kinds = [("restriction.created" if created else "restriction.updated") for _, created in out]
    audit_many(
        ctx,
        tx,
        [
            (
                kind,
                {
                    "restriction": doc["id"],
                    "name": doc["name"],
                    "source": doc["source"],
                    "source_id": doc["source_id"],
                    "sha256": _content_hash(doc),
                },
                [EVERYONE],
            )
            for kind, doc in zip(kinds, docs, strict=True)
        ],
    )
    emit_many(ctx, tx, [(kind, doc, everyone) for kind, doc in zip(kinds, docs, strict=True)])
    _flag_live_notices(ctx, tx, [s for s, _ in out])
    return out


def _content_hash(doc: dict[str, Any]) -> str:
    """SHA-256 of a restriction's JSON with sorted keys, as the audit's proof of content.

    Plain sorted JSON rather than RFC 8785: zones carry thousands of vertices, and this
    stays deterministic for the documents skyshare itself writes.
    """
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _flag_live_notices(ctx: Context, tx: Tx, saved: Sequence[Restriction]) -> None:
    """Open restriction conflicts for live notices that a new or changed zone now touches."""
    try:
        agreement = agreement_in_force(tx.conn)
    except AgreementNotInForce:  # notices are filed only under an agreement in force
        return
    m = conflict_service.minima(agreement)
    with conflict_service.notice_index(ctx).use(tx.conn) as index:
        if len(index) == 0:
            return
        keys = {hit.key for r in saved for hit in index.query(unscheduled(r), m)}
    # Each touched notice is re-checked whole, against every zone and notice, once.
    for key in sorted(keys):
        notice = notice_store.get(tx.conn, key)
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
