"""State ingest: ownership, ordering, storage, and handing the batch to the detector."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skyshare.errors import Forbidden, InvalidInput
from skyshare.model.conflict import ConflictStatus
from skyshare.model.state import AircraftState, state_to_json
from skyshare.services.agreement import agreement_in_force
from skyshare.services.context import Caller, Context
from skyshare.services.live import live_picture
from skyshare.services.parties import require_party
from skyshare.store import aircraft as aircraft_store
from skyshare.store import conflicts as conflict_store

__all__ = ["ingest", "list_aircraft", "prune_history"]


def ingest(ctx: Context, caller: Caller, batch: Sequence[AircraftState]) -> dict[str, Any]:
    """Store a party's states in one transaction; returns ``{"accepted", "ignored"}``.

    An id belongs to the party that first reported it: one foreign id refuses the whole
    request (403, nothing stored). States no newer than the aircraft's newest are ignored,
    since out-of-order delivery is normal; states dated beyond the agreement's clock
    tolerance refuse the request (422), since a clock that far ahead would make the aircraft
    look live after it is gone.
    """
    party = require_party(caller)
    now = ctx.now()
    with ctx.db.read() as conn:
        agreement = agreement_in_force(conn)
    limit = now + agreement.clock_tolerance_s
    for k, s in enumerate(batch):
        if s.time_s > limit:
            raise InvalidInput(
                f"states[{k}].time is {s.time_s - now:.1f} s in the future; the agreement "
                f"tolerates {agreement.clock_tolerance_s:g} s of clock difference.",
                field=f"states[{k}].time",
            )
    order = sorted(range(len(batch)), key=lambda k: (batch[k].aircraft_id, batch[k].time_s))
    ids = sorted({s.aircraft_id for s in batch})
    accepted: list[AircraftState] = []
    latest: dict[str, AircraftState] = {}
    with ctx.db.write() as tx:
        known = aircraft_store.known(tx.conn, ids)
        for k, s in enumerate(batch):
            owner = known.get(s.aircraft_id)
            if owner is not None and owner.party_id != party.id:
                raise Forbidden(
                    f"Aircraft {s.aircraft_id!r} belongs to another party; nothing was stored.",
                    field=f"states[{k}].aircraft_id",
                    details={"aircraft_id": s.aircraft_id},
                )
        for k in order:
            s = batch[k]
            prev = latest.get(s.aircraft_id)
            newest = (
                prev.time_s
                if prev is not None
                else (known[s.aircraft_id].time_s if s.aircraft_id in known else None)
            )
            if newest is not None and s.time_s <= newest:
                continue
            accepted.append(s)
            latest[s.aircraft_id] = s
        aircraft_store.save_latest(
            tx.conn,
            party.id,
            [s for a, s in latest.items() if a not in known],
            [s for a, s in latest.items() if a in known],
            now,
        )
        aircraft_store.insert_history(tx.conn, party.id, accepted, now)
    live_picture(ctx).update(party.id, list(latest.values()))
    return {"accepted": len(accepted), "ignored": len(batch) - len(accepted)}


def list_aircraft(ctx: Context, caller: Caller) -> list[dict[str, Any]]:
    """Live aircraft the caller may see: its own, and others' only while in a live conflict
    with it (the administrator sees all). Position and velocity only, ordered by id."""
    with ctx.db.read() as conn:
        agreement = agreement_in_force(conn)
        shared: set[str] = set()
        if caller.party_id is not None:
            for c in conflict_store.list_for_party(
                conn,
                caller.party_id,
                [ConflictStatus.OPEN.value, ConflictStatus.ACKNOWLEDGED.value],
                10_000,
            ):
                shared.update(s.id for s in c.subjects if s.type == "aircraft")
    snap = live_picture(ctx).snapshot(ctx.now() - agreement.state_timeout_s)
    out: list[dict[str, Any]] = []
    for k in sorted(range(len(snap)), key=lambda k: str(snap.ids[k])):
        party = str(snap.party[k])
        if caller.party_id is None or party == caller.party_id or snap.ids[k] in shared:
            out.append(state_to_json(snap.state(k), party))
    return out


def prune_history(ctx: Context, retention_s: float) -> int:
    """Delete state history older than ``retention_s``; the newest state per aircraft stays
    in ``aircraft`` (it records ownership), so the database stays flat under steady traffic."""
    with ctx.db.write() as tx:
        return aircraft_store.prune_history(tx.conn, ctx.now() - retention_s)
