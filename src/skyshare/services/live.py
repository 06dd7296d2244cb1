"""The live picture: the newest state of every aircraft, in arrays, shared by ingest and detector.

The database (``aircraft``) is the truth; this is its in-memory projection for detection, which
needs structure-of-arrays and must not read 4,000 rows every cycle. Ingest updates it after
each commit and marks the batch's aircraft dirty, waking the detector; a restart rebuilds it
from the table. Aircraft older than ``state_timeout_s`` leave it, so memory stays bounded by
the number of live aircraft.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skyshare.model.state import AircraftState, StateColumns
from skyshare.services.context import Context

__all__ = ["LivePicture", "Snapshot", "catch_up", "live_picture"]

F64 = NDArray[np.float64]
_FIELDS = (
    "time_s",
    "lat",
    "lng",
    "altitude_m",
    "ground_speed_mps",
    "track_deg",
    "vertical_rate_mps",
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Copies of the live aircraft's newest states (one entry per aircraft)."""

    ids: NDArray[np.object_]
    party: NDArray[np.object_]
    time_s: F64
    lat: F64
    lng: F64
    altitude_m: F64
    ground_speed_mps: F64
    track_deg: F64
    vertical_rate_mps: F64

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def state(self, k: int) -> AircraftState:
        return AircraftState(
            aircraft_id=str(self.ids[k]),
            time_s=float(self.time_s[k]),
            lat=float(self.lat[k]),
            lng=float(self.lng[k]),
            altitude_m=float(self.altitude_m[k]),
            ground_speed_mps=float(self.ground_speed_mps[k]),
            track_deg=float(self.track_deg[k]),
            vertical_rate_mps=float(self.vertical_rate_mps[k]),
        )


class LivePicture:
    """Slot arrays keyed by aircraft id; thread-safe; ``wake`` is set when states arrive."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slot: dict[str, int] = {}
        self._free: list[int] = []
        self._cap = 0
        self._ids = np.empty(0, dtype=object)
        self._party = np.empty(0, dtype=object)
        self._used = np.zeros(0, dtype=bool)
        self._cols: dict[str, F64] = {f: np.empty(0) for f in _FIELDS}
        self._dirty: set[str] = set()
        self.wake = threading.Event()
        self.loaded = False
        #: The last ``states`` seq applied from the database (PostgreSQL: other processes).
        self.feed_seq = 0
        self.feed_lock = threading.Lock()
        self.load_lock = threading.Lock()

    def _grow(self, need: int) -> None:
        cap = max(need, 2 * self._cap, 1024)
        extra = cap - self._cap
        self._ids = np.concatenate((self._ids, np.empty(extra, dtype=object)))
        self._party = np.concatenate((self._party, np.empty(extra, dtype=object)))
        self._used = np.concatenate((self._used, np.zeros(extra, dtype=bool)))
        for f in _FIELDS:
            self._cols[f] = np.concatenate((self._cols[f], np.full(extra, -np.inf)))
        self._free.extend(range(cap - 1, self._cap - 1, -1))
        self._cap = cap

    def update(self, party_id: str, latest: Sequence[AircraftState], *, dirty: bool = True) -> None:
        """Take the newest state of each aircraft (callers pass one state per aircraft)."""
        self.update_columns(party_id, StateColumns.from_states(latest), dirty=dirty)

    def update_columns(self, party_id: str, latest: StateColumns, *, dirty: bool = True) -> None:
        """Take the newest state of each aircraft (one entry per aircraft), on arrays."""
        n = len(latest)
        if n == 0:
            return
        with self._lock:
            if len(self._free) < n:
                self._grow(self._cap + n)
            get = self._slot.get
            slots = np.fromiter((get(a, -1) for a in latest.aircraft_id), dtype=np.intp, count=n)
            for k in np.flatnonzero(slots < 0).tolist():
                aid = latest.aircraft_id[k]
                slot = self._free.pop()
                self._slot[aid] = slot
                self._ids[slot] = aid
                self._used[slot] = True
                slots[k] = slot
            # An older state arriving late changes nothing (free slots hold -inf).
            newer = latest.time_s > self._cols["time_s"][slots]
            if not bool(newer.all()):
                slots = slots[newer]
            self._party[slots] = party_id
            for f in _FIELDS:
                col = getattr(latest, f)
                self._cols[f][slots] = col if slots.shape[0] == n else col[newer]
            if dirty and slots.shape[0] == n:
                self._dirty.update(latest.aircraft_id)
            elif dirty:  # only what changed: a state seen twice is checked once
                ids = latest.aircraft_id
                self._dirty.update(a for a, new in zip(ids, newer, strict=True) if new)
        if dirty:
            self.wake.set()

    def take_dirty(self) -> set[str]:
        with self._lock:
            out, self._dirty = self._dirty, set()
        return out

    def snapshot(self, since_s: float) -> Snapshot:
        """Aircraft with a state at or after ``since_s``; older ones are dropped for good."""
        with self._lock:
            t = self._cols["time_s"]
            stale = self._used & (t < since_s)
            for slot in np.flatnonzero(stale).tolist():
                del self._slot[self._ids[slot]]
                self._ids[slot] = None
                self._party[slot] = None
                self._free.append(slot)
            self._used &= ~stale
            for f in _FIELDS:
                self._cols[f][stale] = -np.inf
            keep = np.flatnonzero(self._used)
            return Snapshot(
                self._ids[keep].copy(),
                self._party[keep].copy(),
                *(self._cols[f][keep].copy() for f in _FIELDS),
            )

    def __len__(self) -> int:
        with self._lock:
            return len(self._slot)

    def parties_of(self, ids: Iterable[str]) -> dict[str, str]:
        with self._lock:
            return {a: str(self._party[self._slot[a]]) for a in ids if a in self._slot}


def live_picture(ctx: Context) -> LivePicture:
    """The context's live picture, loaded from the ``aircraft`` table on first use."""
    picture = ctx.cache("live_picture", LivePicture)
    assert isinstance(picture, LivePicture)
    if picture.loaded:
        return picture
    with picture.load_lock:
        if picture.loaded:
            return picture
        from skyshare.store import aircraft as aircraft_store

        with ctx.db.read() as conn:
            rows = aircraft_store.live_since(conn, ctx.now() - 3600.0)
            picture.feed_seq = aircraft_store.last_history_seq(conn)
        by_party: dict[str, list[AircraftState]] = {}
        for r in rows:
            by_party.setdefault(r.party_id, []).append(r.state)
        for party, states in by_party.items():
            picture.update(party, states, dirty=False)
        picture.loaded = True
    return picture


def catch_up(ctx: Context) -> int:
    """Apply states other processes stored since the last call; returns how many were read.

    With several API processes on one PostgreSQL database, a batch may arrive at any of
    them, but only the leader detects: it follows the ``states`` history by seq (woken by
    NOTIFY). States this process stored itself come round again and change nothing.
    """
    from skyshare.store import aircraft as aircraft_store

    picture = live_picture(ctx)
    with picture.feed_lock:
        with ctx.db.read() as conn:
            last, rows = aircraft_store.history_after(conn, picture.feed_seq)
        picture.feed_seq = last
    newest: dict[str, tuple[str, AircraftState]] = {}
    for r in rows:
        seen = newest.get(r.state.aircraft_id)
        if seen is None or r.state.time_s > seen[1].time_s:
            newest[r.state.aircraft_id] = (r.party_id, r.state)
    by_party: dict[str, list[AircraftState]] = {}
    for party, state in newest.values():
        by_party.setdefault(party, []).append(state)
    for party, states in by_party.items():
        picture.update(party, states)
    return len(rows)
