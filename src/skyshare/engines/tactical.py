"""Tactical conflict detection: BlueSky's state-based model over all aircraft, without N².

Every pair predicted, by straight-line extrapolation within ``lookahead_s``, to come closer
than ``horizontal_m`` horizontally while closer than ``vertical_m`` vertically is reported once
(``i < j``), with its closest point of approach and conflict window, exactly as the state-based
detector of the BlueSky ATM simulator defines them (see ``docs/tactical.md``).

The candidate search is a KD-tree over points on the sphere: the chord between two aircraft
never exceeds the model's flat-earth distance, so a ball of radius
``horizontal_m + lookahead_s·(|gs_i| + |gs_j|)`` in chord distance cannot drop a conflicting
pair. A vertical bound (``|Δalt| ≤ vertical_m + lookahead_s·(|vs_i| + |vs_j|)``) then trims the
candidates before the exact, vectorized test.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from skyshare.errors import InvalidInput
from skyshare.units import EARTH_RADIUS_M

__all__ = [
    "Conflicts",
    "LossOfSeparation",
    "TacticalParams",
    "TacticalResult",
    "detect",
    "exact_pairs",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: Slack added to every pre-filter bound; it covers floating-point rounding in the exact test
#: (relative errors there are of order 1e-12), so a pair the exact test would accept is never
#: lost to rounding in the filter.
_MARGIN_REL = 1e-6
_MARGIN_H_M = 1.0
_MARGIN_V_M = 0.1
#: Candidate pairs handed to the exact test at once; bounds memory to O(N + chunk).
_CHUNK_PAIRS = 1 << 21
#: Aircraft per KD-tree query chunk for climbing and descending traffic.
_QUERY_CHUNK = 1 << 14
#: At most this many altitude bands for level traffic (wider bands stay conservative).
_MAX_BANDS = 4096


@dataclass(frozen=True, slots=True)
class TacticalParams:
    """Separation minima and prediction horizon; BlueSky's defaults (5 NM, 1,000 ft, 300 s)."""

    horizontal_m: float = 9260.0
    vertical_m: float = 304.8
    lookahead_s: float = 300.0

    def __post_init__(self) -> None:
        for name in ("horizontal_m", "vertical_m"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidInput(f"{name} must be a finite number above 0, not {value}.")
        if not (math.isfinite(self.lookahead_s) and self.lookahead_s >= 0):
            raise InvalidInput(
                f"lookahead_s must be finite and at least 0, not {self.lookahead_s}."
            )


@dataclass(frozen=True, slots=True)
class Conflicts:
    """Predicted conflicts, one row per unordered pair, sorted by ``(i, j)`` with ``i < j``.

    Times are seconds from now; ``t_in_s`` is ``-inf`` and ``t_out_s`` ``+inf`` for a pair
    whose separation never changes (zero relative speed and level), ``tcpa_s`` is then 0.
    """

    i: I64
    j: I64
    tcpa_s: F64
    dcpa_m: F64
    t_in_s: F64
    t_out_s: F64

    def __len__(self) -> int:
        return int(self.i.shape[0])


@dataclass(frozen=True, slots=True)
class LossOfSeparation:
    """Pairs already closer than both minima now; ``dalt_m`` is ``alt[j] - alt[i]``."""

    i: I64
    j: I64
    distance_m: F64
    dalt_m: F64

    def __len__(self) -> int:
        return int(self.i.shape[0])


@dataclass(frozen=True, slots=True)
class TacticalResult:
    """One detection: conflicts, losses of separation and how many pairs met the exact test."""

    conflicts: Conflicts
    los: LossOfSeparation
    candidates: int


@dataclass(frozen=True, slots=True)
class _State:
    """Per-aircraft quantities the exact test needs, computed once per detection."""

    lat_r: F64
    lng_r: F64
    alt_m: F64
    u_mps: F64
    v_mps: F64
    vs_mps: F64


def _state(
    lat_deg: F64, lng_deg: F64, alt_m: F64, gs_mps: F64, trk_deg: F64, vs_mps: F64
) -> _State:
    arrays = {
        "lat_deg": lat_deg,
        "lng_deg": lng_deg,
        "alt_m": alt_m,
        "gs_mps": gs_mps,
        "trk_deg": trk_deg,
        "vs_mps": vs_mps,
    }
    n = np.shape(lat_deg)
    for name, arr in arrays.items():
        if np.ndim(arr) != 1 or np.shape(arr) != n:
            raise InvalidInput(f"{name} must be a 1-D array of the same length as lat_deg.")
        if not np.all(np.isfinite(arr)):
            raise InvalidInput(f"{name} must hold finite numbers only.")
    if np.any(np.abs(lat_deg) > 90.0):
        raise InvalidInput("lat_deg must lie in [-90, 90].")
    if np.any(np.abs(lng_deg) > 180.0):
        raise InvalidInput("lng_deg must lie in [-180, 180].")
    trk_r = np.radians(trk_deg)
    return _State(
        lat_r=np.radians(lat_deg),
        lng_r=np.radians(lng_deg),
        alt_m=np.asarray(alt_m, dtype=np.float64),
        u_mps=gs_mps * np.sin(trk_r),
        v_mps=gs_mps * np.cos(trk_r),
        vs_mps=np.asarray(vs_mps, dtype=np.float64),
    )


def _wrap_pi(angle_r: F64) -> F64:
    """Wrap angle differences in [-2π, 2π] to (-π, π] (the model's ``wrap``)."""
    return angle_r - 2.0 * np.pi * np.ceil((angle_r - np.pi) / (2.0 * np.pi))


@dataclass(frozen=True, slots=True)
class _Exact:
    conflict: NDArray[np.bool_]
    los: NDArray[np.bool_]
    tcpa_s: F64
    dcpa_m: F64
    t_in_s: F64
    t_out_s: F64
    distance_m: F64
    dalt_m: F64


def _exact(s: _State, i: I64, j: I64, p: TacticalParams) -> _Exact:
    """BlueSky's state-based test on the given pairs, vectorized (issue 5 states the formulas)."""
    rpz2 = p.horizontal_m * p.horizontal_m
    hpz = p.vertical_m
    dx = (
        EARTH_RADIUS_M * _wrap_pi(s.lng_r[j] - s.lng_r[i]) * np.cos((s.lat_r[i] + s.lat_r[j]) * 0.5)
    )
    dy = EARTH_RADIUS_M * (s.lat_r[j] - s.lat_r[i])
    du = s.u_mps[j] - s.u_mps[i]
    dv = s.v_mps[j] - s.v_mps[i]
    vrel2 = du * du + dv * dv
    dist2 = dx * dx + dy * dy
    moving = vrel2 > 0.0
    vrel2_safe = np.where(moving, vrel2, 1.0)
    tcpa = np.where(moving, -(du * dx + dv * dy) / vrel2_safe, 0.0)
    dcpa2 = np.where(moving, dist2 - tcpa * tcpa * vrel2, dist2)
    hconf = dcpa2 < rpz2
    half = np.sqrt(np.maximum(rpz2 - dcpa2, 0.0)) / np.sqrt(vrel2_safe)
    t_in_h = np.where(moving, tcpa - half, -np.inf)
    t_out_h = np.where(moving, tcpa + half, np.inf)

    dalt = s.alt_m[j] - s.alt_m[i]
    dvs = s.vs_mps[j] - s.vs_mps[i]
    climbing = dvs != 0.0
    dvs_safe = np.where(climbing, dvs, 1.0)
    t_a = (-hpz - dalt) / dvs_safe
    t_b = (hpz - dalt) / dvs_safe
    vconf = climbing | (np.abs(dalt) < hpz)
    t_in_v = np.where(climbing, np.minimum(t_a, t_b), -np.inf)
    t_out_v = np.where(climbing, np.maximum(t_a, t_b), np.inf)

    t_in = np.maximum(t_in_h, t_in_v)
    t_out = np.minimum(t_out_h, t_out_v)
    conflict = hconf & vconf & (t_in <= t_out) & (t_out > 0.0) & (t_in < p.lookahead_s)
    los = (dist2 < rpz2) & (np.abs(dalt) < hpz)
    return _Exact(
        conflict=conflict,
        los=los,
        tcpa_s=tcpa,
        dcpa_m=np.sqrt(np.maximum(dcpa2, 0.0)),
        t_in_s=t_in,
        t_out_s=t_out,
        distance_m=np.sqrt(dist2),
        dalt_m=dalt,
    )


def _unit_points_m(s: _State) -> F64:
    """ECEF points on the sphere of radius R (metres), the space the KD-tree searches."""
    cos_lat = np.cos(s.lat_r)
    return EARTH_RADIUS_M * np.column_stack(
        (cos_lat * np.cos(s.lng_r), cos_lat * np.sin(s.lng_r), np.sin(s.lat_r))
    )


def _empty_result(candidates: int) -> TacticalResult:
    ints = np.empty(0, dtype=np.int64)
    floats = np.empty(0, dtype=np.float64)
    return TacticalResult(
        conflicts=Conflicts(ints, ints, floats, floats, floats, floats),
        los=LossOfSeparation(ints, ints, floats, floats),
        candidates=candidates,
    )


def exact_pairs(
    *,
    lat_deg: F64,
    lng_deg: F64,
    alt_m: F64,
    gs_mps: F64,
    trk_deg: F64,
    vs_mps: F64,
    i: I64,
    j: I64,
    params: TacticalParams,
) -> TacticalResult:
    """The exact test alone on the given pairs (``i < j``), without any candidate search."""
    s = _state(lat_deg, lng_deg, alt_m, gs_mps, trk_deg, vs_mps)
    ii = np.asarray(i, dtype=np.int64)
    jj = np.asarray(j, dtype=np.int64)
    return _collect(s, [(ii, jj)], params)


def detect(
    *,
    lat_deg: F64,
    lng_deg: F64,
    alt_m: F64,
    gs_mps: F64,
    trk_deg: F64,
    vs_mps: F64,
    params: TacticalParams,
) -> TacticalResult:
    """Every conflicting pair and every loss of separation among N aircraft now.

    Positions in WGS84 degrees, altitude in metres, ground speed in m/s along ``trk_deg``
    (clockwise from true north), vertical speed in m/s. Memory is O(N + candidates in a chunk).
    """
    s = _state(lat_deg, lng_deg, alt_m, gs_mps, trk_deg, vs_mps)
    return _collect(s, _candidates(s, np.abs(gs_mps), np.abs(vs_mps), params), params)


def _candidates(s: _State, speed: F64, climb: F64, p: TacticalParams) -> Iterator[tuple[I64, I64]]:
    """Chunks of pairs ``(i, j)``, ``i < j``, that could conflict or be in loss of separation.

    Conservative: a conflicting pair has, at some t in [0, lookahead], flat-earth separation
    at most ``horizontal_m`` and vertical separation at most ``vertical_m``; it has moved by at
    most ``(|v_i| + |v_j|)·t`` horizontally and ``(|vs_i| + |vs_j|)·t`` vertically since now,
    and the chord between two points on the sphere never exceeds their flat-earth distance
    (docs/tactical.md proves it). So the pair is within the bounds checked here.
    """
    n = int(s.lat_r.shape[0])
    if n < 2:
        return
    reach_h = p.horizontal_m + 2.0 * float(np.max(speed)) * p.lookahead_s
    radius = reach_h * (1.0 + _MARGIN_REL) + _MARGIN_H_M
    points = _unit_points_m(s)
    level = climb == 0.0
    found = itertools.chain(
        _level_pairs(points, s.alt_m, level, radius, p.vertical_m),
        _climbing_pairs(points, level, radius),
    )
    for all_i, all_j in _batched(found, _CHUNK_PAIRS):
        keep = _within_bounds(s, points, speed, climb, all_i, all_j, p)
        yield all_i[keep], all_j[keep]


def _batched(found: Iterable[tuple[I64, I64]], size: int) -> Iterator[tuple[I64, I64]]:
    """Regroup pair arrays into chunks of about ``size``: few numpy calls, bounded memory."""
    held_i: list[I64] = []
    held_j: list[I64] = []
    count = 0
    for i, j in found:
        for start in range(0, int(i.shape[0]), size):
            held_i.append(i[start : start + size])
            held_j.append(j[start : start + size])
            count += int(held_i[-1].shape[0])
            if count >= size:
                yield np.concatenate(held_i), np.concatenate(held_j)
                held_i, held_j, count = [], [], 0
    if count:
        yield np.concatenate(held_i), np.concatenate(held_j)


def _level_pairs(
    points: F64, alt_m: F64, level: NDArray[np.bool_], radius: float, vertical_m: float
) -> Iterator[tuple[I64, I64]]:
    """Pairs of level aircraft within ``radius`` (chord) and one altitude band of each other.

    Two level aircraft can only conflict while ``|Δalt| < vertical_m``, so bands of at least
    that width leave each such pair in the same or adjacent bands; the 80 % of traffic that
    flies level then meets only its own and the neighbouring flight levels.
    """
    idx = np.flatnonzero(level).astype(np.int64)
    if idx.shape[0] < 2:
        return
    alt = alt_m[idx]
    low = float(np.min(alt))
    span = float(np.max(alt)) - low
    width = max(vertical_m * (1.0 + _MARGIN_REL) + _MARGIN_V_M, span / _MAX_BANDS)
    band = np.floor((alt - low) / width).astype(np.int64)
    order = np.argsort(band, kind="stable")
    idx, band = idx[order], band[order]
    keys, starts = np.unique(band, return_index=True)
    ends = np.append(starts[1:], band.shape[0])
    members = [idx[a:b] for a, b in zip(starts, ends, strict=True)]
    trees = [cKDTree(points[m]) for m in members]
    for k, (m, tree) in enumerate(zip(members, trees, strict=True)):
        own = tree.query_pairs(radius, output_type="ndarray")
        yield _ordered(m[own[:, 0]], m[own[:, 1]])
        if k + 1 < len(keys) and keys[k + 1] == keys[k] + 1:
            cross = tree.sparse_distance_matrix(trees[k + 1], radius, output_type="ndarray")
            yield _ordered(m[cross["i"]], members[k + 1][cross["j"]])


def _climbing_pairs(
    points: F64, level: NDArray[np.bool_], radius: float
) -> Iterator[tuple[I64, I64]]:
    """Pairs within ``radius`` (chord) that involve at least one climbing or descending aircraft.

    Queried in spatially coherent chunks against one tree of everyone, so memory stays
    O(N + chunk output).
    """
    moving = np.flatnonzero(~level).astype(np.int64)
    if moving.shape[0] == 0:
        return
    everyone = cKDTree(points)
    # Order the queries along a coarse grid so that each chunk is a compact region.
    cell = np.floor((points[moving] + EARTH_RADIUS_M) / max(radius, 1.0)).astype(np.int64)
    moving = moving[np.lexsort((cell[:, 2], cell[:, 1], cell[:, 0]))]
    for start in range(0, int(moving.shape[0]), _QUERY_CHUNK):
        chunk = moving[start : start + _QUERY_CHUNK]
        found = cKDTree(points[chunk]).sparse_distance_matrix(
            everyone, radius, output_type="ndarray"
        )
        a = chunk[found["i"]]
        b = found["j"].astype(np.int64)
        # A moving pair is found from both ends: keep it once, from its lower index.
        keep = (a != b) & (level[b] | (a < b))
        yield _ordered(a[keep], b[keep])


def _ordered(a: NDArray[np.integer], b: NDArray[np.integer]) -> tuple[I64, I64]:
    a64 = a.astype(np.int64)
    b64 = b.astype(np.int64)
    return np.minimum(a64, b64), np.maximum(a64, b64)


def _within_bounds(
    s: _State, points: F64, speed: F64, climb: F64, i: I64, j: I64, p: TacticalParams
) -> NDArray[np.bool_]:
    """Per-pair horizontal (chord) and vertical reach tests, with the rounding margin."""
    reach_h = (p.horizontal_m + (speed[i] + speed[j]) * p.lookahead_s) * (1.0 + _MARGIN_REL)
    reach_h += _MARGIN_H_M
    d = points[j] - points[i]
    chord2 = np.einsum("ij,ij->i", d, d)
    reach_v = (p.vertical_m + (climb[i] + climb[j]) * p.lookahead_s) * (1.0 + _MARGIN_REL)
    reach_v += _MARGIN_V_M
    result: NDArray[np.bool_] = (chord2 <= reach_h * reach_h) & (
        np.abs(s.alt_m[j] - s.alt_m[i]) <= reach_v
    )
    return result


def _collect(
    s: _State, chunks: Iterable[tuple[I64, I64]], params: TacticalParams
) -> TacticalResult:
    """Run the exact test chunk by chunk, keeping only conflicts and losses of separation."""
    c_parts: list[tuple[I64, I64, F64, F64, F64, F64]] = []
    l_parts: list[tuple[I64, I64, F64, F64]] = []
    candidates = 0
    for ci, cj in chunks:
        candidates += int(ci.shape[0])
        if ci.shape[0] == 0:
            continue
        ex = _exact(s, ci, cj, params)
        c = ex.conflict
        c_parts.append((ci[c], cj[c], ex.tcpa_s[c], ex.dcpa_m[c], ex.t_in_s[c], ex.t_out_s[c]))
        m = ex.los
        l_parts.append((ci[m], cj[m], ex.distance_m[m], ex.dalt_m[m]))
    if not c_parts:
        return _empty_result(candidates)
    ci_all = np.concatenate([part[0] for part in c_parts])
    cj_all = np.concatenate([part[1] for part in c_parts])
    c_order = np.lexsort((cj_all, ci_all))
    li_all = np.concatenate([part[0] for part in l_parts])
    lj_all = np.concatenate([part[1] for part in l_parts])
    l_order = np.lexsort((lj_all, li_all))

    def cf(k: int) -> F64:
        return np.concatenate([part[k] for part in c_parts])[c_order]

    def lf(k: int) -> F64:
        return np.concatenate([part[k] for part in l_parts])[l_order]

    return TacticalResult(
        conflicts=Conflicts(
            i=ci_all[c_order],
            j=cj_all[c_order],
            tcpa_s=cf(2),
            dcpa_m=cf(3),
            t_in_s=cf(4),
            t_out_s=cf(5),
        ),
        los=LossOfSeparation(i=li_all[l_order], j=lj_all[l_order], distance_m=lf(2), dalt_m=lf(3)),
        candidates=candidates,
    )
