"""Continuous detection over the live picture: tactical pairs, conformance, restrictions.

Two entry points share one conflict lifecycle:

- ``check_batch`` runs when states arrive: it checks only the batch's aircraft against every
  live aircraft (``engines.focus``), so a new encounter is announced within milliseconds
  instead of waiting for the next cycle. It opens and refreshes conflicts, never resolves.
- ``run_cycle`` runs every ``cycle_s``: all live aircraft (dead-reckoned to the cycle time),
  conformance to notices and predicted restriction entries. A live conflict not predicted
  by ``RESOLVE_AFTER_CYCLES`` consecutive cycles is resolved (hysteresis, so an encounter on
  the edge of the minima does not flicker open and shut); a tactical conflict still not
  acknowledged by every party ``ack_timeout_s`` after it opened is escalated, once.

Identities are stable (``tactical:aircraft:A|aircraft:B``, ``nonconformance:aircraft:A``,
``restriction:aircraft:A|restriction:R``), so the same encounter keeps its conflict id.
Only pairs of aircraft of *different* parties are tactical conflicts: each party separates
its own traffic; the service exists for traffic that does not share plans.
"""

from __future__ import annotations

import collections
import functools
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from skyshare.engines.conformance import (
    Zones,
    conforming,
    predicted_entries,
    prepare_zones,
)
from skyshare.engines.focus import DeadReckoned, dead_reckon, detect_focused
from skyshare.engines.tactical import TacticalParams, TacticalResult, detect
from skyshare.errors import AgreementNotInForce
from skyshare.model.agreement import Agreement
from skyshare.model.conflict import Conflict, ConflictKind, ConflictStatus, Subject
from skyshare.model.notice import Notice, NoticeState
from skyshare.model.restriction import applicable_volumes
from skyshare.model.state import state_to_json
from skyshare.model.volume import AltitudeReference, Volume4D
from skyshare.services.agreement import agreement_in_force
from skyshare.services.conflicts import announce, resolve
from skyshare.services.context import Context
from skyshare.services.live import Snapshot, live_picture
from skyshare.store import conflicts as conflict_store
from skyshare.store import live as live_store
from skyshare.store import notices as notice_store
from skyshare.store import restrictions as restriction_store

__all__ = [
    "CONFORMANCE_BUFFER_H",
    "CONFORMANCE_BUFFER_V",
    "RESOLVE_AFTER_CYCLES",
    "Detector",
    "check_batch",
    "detector",
    "run_cycle",
]

#: Consecutive full cycles without a prediction before a conflict is resolved.
RESOLVE_AFTER_CYCLES = 3
#: Conformance buffers as fractions of the agreement's minima: an aircraft is conforming
#: while within ``0.1·horizontal_m`` (556 m at 3 NM) of a notice footprint and
#: ``0.5·vertical_m`` (150 m at 300 m) of its band. They absorb navigation and surveillance
#: error (ADS-B NACp 8 is 93 m; barometric vs. geometric altitude differ by tens of metres)
#: while staying well inside the separation minima the notices were deconflicted with.
CONFORMANCE_BUFFER_H = 0.1
CONFORMANCE_BUFFER_V = 0.5
#: A live conflict is re-announced (``conflict.updated``) when its severity changes, its
#: predicted minimum separation moves by this fraction of ``horizontal_m``, or its start
#: moves by this many seconds; smaller changes only refresh it in memory.
_UPDATE_H_FRACTION = 0.1
_UPDATE_TIME_S = 15.0
#: Severity of a tactical conflict entering within this many seconds.
_WARNING_WITHIN_S = 60.0
#: A batch with more than 1/this of the live aircraft is checked by a full sweep instead
#: (measured at 4,000 aircraft: a full sweep costs about as much as focusing on 2,000).
_FOCUS_RATIO = 2
#: Restriction zones are expanded from their schedules for this long ahead.
_ZONE_HORIZON_S = 600.0


@dataclass(frozen=True, slots=True)
class Hit:
    """One predicted conflict as detection sees it, before the lifecycle."""

    identity: str
    kind: ConflictKind
    parties: tuple[str, ...]
    subjects: tuple[Subject, ...]
    time_start_s: float | None
    time_end_s: float | None
    tcpa_s: float | None
    min_horizontal_m: float | None
    min_vertical_m: float | None
    severity: str
    aircraft: tuple[dict[str, Any], ...]


@dataclass
class _Tracked:
    id: str
    kind: ConflictKind
    created_at: float
    severity: str
    min_horizontal_m: float | None
    time_start_s: float | None
    misses: int = 0
    escalated: bool = False


@dataclass
class Detector:
    """The lifecycle state the detector keeps between cycles (rebuilt from the database)."""

    tracked: dict[str, _Tracked] = field(default_factory=dict)
    loaded: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    notice_zones: tuple[tuple[Any, ...], Zones, np.ndarray[Any, Any], dict[str, int]] | None = None
    #: Live notices by id, kept in step with the database's revision clock.
    notices: dict[str, Notice] = field(default_factory=dict)
    notices_rev: int = 0
    restriction_zones: tuple[int, float, Zones, list[str]] | None = None
    cycle_ms: collections.deque[float] = field(
        default_factory=lambda: collections.deque(maxlen=2000)
    )
    batch_ms: collections.deque[float] = field(
        default_factory=lambda: collections.deque(maxlen=2000)
    )
    #: The detection part of a cycle alone (no database writes).
    detect_ms: collections.deque[float] = field(
        default_factory=lambda: collections.deque(maxlen=2000)
    )
    cycles: int = 0
    live_aircraft: int = 0

    def stats(self) -> dict[str, Any]:
        def pct(xs: Iterable[float], q: float) -> float | None:
            arr = np.fromiter(xs, dtype=np.float64)
            return None if arr.shape[0] == 0 else round(float(np.percentile(arr, q)), 3)

        return {
            "cycles": self.cycles,
            "live_aircraft": self.live_aircraft,
            "live_conflicts": len(self.tracked),
            "cycle_ms_p50": pct(self.cycle_ms, 50),
            "cycle_ms_p99": pct(self.cycle_ms, 99),
            "cycle_ms_max": pct(self.cycle_ms, 100),
            "detect_ms_p50": pct(self.detect_ms, 50),
            "detect_ms_p99": pct(self.detect_ms, 99),
            "batch_check_ms_p50": pct(self.batch_ms, 50),
            "batch_check_ms_p99": pct(self.batch_ms, 99),
        }


def detector(ctx: Context) -> Detector:
    """The context's detector, with the live aircraft conflicts loaded on first use."""
    det = ctx.cache("live_detector", Detector)
    assert isinstance(det, Detector)
    if det.loaded:
        return det
    with det.lock:
        if not det.loaded:
            with ctx.db.read() as conn:
                found = live_store.live_aircraft_conflicts(conn)
                since = min((c.created_at for c in found), default=ctx.now())
                escalated = live_store.escalated_ids(conn, since)
            for c in found:
                det.tracked[c.identity] = _Tracked(
                    id=c.id,
                    kind=c.kind,
                    created_at=c.created_at,
                    severity=c.severity,
                    min_horizontal_m=c.min_horizontal_m,
                    time_start_s=c.time_start_s,
                    escalated=c.id in escalated,
                )
            det.loaded = True
    return det


def _agreement(ctx: Context) -> Agreement | None:
    try:
        with ctx.db.read() as conn:
            return agreement_in_force(conn)
    except AgreementNotInForce:
        return None


def _params(a: Agreement) -> TacticalParams:
    return TacticalParams(
        horizontal_m=a.horizontal_m, vertical_m=a.vertical_m, lookahead_s=a.lookahead_s
    )


def _aircraft_json(snap: Snapshot, k: int) -> dict[str, Any]:
    return state_to_json(snap.state(k), str(snap.party[k]))


def _positions(snap: Snapshot, now: float) -> DeadReckoned:
    """Every live aircraft's position dead-reckoned from its last state to ``now``."""
    return dead_reckon(
        snap.lat,
        snap.lng,
        snap.altitude_m,
        snap.ground_speed_mps,
        snap.track_deg,
        snap.vertical_rate_mps,
        now - snap.time_s,
    )


def _tactical(
    snap: Snapshot, now: float, a: Agreement, focus: np.ndarray[Any, Any] | None
) -> list[Hit]:
    """Cross-party pairs predicted to lose separation, positions dead-reckoned to ``now``."""
    if len(snap) < 2:
        return []
    pos = _positions(snap, now)
    arrays = {
        "lat_deg": pos.lat_deg,
        "lng_deg": pos.lng_deg,
        "alt_m": pos.alt_m,
        "gs_mps": snap.ground_speed_mps,
        "trk_deg": snap.track_deg,
        "vs_mps": snap.vertical_rate_mps,
    }
    result: TacticalResult
    if focus is None or int(np.count_nonzero(focus)) * _FOCUS_RATIO > len(snap):
        # A large batch is cheaper to check with the full sweep (altitude bands) and a filter.
        result = detect(**arrays, params=_params(a))
    else:
        result = detect_focused(**arrays, focus=focus, params=_params(a))
    c = result.conflicts
    cross = snap.party[c.i] != snap.party[c.j]
    if focus is not None:
        cross &= focus[c.i] | focus[c.j]
    los = set(zip(result.los.i.tolist(), result.los.j.tolist(), strict=True))
    hits: list[Hit] = []
    for k in np.flatnonzero(cross).tolist():
        i, j = int(c.i[k]), int(c.j[k])
        tcpa = float(c.tcpa_s[k])
        t_in, t_out = float(c.t_in_s[k]), float(c.t_out_s[k])
        dvs = float(snap.vertical_rate_mps[j] - snap.vertical_rate_mps[i])
        dalt = float(pos.alt_m[j] - pos.alt_m[i]) + dvs * max(tcpa, 0.0)
        ida, idb = str(snap.ids[i]), str(snap.ids[j])
        first, second = (i, j) if ida < idb else (j, i)
        severity = (
            "critical" if (i, j) in los else ("warning" if t_in <= _WARNING_WITHIN_S else "caution")
        )
        hits.append(
            Hit(
                identity=f"tactical:aircraft:{snap.ids[first]}|aircraft:{snap.ids[second]}",
                kind=ConflictKind.TACTICAL,
                parties=tuple(sorted({str(snap.party[i]), str(snap.party[j])})),
                subjects=tuple(
                    Subject("aircraft", str(snap.ids[x]), str(snap.party[x]))
                    for x in (first, second)
                ),
                time_start_s=now + max(t_in, 0.0),
                time_end_s=now
                + (a.lookahead_s if math.isinf(t_out) else min(t_out, a.lookahead_s)),
                tcpa_s=round(tcpa, 3),
                min_horizontal_m=round(float(c.dcpa_m[k]), 1),
                min_vertical_m=round(abs(dalt), 1),
                severity=severity,
                aircraft=(_aircraft_json(snap, first), _aircraft_json(snap, second)),
            )
        )
    return hits


def _limits(v: Volume4D) -> tuple[float, float]:
    lower = v.lower.value_m if v.lower.value_m is not None else -math.inf
    upper = v.upper.value_m if v.upper.value_m is not None else math.inf
    return lower, upper


#: Zones are rebuilt at least this often, holding the volumes in force within the next
#: ``_ZONE_AHEAD_S`` (so a notice that starts later is in the zones before it starts).
_ZONE_EPOCH_S = 300.0
_ZONE_AHEAD_S = 2 * _ZONE_EPOCH_S


def _notice_zones(
    ctx: Context, det: Detector, a: Agreement, rev: int, now: float, parties: frozenset[str]
) -> tuple[Zones, np.ndarray[Any, Any], dict[str, int]]:
    """Notice zones (with the conformance buffer) of the parties flying, near ``now``.

    Rebuilt when a notice changes, when the set of flying parties changes, and every
    ``_ZONE_EPOCH_S``; only changed notices are read from the database, and only volumes in
    force around now are buffered, so many stored notices cost little per cycle.
    """
    key = (rev, parties, math.floor(now / _ZONE_EPOCH_S))
    if det.notice_zones is not None and det.notice_zones[0] == key:
        return det.notice_zones[1], det.notice_zones[2], det.notice_zones[3]
    if rev != det.notices_rev:
        with ctx.db.read() as conn:
            for r, nid, notice in notice_store.changed_since(conn, det.notices_rev):
                if notice is None or notice.state == NoticeState.ENDED:
                    det.notices.pop(nid, None)
                else:
                    det.notices[nid] = notice
                det.notices_rev = max(det.notices_rev, r)
    lo_t = now - _ZONE_EPOCH_S
    hi_t = now + _ZONE_AHEAD_S
    codes: dict[str, int] = {}
    fps, lo, hi, t0, t1, grp = [], [], [], [], [], []
    for n in det.notices.values():
        if n.owner not in parties:
            continue
        code = codes.setdefault(n.owner, len(codes))
        for v in n.volumes:
            if (v.time_end_s is not None and v.time_end_s < lo_t) or (
                v.time_start_s is not None and v.time_start_s > hi_t
            ):
                continue
            lower, upper = _limits(v)
            if v.lower.reference == AltitudeReference.AGL:
                lower = -math.inf  # no terrain model: do not judge an AGL band vertically
            if v.upper.reference == AltitudeReference.AGL:
                upper = math.inf
            fps.append(v.footprint)
            lo.append(lower)
            hi.append(upper)
            t0.append(-math.inf if v.time_start_s is None else v.time_start_s)
            t1.append(math.inf if v.time_end_s is None else v.time_end_s)
            grp.append(code)
    zones = prepare_zones(fps, lo, hi, t0, t1, buffer_h_m=CONFORMANCE_BUFFER_H * a.horizontal_m)
    groups = np.asarray(grp, dtype=np.int64)
    det.notice_zones = (key, zones, groups, codes)
    return zones, groups, codes


def _conformance(
    ctx: Context, det: Detector, snap: Snapshot, now: float, a: Agreement, rev: int
) -> list[Hit]:
    """Aircraft of a party with active notices, outside all of that party's active volumes."""
    if len(snap) == 0:
        return []
    zones, groups, codes = _notice_zones(
        ctx, det, a, rev, now, frozenset(str(p) for p in snap.party)
    )
    if len(zones) == 0:
        return []
    active = (zones.start_s <= now) & (now <= zones.end_s)
    with_notices = {p for p, code in codes.items() if bool(np.any(active & (groups == code)))}
    group = np.fromiter(
        (codes.get(str(p), -1) for p in snap.party), dtype=np.int64, count=len(snap)
    )
    pos = _positions(snap, now)
    inside = conforming(
        zones,
        groups,
        pos.lat_deg,
        pos.lng_deg,
        pos.alt_m,
        group,
        now_s=now,
        buffer_v_m=CONFORMANCE_BUFFER_V * a.vertical_m,
    )
    hits: list[Hit] = []
    for k in np.flatnonzero(~inside).tolist():
        party = str(snap.party[k])
        if party not in with_notices:
            continue
        aid = str(snap.ids[k])
        hits.append(
            Hit(
                identity=f"nonconformance:aircraft:{aid}",
                kind=ConflictKind.NONCONFORMANCE,
                parties=(party,),
                subjects=(Subject("aircraft", aid, party),),
                time_start_s=None,
                time_end_s=None,
                tcpa_s=None,
                min_horizontal_m=None,
                min_vertical_m=None,
                severity="warning",
                aircraft=(_aircraft_json(snap, k),),
            )
        )
    return hits


def _restriction_zones(
    ctx: Context, det: Detector, now: float, a: Agreement, rev: int
) -> tuple[Zones, list[str]]:
    """Restriction volumes in force from now to the zone horizon (schedules expanded)."""
    cached = det.restriction_zones
    if cached is not None and cached[0] == rev and now + a.lookahead_s <= cached[1]:
        return cached[2], cached[3]
    until = now + a.lookahead_s + _ZONE_HORIZON_S
    with ctx.db.read() as conn:
        found = restriction_store.list_live(conn, 1_000_000)
    fps, lo, hi, t0, t1, rid = [], [], [], [], [], []
    for r in found:
        for v in applicable_volumes(r, now - 60.0, until):
            lower, upper = _limits(v)
            fps.append(v.footprint)
            lo.append(lower)
            hi.append(upper)
            t0.append(v.time_start_s if v.time_start_s is not None else -math.inf)
            t1.append(v.time_end_s if v.time_end_s is not None else math.inf)
            rid.append(str(r.id))
    zones = prepare_zones(fps, lo, hi, t0, t1)
    det.restriction_zones = (rev, until, zones, rid)
    return zones, rid


def _restrictions(
    ctx: Context, det: Detector, snap: Snapshot, now: float, a: Agreement, rev: int
) -> list[Hit]:
    """Aircraft predicted to enter a restriction within the look-ahead (or already inside)."""
    if len(snap) == 0:
        return []
    zones, rid = _restriction_zones(ctx, det, now, a, rev)
    if len(zones) == 0:
        return []
    pos = _positions(snap, now)
    entries = predicted_entries(
        zones,
        pos.lat_deg,
        pos.lng_deg,
        pos.alt_m,
        snap.ground_speed_mps,
        snap.track_deg,
        snap.vertical_rate_mps,
        now_s=now,
        lookahead_s=a.lookahead_s,
    )
    first: dict[tuple[int, str], float] = {}
    for k, z, t in zip(
        entries.aircraft.tolist(), entries.zone.tolist(), entries.t_entry_s.tolist(), strict=True
    ):
        key = (k, rid[z])
        first[key] = min(t, first.get(key, math.inf))
    hits: list[Hit] = []
    for (k, r), t in sorted(first.items()):
        party = str(snap.party[k])
        aid = str(snap.ids[k])
        hits.append(
            Hit(
                identity=f"restriction:aircraft:{aid}|restriction:{r}",
                kind=ConflictKind.RESTRICTION,
                parties=(party,),
                subjects=(Subject("aircraft", aid, party), Subject("restriction", r, None)),
                time_start_s=now + t,
                time_end_s=None,
                tcpa_s=round(t, 3),
                min_horizontal_m=0.0,
                min_vertical_m=0.0,
                severity="critical" if t == 0.0 else "warning",
                aircraft=(_aircraft_json(snap, k),),
            )
        )
    return hits


def _significant(t: _Tracked, h: Hit, a: Agreement) -> bool:
    if h.severity != t.severity:
        return True
    if (
        h.min_horizontal_m is not None
        and t.min_horizontal_m is not None
        and abs(h.min_horizontal_m - t.min_horizontal_m) > _UPDATE_H_FRACTION * a.horizontal_m
    ):
        return True
    return (
        h.time_start_s is not None
        and t.time_start_s is not None
        and abs(h.time_start_s - t.time_start_s) > _UPDATE_TIME_S
    )


def _apply(
    ctx: Context,
    det: Detector,
    hits: Iterable[Hit],
    now: float,
    a: Agreement,
    swept: frozenset[ConflictKind],
) -> None:
    """Open, update, resolve and escalate, in one transaction when anything changes.

    The in-memory lifecycle changes only after the commit, so a failed write leaves it as
    the database is.
    """
    seen: dict[str, Hit] = {}
    opened: list[Hit] = []
    updated: list[tuple[_Tracked, Hit]] = []
    for h in hits:
        if h.identity in seen:
            continue
        seen[h.identity] = h
        t = det.tracked.get(h.identity)
        if t is None:
            opened.append(h)
        else:
            t.misses = 0
            if _significant(t, h, a):
                updated.append((t, h))
    resolving: list[tuple[str, _Tracked]] = []
    for identity, t in det.tracked.items():
        if t.kind in swept and identity not in seen:
            t.misses += 1
            if t.misses >= RESOLVE_AFTER_CYCLES:
                resolving.append((identity, t))
    escalating = [
        t
        for t in det.tracked.values()
        if swept
        and t.kind == ConflictKind.TACTICAL
        and not t.escalated
        and now - t.created_at >= a.ack_timeout_s
    ]
    if not (opened or updated or resolving or escalating):
        return
    after: list[Callable[[], None]] = []
    with ctx.db.write() as tx:
        for h in opened:
            c = Conflict(
                id=str(uuid.uuid4()),
                kind=h.kind,
                identity=h.identity,
                parties=h.parties,
                subjects=h.subjects,
                time_start_s=now if h.time_start_s is None else h.time_start_s,
                time_end_s=h.time_end_s,
                tcpa_s=h.tcpa_s,
                min_horizontal_m=h.min_horizontal_m,
                min_vertical_m=h.min_vertical_m,
                severity=h.severity,
                status=ConflictStatus.OPEN,
                aircraft=h.aircraft,
                created_at=now,
                updated_at=now,
            )
            conflict_store.insert(tx.conn, c)
            announce(ctx, tx, c, "conflict.opened")
            tracked = _Tracked(c.id, c.kind, now, c.severity, c.min_horizontal_m, c.time_start_s)
            after.append(functools.partial(det.tracked.__setitem__, h.identity, tracked))
        for t, h in updated:
            row = conflict_store.get(tx.conn, t.id)
            if row is None or row.status not in (ConflictStatus.OPEN, ConflictStatus.ACKNOWLEDGED):
                after.append(functools.partial(_forget, det, h.identity))
                continue
            c = replace(
                row,
                time_start_s=row.time_start_s if h.time_start_s is None else h.time_start_s,
                time_end_s=h.time_end_s,
                tcpa_s=h.tcpa_s,
                min_horizontal_m=h.min_horizontal_m,
                min_vertical_m=h.min_vertical_m,
                severity=h.severity,
                aircraft=h.aircraft,
                updated_at=now,
            )
            conflict_store.update_row(tx.conn, c)
            announce(ctx, tx, c, "conflict.updated")
            after.append(
                functools.partial(_refresh, t, c.severity, c.min_horizontal_m, c.time_start_s)
            )
        for identity, t in resolving:
            row = conflict_store.get(tx.conn, t.id)
            if row is not None and row.status in (ConflictStatus.OPEN, ConflictStatus.ACKNOWLEDGED):
                resolve(ctx, tx, row)
            after.append(functools.partial(_forget, det, identity))
        for t in escalating:
            row = conflict_store.get(tx.conn, t.id)
            if row is not None and row.status == ConflictStatus.OPEN:
                announce(ctx, tx, replace(row, updated_at=now), "conflict.escalated")
            after.append(functools.partial(_escalated, t))
    for fn in after:
        fn()


def _forget(det: Detector, identity: str) -> None:
    det.tracked.pop(identity, None)


def _escalated(t: _Tracked) -> None:
    t.escalated = True


def _refresh(t: _Tracked, severity: str, min_h: float | None, start: float | None) -> None:
    t.severity, t.min_horizontal_m, t.time_start_s = severity, min_h, start


def check_batch(ctx: Context, ids: Iterable[str], now: float | None = None) -> int:
    """Check these aircraft against every live aircraft now; returns how many hits."""
    a = _agreement(ctx)
    wanted = set(ids)
    if a is None or not wanted:
        return 0
    det = detector(ctx)
    t0 = time.perf_counter()
    at = ctx.now() if now is None else now
    snap = live_picture(ctx).snapshot(at - a.state_timeout_s)
    focus = np.fromiter((x in wanted for x in snap.ids), dtype=bool, count=len(snap))
    hits = _tactical(snap, at, a, focus) if bool(focus.any()) else []
    with det.lock:
        _apply(ctx, det, hits, at, a, frozenset())
    det.batch_ms.append((time.perf_counter() - t0) * 1000.0)
    return len(hits)


def run_cycle(ctx: Context, now: float | None = None) -> float:
    """One full cycle over every live aircraft; returns the agreement's ``cycle_s``."""
    a = _agreement(ctx)
    if a is None:
        return 1.0
    det = detector(ctx)
    t0 = time.perf_counter()
    at = ctx.now() if now is None else now
    snap = live_picture(ctx).snapshot(at - a.state_timeout_s)
    with ctx.db.read() as conn:
        notice_rev, restriction_rev = live_store.revisions(conn)
    hits = _tactical(snap, at, a, None)
    hits += _conformance(ctx, det, snap, at, a, notice_rev)
    hits += _restrictions(ctx, det, snap, at, a, restriction_rev)
    det.detect_ms.append((time.perf_counter() - t0) * 1000.0)
    with det.lock:
        _apply(
            ctx,
            det,
            hits,
            at,
            a,
            frozenset(
                (ConflictKind.TACTICAL, ConflictKind.NONCONFORMANCE, ConflictKind.RESTRICTION)
            ),
        )
    det.cycles += 1
    det.live_aircraft = len(snap)
    det.cycle_ms.append((time.perf_counter() - t0) * 1000.0)
    return a.cycle_s
