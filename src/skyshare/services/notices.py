"""Advance notices: file, replace, read, delete (ASTM F3548-21 strategic coordination).

Check-and-store happens in one write transaction: the check sees every notice committed
before it, and no other notice can be stored between the check and the write.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.engine import Connection

from skyshare.engines.strategic import StrategicHit
from skyshare.errors import (
    AlreadyExists,
    Forbidden,
    InvalidInput,
    MissingNotices,
    NotFound,
    StaleOvn,
    StrategicConflict,
)
from skyshare.model.agreement import Agreement, Policy
from skyshare.model.notice import (
    Notice,
    NoticeDocument,
    NoticeState,
    notice_owner_json,
    notice_public_json,
)
from skyshare.model.party import Party
from skyshare.model.volume import Volume4D, volume_to_json
from skyshare.services import conflicts as conflict_service
from skyshare.services.agreement import agreement_in_force
from skyshare.services.conflicts import StrategicHits
from skyshare.services.context import Caller, Context
from skyshare.services.outbox import EVERYONE, audit, emit
from skyshare.services.parties import require_party
from skyshare.services.precheck import Snapshot, confirm, precheck, recall, remember
from skyshare.store import notices as notice_store
from skyshare.store import parties as party_store
from skyshare.store.database import Tx
from skyshare.store.notices import NoticeHead

__all__ = [
    "MAX_VOLUMES",
    "NoticeRequest",
    "delete_notice",
    "get_notice",
    "list_notices",
    "put_notice",
]

MAX_VOLUMES = 100
MAX_PRIORITY = 1000
_FILABLE = (NoticeState.ACCEPTED, NoticeState.ACTIVATED)
_Entries = list[tuple[str, dict[str, Any], list[str]]]


@dataclass(frozen=True, slots=True)
class NoticeRequest:
    """A validated ``PUT /v1/notices/{id}`` body."""

    volumes: tuple[Volume4D, ...]
    state: NoticeState
    priority: int
    key: tuple[str, ...]
    ovn: str | None
    private: dict[str, Any] | None


def _check_id(notice_id: str) -> str:
    try:
        return str(uuid.UUID(notice_id))
    except ValueError:
        raise InvalidInput(f"Notice id {notice_id[:60]!r} is not a UUID.", field="id") from None


def _validate(req: NoticeRequest, now: float) -> None:
    if not 1 <= len(req.volumes) <= MAX_VOLUMES:
        raise InvalidInput(
            f"A notice needs 1 to {MAX_VOLUMES} volumes; got {len(req.volumes)}.", field="volumes"
        )
    if req.state not in _FILABLE:
        raise InvalidInput("state must be 'accepted' or 'activated'.", field="state")
    if not 0 <= req.priority <= MAX_PRIORITY:
        raise InvalidInput(
            f"priority must be within [0, {MAX_PRIORITY}]; got {req.priority}.", field="priority"
        )
    for i, v in enumerate(req.volumes):
        if v.time_start_s is None or v.time_end_s is None:
            raise InvalidInput(
                "Every volume of a notice needs a time window.", field=f"volumes[{i}].time_start"
            )
        if v.time_end_s <= now:
            raise InvalidInput(
                "A notice volume must end in the future.", field=f"volumes[{i}].time_end"
            )


def put_notice(
    ctx: Context, caller: Caller, notice_id: str, req: NoticeRequest
) -> tuple[dict[str, Any], bool]:
    """File or replace a notice; returns (owner JSON with ``conflicts``, created?)."""
    party = require_party(caller)
    notice_id = _check_id(notice_id)
    now = ctx.now()
    _validate(req, now)
    # The geometry outside the writer: remembered from a refusal of the same filing, or new.
    snapshot = recall(ctx, party.id, notice_id, req.volumes)
    if snapshot is None:
        snapshot = _precheck_or_refuse(ctx, party, notice_id, req)
    with ctx.db.write() as tx:
        agreement = agreement_in_force(tx.conn)
        existing = _admit(tx.conn, party, notice_id, req, agreement)
        hits = confirm(ctx, tx, snapshot, req.volumes, agreement, exclude=notice_id)
        others, notice_hits = _unless_missing(ctx, tx, party, notice_id, req, agreement, hits)
        if agreement.policy == Policy.STRICT:
            blocking = [
                others[h.key] for h in notice_hits if others[h.key].priority >= req.priority
            ]
            if blocking or hits.restrictions:
                raise StrategicConflict(
                    "Policy 'strict' refuses a notice that conflicts with a restriction or with "
                    "a notice of equal or higher priority.",
                    field="volumes",
                    details={
                        "notices": [n.id for n in blocking],
                        "restrictions": [h.key for h in hits.restrictions],
                    },
                )
        notice = Notice(
            id=notice_id,
            owner=party.id,
            state=req.state,
            priority=req.priority,
            ovn=secrets.token_urlsafe(16),
            late=min(v.time_start_s or now for v in req.volumes) < now + agreement.min_lead_s,
            volumes=req.volumes,
            private=req.private,
            created_at=now if existing is None else existing.created_at,
            updated_at=now,
        )
        created = existing is None
        notice_store.upsert(tx.conn, notice, create=created)
        events, entries = _announcements(
            tx, notice, "notice.created" if created else "notice.updated"
        )
        body = notice_owner_json(notice)
        body["conflicts"] = conflict_service.sync_notice_conflicts_json(
            ctx,
            tx,
            notice,
            [(others[h.key], h) for h in notice_hits],
            hits.restrictions,
            new=created,
            events_first=events,
            audit_first=entries,
        )
        return body, created


def _precheck_or_refuse(
    ctx: Context, party: Party, notice_id: str, req: NoticeRequest
) -> Snapshot | None:
    """The check on a read snapshot (PostgreSQL), refusing there what it must refuse.

    A refusal stores nothing, so it needs no writer: decided on one snapshot, it is the
    answer the filing would have had at that moment. Only filings that would be stored wait
    for the writer lock, which a refused first attempt (half the traffic of the F3548
    exchange) no longer takes.
    """

    def refuse_here(conn: Connection, snapshot: Snapshot) -> None:
        _admit(conn, party, notice_id, req, snapshot.agreement)
        _unless_missing(ctx, Tx(conn), party, notice_id, req, snapshot.agreement, snapshot.hits)

    return precheck(ctx, req.volumes, notice_id, then=refuse_here)


def _admit(
    conn: Connection, party: Party, notice_id: str, req: NoticeRequest, agreement: Agreement
) -> Notice | None:
    """The notice this filing replaces (None: a new one), or the refusal of the filing."""
    if party.name not in agreement.parties:
        raise Forbidden(f"Party {party.name!r} is not listed in the agreement.")
    existing, used = notice_store.lookup(conn, notice_id)
    if existing is None:
        if used:
            raise AlreadyExists(
                f"Notice {notice_id} was deleted; file a new notice with a new id.",
                field="id",
            )
        if req.ovn is not None:
            raise StaleOvn(
                f"Notice {notice_id} does not exist; omit ovn to create it.", field="ovn"
            )
        return None
    if existing.owner != party.id:
        raise Forbidden(f"Notice {notice_id} belongs to another party.")
    if req.ovn != existing.ovn:
        raise StaleOvn(
            "The ovn does not match the notice's current version; read it again.",
            field="ovn",
            details={"current_ovn": existing.ovn},
        )
    if existing.state == NoticeState.ACTIVATED and req.state == NoticeState.ACCEPTED:
        raise InvalidInput("An activated notice cannot go back to accepted.", field="state")
    return existing


def _unless_missing(
    ctx: Context,
    tx: Tx,
    party: Party,
    notice_id: str,
    req: NoticeRequest,
    agreement: Agreement,
    hits: StrategicHits,
) -> tuple[dict[str, NoticeHead], list[StrategicHit]]:
    """Other parties' conflicting notices and their hits; 409 if the key lacks an ovn.

    The check behind a refusal is remembered for the filer's retry (:func:`recall`).
    """
    others = {
        k: h
        for k, h in notice_store.heads_by_ids(tx.conn, [h.key for h in hits.notices]).items()
        if h.owner != party.id
    }
    notice_hits = [h for h in hits.notices if h.key in others]
    missing = [others[h.key] for h in notice_hits if others[h.key].ovn not in req.key]
    if missing:
        remember(ctx, tx, party.id, notice_id, req.volumes, agreement, hits)
        volumes = notice_store.volumes_docs_by_ids(tx.conn, [n.id for n in missing])
        raise MissingNotices(
            f"The key lacks the current ovn of {len(missing)} conflicting notice(s); "
            "read them and file again with their ovns in key.",
            field="key",
            details={
                "missing": [
                    {"id": n.id, "ovn": n.ovn, "owner": n.owner, "volumes": volumes[n.id]}
                    for n in missing
                ]
            },
        )
    return others, notice_hits


def _announcements(tx: Tx, notice: Notice, type: str) -> tuple[_Entries, _Entries]:
    """The events and the audit entry that announce a filed notice (written by the caller).

    They go out in the same batches as the conflicts the notice opens, notice first.
    """
    everyone = party_store.ids(tx.conn)
    others = [p for p in everyone if p != notice.owner]
    public = notice_public_json(notice)
    events: _Entries = [
        (type, notice_owner_json(notice), [notice.owner]),
        (type, public, others),
    ]
    if notice.late and type == "notice.created":
        events.append(("notice.late", public, others))
    record = {
        "notice": notice.id,
        "owner": notice.owner,
        "ovn": notice.ovn,
        "state": notice.state.value,
        "priority": notice.priority,
        "late": notice.late,
        "volumes": [volume_to_json(v) for v in notice.volumes],
    }
    return events, [(type, record, [EVERYONE])]


def get_notice(ctx: Context, caller: Caller, notice_id: str) -> dict[str, Any]:
    with ctx.db.read() as conn:
        notice = notice_store.get(conn, notice_id)
    if notice is None:
        raise NotFound(f"No notice has id {notice_id[:60]!r}.", field="id")
    return _view(caller, notice)


def _view(caller: Caller, notice: Notice | NoticeDocument) -> dict[str, Any]:
    if caller.party_id == notice.owner:
        return notice_owner_json(notice)
    return notice_public_json(notice)


def list_notices(
    ctx: Context,
    caller: Caller,
    bbox: tuple[float, float, float, float] | None,
    t_from: float | None,
    t_to: float | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Live notices in a 4D box, oldest first, redacted for other parties."""
    with ctx.db.read() as conn:
        if bbox is None and t_from is None and t_to is None:
            found = notice_store.list_live_documents(conn, limit=limit)
        else:
            box = bbox or (-180.0, -90.0, 180.0, 90.0)
            with conflict_service.notice_index(ctx).use(conn) as index:
                keys = index.query_bbox(box[0], box[1], box[2], box[3], t_from, t_to)
            found = notice_store.documents_by_ids(conn, keys)[:limit]
    return [_view(caller, n) for n in found]


def delete_notice(ctx: Context, caller: Caller, notice_id: str, ovn: str | None) -> dict[str, Any]:
    party = require_party(caller)
    with ctx.db.write() as tx:
        notice = notice_store.get(tx.conn, notice_id)
        if notice is None:
            raise NotFound(f"No notice has id {notice_id[:60]!r}.", field="id")
        if notice.owner != party.id:
            raise Forbidden(f"Notice {notice_id} belongs to another party.")
        if ovn != notice.ovn:
            raise StaleOvn(
                "The ovn does not match the notice's current version; read it again.",
                field="ovn",
                details={"current_ovn": notice.ovn},
            )
        now = ctx.now()
        notice_store.soft_delete(tx.conn, notice_id, now)
        ended = replace(notice, state=NoticeState.ENDED, updated_at=now)
        everyone = party_store.ids(tx.conn)
        emit(ctx, tx, "notice.deleted", notice_public_json(ended), everyone)
        audit(ctx, tx, "notice.deleted", {"notice": notice_id, "owner": party.id}, [EVERYONE])
        conflict_service.sync_notice_conflicts(ctx, tx, ended, [], [])
        return notice_owner_json(ended)
