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

    Candidates are every aircraft within the reach ball of a focused one (chord distance
    ``horizontal_m + lookahead_s·(|gs_f| + max|gs|)``, conservative for the same reason as in
    ``engines.tactical``), trimmed by the per-pair horizontal and vertical reach, then handed
    to the exact test. Output is sorted by ``(i, j)`` with ``i < j``.
    """
    n = int(np.shape(lat_deg)[0])
    focus_idx = np.flatnonzero(focus).astype(np.int64)
    empty = np.empty(0, dtype=np.int64)
    if n < 2 or focus_idx.shape[0] == 0:
        return exact_pairs(
            lat_deg=lat_deg,
            lng_deg=lng_deg,
            alt_m=alt_m,
            gs_mps=gs_mps,
            trk_deg=trk_deg,
            vs_mps=vs_mps,
            i=empty,
            j=empty,
            params=params,
        )
    speed = np.abs(gs_mps)
    climb = np.abs(vs_mps)
    points = _points(lat_deg, lng_deg)
    radius = params.horizontal_m + params.lookahead_s * (
        float(np.max(speed[focus_idx])) + float(np.max(speed))
    )
    radius = radius * (1.0 + _MARGIN_REL) + _MARGIN_H_M
    found = cKDTree(points[focus_idx]).sparse_distance_matrix(
        cKDTree(points), radius, output_type="ndarray"
    )
    a = focus_idx[found["i"]]
    b = found["j"].astype(np.int64)
    # A pair of two focused aircraft is found from both ends: keep it from its lower index.
    keep = (a != b) & (~focus[b] | (a < b))
    a, b = a[keep], b[keep]
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
    return exact_pairs(
        lat_deg=lat_deg,
        lng_deg=lng_deg,
        alt_m=alt_m,
        gs_mps=gs_mps,
        trk_deg=trk_deg,
        vs_mps=vs_mps,
        i=i[order],
        j=j[order],
        params=params,
    )
