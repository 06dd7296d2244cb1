"""Strategic conflicts between 4D volumes: a mutable spatio-temporal index and the exact test.

Two volumes conflict when all three gaps are under the agreement's minima (strictly):
horizontal distance between footprints < ``horizontal_m``, vertical gap < ``vertical_m``,
time gap < ``time_buffer_s``. A key (a notice or restriction id) conflicts when any pair of
its volumes does. See ``docs/strategic.md`` for the rule, the datums and the proof that the
candidate search never drops a conflict.

The index is a uniform 3-D grid over ECEF unit vectors crossed with time buckets. Each
volume's footprint lies in a spherical cap; the cap lies in a ball; the volume is listed in
every cell meeting that ball and the sphere, for every time bucket its window meets. A query
enlarges its own cap by ``horizontal_m`` and its window by ``time_buffer_s`` and visits the
same way. Two footprints closer than ``horizontal_m`` share a surface point ``p`` within both
enlarged balls, and ``p``'s cell is visited; two windows closer than the buffer share an
instant, and its bucket is visited. Volumes too large for the grid, and windows too long or
unbounded for the buckets, sit in lists every query reads, so nothing is ever skipped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skyshare.engines.geometry import (
    FootprintArrays,
    bounding_cap,
    box_cap,
    footprints_intersect_bbox,
    indexed_pair_distances_m,
    prepare_footprint_arrays,
)
from skyshare.engines.projection import central_angle
from skyshare.model.volume import AltitudeReference, Footprint, Volume4D
from skyshare.units import EARTH_RADIUS_M

__all__ = [
    "TERRAIN_MAX_M",
    "TERRAIN_MIN_M",
    "Minima",
    "StrategicHit",
    "VolumeIndex",
    "altitude_band",
    "keys_meeting_box",
    "time_bounds",
]

#: Lowest land surface: the Dead Sea shore, about 430 m below mean sea level.
TERRAIN_MIN_M = -430.0
#: Highest land surface: Mount Everest, 8,848.86 m (China–Nepal survey, 2020).
TERRAIN_MAX_M = 8_849.0

#: Datum codes of an altitude band: both limits W84, both AGL, or one of each.
_W84, _AGL, _MIXED = 0, 1, 2
_SLACK_M = 1.0
_PREPARE_BATCH = 2048
#: At most this many pending footprints are prepared together with a query's own.
_JOIN_PENDING = 64
_GROW = 1024
#: Columns of the per-volume table the filters read (one row gathered per candidate):
#: window, band as given, band widened to W84, datum code, cap centre, cap radius.
_T0, _T1, _LO, _HI, _LO_W, _HI_W, _DATUM, _X, _Y, _Z, _RAD = range(11)
_HOT = 11


@dataclass(frozen=True, slots=True)
class Minima:
    """Separation minima of the agreement: metres across, metres up, seconds apart."""

    horizontal_m: float
    vertical_m: float
    time_buffer_s: float

    def __post_init__(self) -> None:
        for name in ("horizontal_m", "vertical_m", "time_buffer_s"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0.0):
                raise ValueError(f"Minima.{name} must be a finite number >= 0; got {v}.")


@dataclass(frozen=True, slots=True)
class StrategicHit:
    """One existing key in conflict with the new volumes.

    ``min_horizontal_m`` and ``min_vertical_m`` are the smallest over the conflicting
    pairs (a vertical gap ≤ 0 is an overlap; ``-inf`` when both bands are unlimited above).
    ``time_start_s``/``time_end_s`` span the conflicting pairs' window overlaps widened by
    the buffer on both sides; None where unbounded. ``volume_pairs`` are (new index,
    existing index) pairs in conflict, sorted.
    """

    key: str
    min_horizontal_m: float
    min_vertical_m: float
    time_start_s: float | None
    time_end_s: float | None
    volume_pairs: tuple[tuple[int, int], ...]


def time_bounds(v: Volume4D) -> tuple[float, float]:
    """The window as ``(start, end)`` seconds with ±inf for an unbounded end."""
    t0 = -math.inf if v.time_start_s is None else float(v.time_start_s)
    t1 = math.inf if v.time_end_s is None else float(v.time_end_s)
    return t0, t1


def keys_meeting_box(
    volumes: Mapping[str, Sequence[Volume4D]],
    min_lng: float,
    min_lat: float,
    max_lng: float,
    max_lat: float,
    t_from: float | None,
    t_to: float | None,
) -> list[str]:
    """Keys with a volume meeting a lng/lat box during ``[t_from, t_to]``, sorted.

    :meth:`VolumeIndex.query_bbox` without an index, for candidates found elsewhere (the
    database's space-time index): a box is one shape, so building an index for it would
    cost more than the test. Same conventions: touching counts, None times are unbounded.
    """
    lo = -math.inf if t_from is None else float(t_from)
    hi = math.inf if t_to is None else float(t_to)
    keys: list[str] = []
    shapes: list[Footprint] = []
    for key, vols in volumes.items():
        for v in vols:
            t0, t1 = time_bounds(v)
            if t0 <= hi and t1 >= lo:
                keys.append(key)
                shapes.append(v.footprint)
    if not shapes:
        return []
    meets = footprints_intersect_bbox(shapes, min_lng, min_lat, max_lng, max_lat)
    return sorted({k for k, m in zip(keys, meets.tolist(), strict=True) if m})


def altitude_band(v: Volume4D) -> tuple[int, float, float, float, float]:
    """``(datum, lo, hi, lo_w84, hi_w84)`` of a volume's band in metres.

    ``lo``/``hi`` are as given (``hi`` = inf when unlimited); ``lo_w84``/``hi_w84`` widen
    every AGL limit to the W84 heights it could mean anywhere on Earth: a lower limit over
    the lowest land, an upper one over the highest. Comparing an AGL band with a W84 band
    that way can raise a false alert but never miss a conflict.
    """
    lo_ref = v.lower.reference
    lo = float(v.lower.value_m) if v.lower.value_m is not None else -math.inf
    if v.upper.value_m is None:
        hi, hi_ref = math.inf, lo_ref
    else:
        hi, hi_ref = float(v.upper.value_m), v.upper.reference
    same_agl = _AGL if lo_ref == AltitudeReference.AGL else _W84
    datum = _MIXED if lo_ref != hi_ref else same_agl
    lo_w = lo + TERRAIN_MIN_M if lo_ref == AltitudeReference.AGL else lo
    hi_w = hi + TERRAIN_MAX_M if hi_ref == AltitudeReference.AGL else hi
    return datum, lo, hi, lo_w, hi_w


class _Query:
    """The new volumes as arrays, with their footprints prepared once."""

    def __init__(
        self,
        volumes: Sequence[Volume4D],
        extra: Sequence[tuple[Footprint, tuple[float, float, float]]] = (),
    ) -> None:
        """``extra``: more footprints (with their caps) to prepare in the same batch; they
        are :attr:`footprints` rows ``n`` onwards. Preparing costs numpy's per-call overhead
        more than the points, so the index's few pending footprints ride along.
        """
        n = len(volumes)
        self.n = n
        caps = [bounding_cap(v.footprint) for v in volumes]
        self.footprints = prepare_footprint_arrays(
            [v.footprint for v in volumes] + [f for f, _ in extra], caps + [c for _, c in extra]
        )
        rows = []
        for v, cap in zip(volumes, caps, strict=True):
            datum, lo, hi, lo_w, hi_w = altitude_band(v)
            rows.append((*time_bounds(v), lo, hi, lo_w, hi_w, datum, 0.0, 0.0, 0.0, cap[2]))
        self.hot = np.array(rows, dtype=np.float64).reshape(n, _HOT)
        # The caps' centres are the prepared centres: both are ``latlng_to_unit`` of them.
        self.hot[:, _X : _Z + 1] = self.footprints.centre[:n]
        self.t0 = self.hot[:, _T0]
        self.t1 = self.hot[:, _T1]
        self.cap_xyz = self.footprints.centre[:n]
        self.cap_rad = self.hot[:, _RAD]


class VolumeIndex:
    """A mutable spatio-temporal index of volume sets keyed by string (notice, restriction).

    ``cell_m`` is the grid's cell edge; ``bucket_s`` the length of a time bucket; windows
    spanning more than ``max_buckets`` buckets (or unbounded) are listed once per cell for
    all time. Footprints whose bounding ball is wider than a cell are read by every query.

    ``grid=False`` keeps no grid: for callers that find candidates elsewhere (a database's
    index) and query ``among`` them only, so adding a volume skips listing it in cells.
    """

    def __init__(
        self,
        *,
        cell_m: float = 40_000.0,
        bucket_s: float = 21_600.0,
        max_buckets: int = 4,
        grid: bool = True,
    ) -> None:
        if not (cell_m > 0 and bucket_s > 0 and max_buckets >= 1):
            raise ValueError("VolumeIndex needs cell_m > 0, bucket_s > 0 and max_buckets >= 1.")
        self._gridded = grid
        self._s = cell_m / EARTH_RADIUS_M
        self._bucket_s = float(bucket_s)
        self._max_buckets = int(max_buckets)
        self._grid: dict[int, dict[int | None, _Members]] = {}
        self._big: set[int] = set()
        self._keys: dict[str, list[int]] = {}
        self._key_ids: dict[str, int] = {}
        self._key_names: dict[int, str] = {}
        self._next_key_id = 0
        self._free: list[int] = []
        self._size = 0
        cap = _GROW
        self._hot = np.empty((cap, _HOT))
        self._hot_views()
        # Prepared footprints as the columns of a FootprintArrays (set when prepared): the
        # exact distances gather them by slot, with no Python object per volume.
        self._centre = np.empty((cap, 3))
        self._radius_m = np.zeros(cap)
        self._ring_start = np.zeros(cap, dtype=np.intp)
        self._ring_len = np.zeros(cap, dtype=np.intp)
        self._rings = np.empty((_GROW * 16, 3))
        self._rings_used = 0
        self._rings_dead = 0
        self._key_of = np.full(cap, -1, dtype=np.int64)
        self._vidx = np.empty(cap, dtype=np.int64)
        self._footprint: list[Footprint | None] = [None] * cap
        self._pending: dict[int, tuple[float, float, float]] = {}

    # -- public surface ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> list[str]:
        """Every key held, sorted."""
        return sorted(self._keys)

    def add(self, key: str, volumes: Sequence[Volume4D]) -> None:
        """Hold ``volumes`` under ``key``, replacing what the key held before."""
        if key in self._keys:
            self.remove(key)
        kid = self._next_key_id
        self._next_key_id += 1
        self._key_ids[key] = kid
        self._key_names[kid] = key
        slots: list[int] = []
        for j, v in enumerate(volumes):
            slot = self._alloc()
            lat, lng, rad = bounding_cap(v.footprint)
            t0, t1 = time_bounds(v)
            datum, *band = altitude_band(v)
            self._t[slot] = (t0, t1)
            self._band[slot] = band
            self._datum[slot] = datum
            self._cap_xyz[slot] = _unit(lat, lng)
            self._cap_rad[slot] = rad
            self._key_of[slot] = kid
            self._vidx[slot] = j
            self._footprint[slot] = v.footprint
            self._ring_len[slot] = 0
            self._pending[slot] = (lat, lng, rad)
            if self._gridded:
                self._register(slot, add=True)
            slots.append(slot)
        self._keys[key] = slots
        if len(self._pending) >= _PREPARE_BATCH:
            self._flush()

    def add_many(self, items: Iterable[tuple[str, Sequence[Volume4D]]]) -> None:
        """:meth:`add` for each ``(key, volumes)``; the start-up rebuild."""
        for key, volumes in items:
            self.add(key, volumes)

    def remove(self, key: str) -> None:
        """Forget ``key``; a KeyError if it is not held."""
        slots = self._keys.pop(key)
        kid = self._key_ids.pop(key)
        del self._key_names[kid]
        for slot in slots:
            if self._gridded:
                self._register(slot, add=False)
            self._key_of[slot] = -1
            self._footprint[slot] = None
            self._rings_dead += int(self._ring_len[slot])
            self._ring_len[slot] = 0
            self._pending.pop(slot, None)
            self._free.append(slot)

    def query(
        self,
        volumes: Sequence[Volume4D],
        minima: Minima,
        *,
        exclude: str | None = None,
        among: Iterable[str] | None = None,
    ) -> list[StrategicHit]:
        """Every held key with a volume in conflict with ``volumes``, one hit each, by key.

        ``among``: only these keys (those not held are ignored), tested without the grid:
        every volume of theirs is a candidate of every new volume.
        """
        if among is None and not self._gridded:
            raise ValueError("An index without a grid answers only queries among given keys.")
        if not volumes or not self._keys:
            return []
        if len(self._pending) > _JOIN_PENDING:
            self._flush()
        pending = list(self._pending.items())
        q = _Query(volumes, [(self._fp(slot), cap) for slot, cap in pending])
        if pending:
            self._store_prepared([slot for slot, _ in pending], q.footprints, q.n)
        reach = (minima.horizontal_m + _SLACK_M) / EARTH_RADIUS_M
        qi_parts: list[NDArray[np.intp]] = []
        sj_parts: list[NDArray[np.intp]] = []
        chosen = None if among is None else self._slots_of(among)
        for i in range(q.n):
            lo = q.t0[i] - minima.time_buffer_s
            hi = q.t1[i] + minima.time_buffer_s
            if chosen is None:
                cand = self._candidates(q.cap_xyz[i], float(q.cap_rad[i]) + reach, lo, hi)
            else:
                cand = chosen
            qi_parts.append(np.full(cand.size, i, dtype=np.intp))
            sj_parts.append(cand)
        qi = np.concatenate(qi_parts)
        sj = np.concatenate(sj_parts)
        if exclude is not None and exclude in self._key_ids:
            keep = self._key_of[sj] != self._key_ids[exclude]
            qi, sj = qi[keep], sj[keep]
        # The three cheap tests on every candidate at once, over one gathered row each.
        a, b = q.hot[qi], self._hot[sj]
        late_start = np.maximum(a[:, _T0], b[:, _T0])
        early_end = np.minimum(a[:, _T1], b[:, _T1])
        vgap = _vertical_gap(a[:, _DATUM], a[:, _LO:], b[:, _DATUM], b[:, _LO:])
        cap_gap_m = (
            central_angle(a[:, _X : _Z + 1], b[:, _X : _Z + 1]) - a[:, _RAD] - b[:, _RAD]
        ) * EARTH_RADIUS_M
        keep = np.flatnonzero(
            (late_start - early_end < minima.time_buffer_s)
            & (vgap < minima.vertical_m)
            & (cap_gap_m < minima.horizontal_m + _SLACK_M)
        )
        if keep.size == 0:
            return []
        qi, sj = qi[keep], sj[keep]
        dist = indexed_pair_distances_m(q.footprints, qi, self._prepared(), sj)
        hit = np.flatnonzero(dist < minima.horizontal_m)
        pick, sj = keep[hit], sj[hit]
        return _hits(
            self._key_names,
            self._key_of[sj],
            qi[hit],
            self._vidx[sj],
            dist[hit],
            vgap[pick],
            late_start[pick] - minima.time_buffer_s,
            early_end[pick] + minima.time_buffer_s,
        )

    def query_bbox(
        self,
        min_lng: float,
        min_lat: float,
        max_lng: float,
        max_lat: float,
        t_from: float | None,
        t_to: float | None,
    ) -> list[str]:
        """Keys with a volume meeting a lng/lat box during ``[t_from, t_to]``, sorted.

        ``min_lng > max_lng`` crosses the antimeridian; None times are unbounded; edges and
        instants that merely touch count as meeting.
        """
        if not self._gridded:
            raise ValueError("An index without a grid answers only queries among given keys.")
        if not self._keys:
            return []
        lat, lng, rad = box_cap(min_lng, min_lat, max_lng, max_lat)
        lo = -math.inf if t_from is None else float(t_from)
        hi = math.inf if t_to is None else float(t_to)
        centre = _unit(lat, lng)
        cand = self._candidates(centre, rad + _SLACK_M / EARTH_RADIUS_M, lo, hi)
        keep = (self._t[cand, 0] <= hi) & (self._t[cand, 1] >= lo)
        cand = cand[keep]
        gap = central_angle(np.broadcast_to(centre, (cand.size, 3)), self._cap_xyz[cand])
        cand = cand[gap - rad - self._cap_rad[cand] <= _SLACK_M / EARTH_RADIUS_M]
        if cand.size == 0:
            return []
        fps = [self._footprint[int(s)] for s in cand]
        meets = footprints_intersect_bbox(
            [f for f in fps if f is not None], min_lng, min_lat, max_lng, max_lat
        )
        return sorted({self._key_names[int(k)] for k in self._key_of[cand[meets]]})

    # -- internals --------------------------------------------------------------------

    def _alloc(self) -> int:
        if self._free:
            return self._free.pop()
        slot = self._size
        if slot == len(self._hot):
            self._grow()
        self._size += 1
        return slot

    def _grow(self) -> None:
        cap = 2 * len(self._hot)
        for name in (
            "_hot",
            "_centre",
            "_radius_m",
            "_ring_start",
            "_ring_len",
            "_key_of",
            "_vidx",
        ):
            old = getattr(self, name)
            new = np.empty((cap, *old.shape[1:]), dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)
        self._key_of[self._size :] = -1
        self._ring_len[self._size :] = 0
        self._footprint.extend([None] * (cap - len(self._footprint)))
        self._hot_views()

    def _hot_views(self) -> None:
        """Named views of the columns of ``_hot`` (taken again whenever it grows)."""
        hot = self._hot
        self._t = hot[:, _T0 : _T1 + 1]
        self._band = hot[:, _LO : _HI_W + 1]
        self._datum = hot[:, _DATUM]
        self._cap_xyz = hot[:, _X : _Z + 1]
        self._cap_rad = hot[:, _RAD]

    def _buckets(self, t0: float, t1: float) -> list[int | None]:
        """Time buckets a window meets, or ``[None]`` (all time) when there are too many."""
        if not (math.isfinite(t0) and math.isfinite(t1)):
            return [None]
        b0 = math.floor(t0 / self._bucket_s)
        b1 = math.floor(t1 / self._bucket_s)
        if b1 - b0 + 1 > self._max_buckets:
            return [None]
        return list(range(b0, b1 + 1))

    def _register(self, slot: int, *, add: bool) -> None:
        xyz = self._cap_xyz[slot]
        cells = _cells(float(xyz[0]), float(xyz[1]), float(xyz[2]), self._cap_rad[slot], self._s)
        if cells is None or len(cells) > 27:
            (self._big.add if add else self._big.discard)(slot)
            return
        buckets = self._buckets(float(self._t[slot, 0]), float(self._t[slot, 1]))
        grid = self._grid
        for cell in cells:
            if add:
                per = grid.setdefault(cell, {})
                for b in buckets:
                    members = per.get(b)
                    if members is None:
                        members = per[b] = _Members()
                    members.slots.add(slot)
                    members.array = None
                continue
            per = grid[cell]
            for b in buckets:
                members = per[b]
                members.slots.discard(slot)
                members.array = None
                if not members.slots:
                    del per[b]
            if not per:
                del grid[cell]

    def _slots_of(self, keys: Iterable[str]) -> NDArray[np.intp]:
        """The slots of the held ``keys``, each once."""
        held = self._keys
        slots = [s for k in dict.fromkeys(keys) if k in held for s in held[k]]
        return np.asarray(slots, dtype=np.intp)

    def _candidates(
        self, xyz: NDArray[np.float64], rad: float, t0: float, t1: float
    ) -> NDArray[np.intp]:
        """Slots whose cell and bucket a cap of ``rad`` and window ``[t0, t1]`` visit."""
        cells = _cells(float(xyz[0]), float(xyz[1]), float(xyz[2]), rad, self._s, limit=512)
        if cells is None:
            live = np.flatnonzero(self._key_of[: self._size] >= 0)
            return live.astype(np.intp)
        wanted = self._buckets(t0, t1)
        bounded = wanted != [None]
        if bounded:
            wanted.append(None)
        parts: list[NDArray[np.intp]] = []
        if self._big:
            parts.append(np.fromiter(self._big, dtype=np.intp, count=len(self._big)))
        grid = self._grid
        for cell in cells:
            per = grid.get(cell)
            if per is None:
                continue
            for members in (per.get(b) for b in wanted) if bounded else per.values():
                if members is not None:
                    parts.append(members.as_array())
        if not parts:
            return np.empty(0, dtype=np.intp)
        # A slot listed in several visited cells must come out once: its pairs are unique.
        # (Sorting beats np.unique's hash table at this size, and sorted slots read faster.)
        slots = np.concatenate(parts)
        slots.sort()
        return slots[np.concatenate(([True], slots[1:] != slots[:-1]))]

    def _flush(self) -> None:
        """Prepare every pending footprint in one vectorized batch.

        Preparing one footprint alone costs numpy's per-call overhead many times over, so
        ``add`` queues footprints and they are prepared in batches (or with the next query).
        """
        if not self._pending:
            return
        slots = list(self._pending)
        done = prepare_footprint_arrays([self._fp(s) for s in slots], list(self._pending.values()))
        self._store_prepared(slots, done, 0)

    def _fp(self, slot: int) -> Footprint:
        fp = self._footprint[slot]
        assert fp is not None, "a pending slot holds its footprint"
        return fp

    def _store_prepared(self, slots: list[int], done: FootprintArrays, first: int) -> None:
        """Keep ``done``'s rows ``first`` onwards as the prepared footprints of ``slots``.

        Rings are laid out in row order, so those rows' rings are the tail of ``ring_xyz``
        from the first of them that has one.
        """
        at = np.asarray(slots, dtype=np.intp)
        lengths = done.ring_len[first:]
        polys = np.flatnonzero(lengths)
        tail = int(done.ring_start[first + polys[0]]) if polys.size else len(done.ring_xyz)
        rings = done.ring_xyz[tail:]
        base = self._reserve_rings(len(rings))
        self._rings[base : base + len(rings)] = rings
        self._centre[at] = done.centre[first:]
        self._radius_m[at] = done.radius_m[first:]
        self._ring_start[at] = done.ring_start[first:] - tail + base
        self._ring_len[at] = lengths
        for s in slots:
            del self._pending[s]

    def _reserve_rings(self, rows: int) -> int:
        """First of ``rows`` free rows at the end of the ring store, compacting or growing it.

        Removed volumes leave their rings in place; they are dropped when the store is full
        and at least a quarter of it is dead, so it stays within about twice the live rings.
        """
        if self._rings_used + rows > len(self._rings) and 4 * self._rings_dead >= len(self._rings):
            live = np.flatnonzero(self._ring_len[: self._size] > 0)
            lengths = self._ring_len[live]
            offs = np.cumsum(lengths) - lengths
            total = int(lengths.sum())
            gather = np.arange(total, dtype=np.intp) + np.repeat(
                self._ring_start[live] - offs, lengths
            )
            kept = self._rings[gather]
            self._rings[:total] = kept
            self._ring_start[live] = offs
            self._rings_used, self._rings_dead = total, 0
        need = self._rings_used + rows
        if need > len(self._rings):
            grown = np.empty((max(need, 2 * len(self._rings)), 3))
            grown[: self._rings_used] = self._rings[: self._rings_used]
            self._rings = grown
        base = self._rings_used
        self._rings_used = need
        return base

    def _prepared(self) -> FootprintArrays:
        """Every held footprint as arrays by slot, all prepared."""
        self._flush()
        return FootprintArrays(
            centre=self._centre,
            cap_radius_rad=self._cap_rad,
            radius_m=self._radius_m,
            ring_start=self._ring_start,
            ring_len=self._ring_len,
            ring_xyz=self._rings,
        )


class _Members:
    """Slots listed in one cell and time bucket, with their array kept until they change.

    Queries read each cell's members as an array (concatenated, then made unique): far
    cheaper than uniting Python sets, and rebuilt only for the few cells a write touched.
    """

    __slots__ = ("array", "slots")

    def __init__(self) -> None:
        self.slots: set[int] = set()
        self.array: NDArray[np.intp] | None = None

    def as_array(self) -> NDArray[np.intp]:
        if self.array is None:
            self.array = np.fromiter(self.slots, dtype=np.intp, count=len(self.slots))
        return self.array


def _unit(lat: float, lng: float) -> NDArray[np.float64]:
    p, q = math.radians(lat), math.radians(lng)
    return np.array([math.cos(p) * math.cos(q), math.cos(p) * math.sin(q), math.sin(p)])


_OFF = 1 << 20


def _cells(
    x: float, y: float, z: float, rad: float, s: float, *, limit: int = 27
) -> list[int] | None:
    """Grid cells (edge ``s``) meeting both the unit sphere and the ball holding a cap.

    The cap of angular radius ``rad`` around unit vector (x, y, z) lies in the ball of chord
    radius ``2 sin(rad/2)``. None when the box around that ball has more than ``limit``
    cells: the caller must then treat the cap as meeting everything.
    """
    if rad >= math.pi:
        return None
    r = 2.0 * math.sin(rad / 2.0) + 1e-12
    axes = []
    total = 1
    for c in (x, y, z):
        i0, i1 = math.floor((c - r) / s), math.floor((c + r) / s)
        total *= i1 - i0 + 1
        if total > limit:
            return None
        ax = []
        for i in range(i0, i1 + 1):
            lo, hi = i * s, (i + 1) * s
            d = lo - c if c < lo else (c - hi if c > hi else 0.0)
            near = 0.0 if lo <= 0.0 <= hi else min(lo * lo, hi * hi)
            ax.append((i + _OFF, d * d, near, max(lo * lo, hi * hi)))
        axes.append(ax)
    r2 = r * r
    lo_shell, hi_shell = (1.0 - 1e-12) ** 2, (1.0 + 1e-12) ** 2
    width = 2 * _OFF
    out = []
    for ix, dx, nx, fx in axes[0]:
        for iy, dy, ny, fy in axes[1]:
            dxy = dx + dy
            if dxy > r2:
                continue
            for iz, dz, nz, fz in axes[2]:
                if dxy + dz <= r2 and nx + ny + nz <= hi_shell and fx + fy + fz >= lo_shell:
                    out.append((ix * width + iy) * width + iz)
    return out


def _vertical_gap(
    da: NDArray[np.float64],
    ba: NDArray[np.float64],
    db: NDArray[np.float64],
    bb: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Metres between two bands, same datum compared as given, else widened to W84.

    ``da``/``db`` are datum codes; ``ba``/``bb`` rows start ``(lo, hi, lo_w84, hi_w84)``.
    """
    same = (da == db) & (da != _MIXED)
    lo_a = np.where(same, ba[:, 0], ba[:, 2])
    hi_a = np.where(same, ba[:, 1], ba[:, 3])
    lo_b = np.where(same, bb[:, 0], bb[:, 2])
    hi_b = np.where(same, bb[:, 1], bb[:, 3])
    return np.maximum(lo_a, lo_b) - np.minimum(hi_a, hi_b)


def _hits(
    names: Mapping[int, str],
    kid: NDArray[np.int64],
    qi: NDArray[np.intp],
    vj: NDArray[np.int64],
    dist: NDArray[np.float64],
    vgap: NDArray[np.float64],
    start: NDArray[np.float64],
    end: NDArray[np.float64],
) -> list[StrategicHit]:
    """Conflicting pairs folded into one hit per key, sorted by key name.

    Each ``(qi, vj)`` occurs once per key (a held slot is one volume of one key, and the
    candidates of one new volume are distinct), so sorting by key, new and held index gives
    each hit's ``volume_pairs`` already sorted and free of repeats.
    """
    if kid.size == 0:
        return []
    order = np.lexsort((vj, qi, kid))
    kid = kid[order]
    firsts = np.flatnonzero(np.concatenate(([True], kid[1:] != kid[:-1])))
    bounds = [*firsts.tolist(), kid.size]
    d_min = np.minimum.reduceat(dist[order], firsts).tolist()
    v_min = np.minimum.reduceat(vgap[order], firsts).tolist()
    t_min = np.minimum.reduceat(start[order], firsts).tolist()
    t_max = np.maximum.reduceat(end[order], firsts).tolist()
    pairs = list(zip(qi[order].tolist(), vj[order].tolist(), strict=True))
    isfinite = math.isfinite
    out = [
        StrategicHit(
            names[k],
            d,
            v,
            t0 if isfinite(t0) else None,
            t1 if isfinite(t1) else None,
            tuple(pairs[a:b]),
        )
        for k, d, v, t0, t1, a, b in zip(
            kid[firsts].tolist(), d_min, v_min, t_min, t_max, bounds, bounds[1:], strict=False
        )
    ]
    out.sort(key=_by_key)
    return out


def _by_key(hit: StrategicHit) -> str:
    return hit.key
