"""State ingest: ownership, ordering, storage, and handing the batch to the detector."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection

from skyshare.errors import Forbidden, InvalidInput
from skyshare.model.conflict import ConflictStatus
from skyshare.model.state import AircraftState, StateColumns, state_to_json
from skyshare.services.agreement import agreement_in_force
from skyshare.services.context import Caller, Context
from skyshare.services.live import live_picture
from skyshare.services.parties import require_party
from skyshare.store import aircraft as aircraft_store
from skyshare.store import conflicts as conflict_store

__all__ = ["ingest", "ingest_columns", "list_aircraft", "prune_history"]


#: Aircraft ids the registry remembers before it starts over from the database.
_REGISTRY_CAP = 200_000
#: History rows deleted per retention transaction (each a few ms of the writer).
_PRUNE_CHUNK = 5_000


class _Registry:
    """Owner and newest state time of the aircraft ids this process has stored or read.

    The ``aircraft`` table is the truth; this spares a SELECT per batch. An owner never
    changes once stored, so a remembered owner is always right; newest times change only
    through ingest, which consults and updates the registry while holding ``lock`` around
    its whole write transaction, so the registry moves only after a commit and never sees
    another ingest half done. Misses are read from the table inside that transaction.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owner: dict[str, str] = {}
        self.newest: dict[str, float] = {}

    def load(self, conn: Connection, ids: Iterable[str]) -> None:
        missing = [a for a in ids if a not in self.owner]
        if not missing:
            return
        if len(self.owner) + len(missing) > _REGISTRY_CAP:
            self.owner.clear()  # bounded memory: start over from the table
            self.newest.clear()
        for aid, known in aircraft_store.known(conn, missing).items():
            self.owner[aid] = known.party_id
            self.newest[aid] = known.time_s

    def remember(self, party_id: str, latest: StateColumns) -> None:
        for aid, t in zip(latest.aircraft_id, latest.time_s.tolist(), strict=True):
            self.owner[aid] = party_id
            self.newest[aid] = t


def _registry(ctx: Context) -> _Registry:
    reg = ctx.cache("aircraft_registry", _Registry)
    assert isinstance(reg, _Registry)
    return reg


def ingest(ctx: Context, caller: Caller, batch: Sequence[AircraftState]) -> dict[str, Any]:
    """Store a party's states in one transaction; returns ``{"accepted", "ignored"}``."""
    return ingest_columns(ctx, caller, StateColumns.from_states(batch))


def ingest_columns(ctx: Context, caller: Caller, batch: StateColumns) -> dict[str, Any]:
    """Store a party's states in one transaction; returns ``{"accepted", "ignored"}``.

    An id belongs to the party that first reported it: one foreign id refuses the whole
    request (403, nothing stored). States no newer than the aircraft's newest are ignored,
    since out-of-order delivery is normal; states dated beyond the agreement's clock
    tolerance refuse the request (422), since a clock that far ahead would make the aircraft
    look live after it is gone. Everything but the lookups of newest times runs outside the
    writer, so the single write transaction stays a few milliseconds long.
    """
    party = require_party(caller)
    now = ctx.now()
    with ctx.db.read() as conn:
        agreement = agreement_in_force(conn)
    limit = now + agreement.clock_tolerance_s
    future = np.flatnonzero(batch.time_s > limit)
    if future.shape[0]:
        k = int(future[0])
        raise InvalidInput(
            f"states[{k}].time is {batch.time_s[k] - now:.1f} s in the future; the agreement "
            f"tolerates {agreement.clock_tolerance_s:g} s of clock difference.",
            field=f"states[{k}].time",
        )
    ids = batch.aircraft_id
    unique = set(ids)
    # A request may carry a short track of one aircraft: then it is taken in time order.
    order = (
        None
        if len(unique) == len(ids)
        else sorted(range(len(ids)), key=lambda k: (ids[k], float(batch.time_s[k])))
    )
    reg = _registry(ctx)
    with reg.lock:
        with ctx.db.write() as tx:
            reg.load(tx.conn, unique)
            owners = set(map(reg.owner.get, unique))
            owners.discard(None)
            owners.discard(party.id)
            if owners:
                k = next(k for k, a in enumerate(ids) if reg.owner.get(a, party.id) != party.id)
                raise Forbidden(
                    f"Aircraft {ids[k]!r} belongs to another party; nothing was stored.",
                    field=f"states[{k}].aircraft_id",
                    details={"aircraft_id": ids[k]},
                )
            accepted, latest = _newer(batch, order, reg.newest)
            is_new = np.fromiter(
                (a not in reg.owner for a in latest.aircraft_id), dtype=bool, count=len(latest)
            )
            aircraft_store.insert_latest(
                tx.conn, party.id, latest.take(np.flatnonzero(is_new)), now
            )
            aircraft_store.update_latest(tx.conn, latest.take(np.flatnonzero(~is_new)), now)
            aircraft_store.insert_history(tx.conn, party.id, accepted, now)
        reg.remember(party.id, latest)
    live_picture(ctx).update_columns(party.id, latest)
    return {"accepted": len(accepted), "ignored": len(batch) - len(accepted)}


def _newer(
    batch: StateColumns, order: list[int] | None, newest: dict[str, float]
) -> tuple[StateColumns, StateColumns]:
    """The states newer than each aircraft's newest (to store), and the newest of those.

    ``order`` is None when every aircraft appears once (the common case, done on arrays);
    otherwise it is the batch sorted by (aircraft, time).
    """
    if order is None:
        prev = np.fromiter(
            (newest.get(a, -math.inf) for a in batch.aircraft_id),
            dtype=np.float64,
            count=len(batch),
        )
        keep = batch.time_s > prev
        accepted = batch if bool(keep.all()) else batch.take(np.flatnonzero(keep))
        return accepted, accepted
    ids = batch.aircraft_id
    times = batch.time_s.tolist()
    taken: list[int] = []
    last: dict[str, int] = {}
    for k in order:
        aid = ids[k]
        before = last.get(aid)
        t_prev = times[before] if before is not None else newest.get(aid, -math.inf)
        if times[k] <= t_prev:
            continue
        taken.append(k)
        last[aid] = k
    return (
        batch.take(np.asarray(taken, dtype=np.intp)),
        batch.take(np.asarray(sorted(last.values()), dtype=np.intp)),
    )


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
    before = ctx.now() - retention_s
    total = 0
    while True:
        with ctx.db.write() as tx:
            n = aircraft_store.prune_history(tx.conn, before, _PRUNE_CHUNK)
        total += n
        if n < _PRUNE_CHUNK:
            return total
