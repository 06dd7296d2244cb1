"""Live-picture helpers for tactical detection: dead reckoning, and detection around a few.

``detect_focused`` answers the question ingest asks on every batch: which pairs that involve
one of *these* aircraft conflict now? It is the tactical model of ``engines.tactical``
restricted to pairs with at least one focused aircraft, so a batch of 1,000 states is checked
against 4,000 live aircraft without sweeping all of them. Its slow twin is ``detect`` filtered
to the same pairs (tests/engines/test_focus.py asserts equality).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from skyshare.engines.tactical import TacticalParams, TacticalResult, exact_pairs
from skyshare.units import EARTH_RADIUS_M

__all__ = ["DeadReckoned", "dead_reckon", "detect_focused"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
#: Relative and absolute slack on the candidate radius, as in ``engines.tactical``.
_MARGIN_REL = 1e-6
_MARGIN_H_M = 1.0
_MARGIN_V_M = 0.1
#: At most this many altitude bands for level traffic, as in ``engines.tactical``.
_MAX_BANDS = 4096


class DeadReckoned:
    """Positions after straight-line flight for ``dt_s`` (arrays, one entry per aircraft)."""

    __slots__ = ("alt_m", "lat_deg", "lng_deg")

    def __init__(self, lat_deg: F64, lng_deg: F64, alt_m: F64) -> None:
        self.lat_deg = lat_deg
        self.lng_deg = lng_deg
        self.alt_m = alt_m


def dead_reckon(
    lat_deg: F64, lng_deg: F64, alt_m: F64, gs_mps: F64, trk_deg: F64, vs_mps: F64, dt_s: F64
) -> DeadReckoned:
    """Extrapolate each aircraft by ``dt_s`` seconds at constant velocity (flat earth).

    The tactical model itself extrapolates in straight lines on a local flat earth, so moving
    a state a few seconds forward the same way keeps the prediction consistent. Longitudes
    wrap to [-180, 180); latitudes are clamped to the poles.

    >>> r = dead_reckon(*(np.array([v]) for v in (0.0, 179.99, 100.0, 300.0, 90.0, 1.0, 10.0)))
    >>> round(float(r.lng_deg[0]), 4), float(r.alt_m[0])
    (-179.983, 110.0)
    """
    trk_r = np.radians(trk_deg)
    north_m = gs_mps * np.cos(trk_r) * dt_s
    east_m = gs_mps * np.sin(trk_r) * dt_s
    lat = lat_deg + np.degrees(north_m / EARTH_RADIUS_M)
    cos_lat = np.maximum(np.cos(np.radians(lat_deg)), 1e-9)
    lng = lng_deg + np.degrees(east_m / (EARTH_RADIUS_M * cos_lat))
    lng = (lng + 180.0) % 360.0 - 180.0
    return DeadReckoned(np.clip(lat, -90.0, 90.0), lng, alt_m + vs_mps * dt_s)


def _points(lat_deg: F64, lng_deg: F64) -> F64:
    lat = np.radians(lat_deg)
    lng = np.radians(lng_deg)
    cos_lat = np.cos(lat)
    return EARTH_RADIUS_M * np.column_stack(
        (cos_lat * np.cos(lng), cos_lat * np.sin(lng), np.sin(lat))
    )


def detect_focused(
    *,
    lat_deg: F64,
    lng_deg: F64,
    alt_m: F64,
    gs_mps: F64,
    trk_deg: F64,
    vs_mps: F64,
    focus: NDArray[np.bool_],
    params: TacticalParams,
) -> TacticalResult:
    """Conflicts and losses of separation among pairs with at least one focused aircraft.

    Candidates come from the same bounds as ``engines.tactical``: a level focused aircraft
    meets only level traffic in its own and the neighbouring altitude bands (bands at least
    ``vertical_m`` wide), plus every climbing or descending aircraft; a climbing focused
    aircraft meets everyone; each within the chord reach ``horizontal_m + lookahead_s·(|gs_a| +
    |gs_b|)``. They are trimmed by the per-pair horizontal and vertical reach, then handed to
    the exact test. So the work follows the focused aircraft and their neighbours, not the
    whole picture. Output is sorted by ``(i, j)`` with ``i < j``.
    """
    n = int(np.shape(lat_deg)[0])
    focus = np.asarray(focus, dtype=bool)
    empty = np.empty(0, dtype=np.int64)
    parts: list[tuple[I64, I64]] = []
    speed = np.abs(gs_mps)
    climb = np.abs(vs_mps)
    if n >= 2 and bool(focus.any()):
        points = _points(lat_deg, lng_deg)
        level = climb == 0.0
        parts.extend(_moving_pairs(points, speed, level, focus, params))
        parts.extend(_level_pairs(points, np.asarray(alt_m), speed, level, focus, params))
    if not parts:
        i = j = empty
    else:
        a = np.concatenate([part[0] for part in parts])
        b = np.concatenate([part[1] for part in parts])
        i, j = np.minimum(a, b), np.maximum(a, b)
        reach_h = (params.horizontal_m + (speed[i] + speed[j]) * params.lookahead_s) * (
            1.0 + _MARGIN_REL
        ) + _MARGIN_H_M
        d = points[j] - points[i]
        reach_v = (params.vertical_m + (climb[i] + climb[j]) * params.lookahead_s) * (
            1.0 + _MARGIN_REL
        ) + _MARGIN_V_M
        near = (np.einsum("ij,ij->i", d, d) <= reach_h * reach_h) & (
            np.abs(alt_m[j] - alt_m[i]) <= reach_v
        )
        i, j = i[near], j[near]
        order = np.lexsort((j, i))
        i, j = i[order], j[order]
    return exact_pairs(
        lat_deg=lat_deg,
        lng_deg=lng_deg,
        alt_m=alt_m,
        gs_mps=gs_mps,
        trk_deg=trk_deg,
        vs_mps=vs_mps,
        i=i,
        j=j,
        params=params,
    )


def _radius(p: TacticalParams, speed_a: F64, speed_b: F64) -> float:
    """Chord reach between any aircraft of one set and any of another (with the margin)."""
    reach = p.horizontal_m + p.lookahead_s * (float(np.max(speed_a)) + float(np.max(speed_b)))
    return reach * (1.0 + _MARGIN_REL) + _MARGIN_H_M


def _ball_pairs(points: F64, a: I64, b: I64, radius: float) -> tuple[I64, I64]:
    """Index pairs ``(a[k], b[m])`` whose points are within ``radius`` (chord) of each other."""
    found = _tree(points[a]).sparse_distance_matrix(_tree(points[b]), radius, output_type="ndarray")
    return a[found["i"]], b[found["j"]]


def _tree(points: F64) -> cKDTree:
    # Built for one query: the faster build (no median splits, no compaction) wins.
    return cKDTree(points, balanced_tree=False, compact_nodes=False)


def _moving_pairs(
    points: F64, speed: F64, level: NDArray[np.bool_], focus: NDArray[np.bool_], p: TacticalParams
) -> list[tuple[I64, I64]]:
    """Pairs with a focused aircraft where at least one of the two climbs or descends.

    A climbing focused aircraft is matched against everyone; a level focused one against the
    climbing aircraft that are not focused (the focused ones found it already). Each pair
    appears once.
    """
    out: list[tuple[I64, I64]] = []
    f_moving = focus & ~level
    fm = np.flatnonzero(f_moving).astype(np.int64)
    if fm.shape[0]:
        everyone = np.arange(points.shape[0], dtype=np.int64)
        a, b = _ball_pairs(points, fm, everyone, _radius(p, speed[fm], speed))
        # Two focused climbing aircraft find each other twice: keep the pair once.
        keep = (a != b) & (~f_moving[b] | (a < b))
        out.append((a[keep], b[keep]))
    fl = np.flatnonzero(focus & level).astype(np.int64)
    others = np.flatnonzero(~level & ~focus).astype(np.int64)
    if fl.shape[0] and others.shape[0]:
        out.append(_ball_pairs(points, fl, others, _radius(p, speed[fl], speed[others])))
    return out


def _level_pairs(
    points: F64,
    alt_m: F64,
    speed: F64,
    level: NDArray[np.bool_],
    focus: NDArray[np.bool_],
    p: TacticalParams,
) -> list[tuple[I64, I64]]:
    """Pairs of level aircraft, one of them focused, in the same or adjacent altitude bands.

    Two level aircraft conflict only while ``|Δalt| < vertical_m``, so bands at least that
    wide hold every such pair in one band or two adjacent ones (as in ``engines.tactical``).
    """
    idx = np.flatnonzero(level).astype(np.int64)
    if idx.shape[0] < 2 or not bool(focus[idx].any()):
        return []
    alt = alt_m[idx]
    low = float(np.min(alt))
    span = float(np.max(alt)) - low
    width = max(p.vertical_m * (1.0 + _MARGIN_REL) + _MARGIN_V_M, span / _MAX_BANDS)
    band = np.floor((alt - low) / width).astype(np.int64)
    order = np.argsort(band, kind="stable")
    idx, band = idx[order], band[order]
    keys, starts = np.unique(band, return_index=True)
    ends = np.append(starts[1:], band.shape[0])
    members = {int(k): idx[a:b] for k, a, b in zip(keys, starts, ends, strict=True)}
    out: list[tuple[I64, I64]] = []
    for k, own in members.items():
        mine = own[focus[own]]
        if mine.shape[0] == 0:
            continue
        near = [members[x] for x in (k - 1, k, k + 1) if x in members]
        them = near[0] if len(near) == 1 else np.concatenate(near)
        a, b = _ball_pairs(points, mine, them, _radius(p, speed[mine], speed[them]))
        # Two focused aircraft find each other twice (and themselves): keep the pair once.
        keep = (a != b) & (~focus[b] | (a < b))
        out.append((a[keep], b[keep]))
    return out
