"""Brute-force twins of every fast path: slow, plain, obviously correct.

Each function here answers the same question as a fast engine by looking at every pair, with
no index, filter or chunking. Tests assert the fast engines return exactly what these return;
benchmarks check that equality on a small case before timing anything. Never use them in the
service: they are O(N²).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from skyshare.engines.geometry import indexed_pair_distances_m, prepare_footprint_arrays
from skyshare.engines.strategic import Minima, StrategicHit, altitude_band, time_bounds
from skyshare.engines.tactical import (
    Conflicts,
    LossOfSeparation,
    TacticalParams,
    TacticalResult,
)
from skyshare.model.volume import Volume4D
from skyshare.units import EARTH_RADIUS_M

__all__ = ["strategic_conflicts_bruteforce", "tactical_detect"]


def tactical_detect(
    *,
    lat_deg: NDArray[np.float64],
    lng_deg: NDArray[np.float64],
    alt_m: NDArray[np.float64],
    gs_mps: NDArray[np.float64],
    trk_deg: NDArray[np.float64],
    vs_mps: NDArray[np.float64],
    params: TacticalParams,
) -> TacticalResult:
    """Twin of ``tactical.detect``: BlueSky's state-based test on all N·(N-1)/2 pairs.

    Written straight from the model in issue 5, one ownship row at a time; ``candidates`` is
    the number of pairs examined, always N·(N-1)/2.
    """
    n = int(np.shape(lat_deg)[0])
    lat = np.radians(lat_deg)
    lng = np.radians(lng_deg)
    trk = np.radians(trk_deg)
    u = gs_mps * np.sin(trk)
    v = gs_mps * np.cos(trk)
    rpz = params.horizontal_m
    hpz = params.vertical_m
    conflict_rows: list[tuple[int, int, float, float, float, float]] = []
    los_rows: list[tuple[int, int, float, float]] = []
    for i in range(n - 1):
        j = np.arange(i + 1, n)
        dlng = lng[j] - lng[i]
        dlng = np.where(dlng > np.pi, dlng - 2.0 * np.pi, dlng)
        dlng = np.where(dlng <= -np.pi, dlng + 2.0 * np.pi, dlng)
        dx = EARTH_RADIUS_M * dlng * np.cos((lat[i] + lat[j]) * 0.5)
        dy = EARTH_RADIUS_M * (lat[j] - lat[i])
        du = u[j] - u[i]
        dv = v[j] - v[i]
        vrel2 = du * du + dv * dv
        dist2 = dx * dx + dy * dy
        dalt = alt_m[j] - alt_m[i]
        dvs = vs_mps[j] - vs_mps[i]
        for k in range(j.shape[0]):
            if dist2[k] < rpz * rpz and abs(dalt[k]) < hpz:
                los_rows.append((i, int(j[k]), float(np.sqrt(dist2[k])), float(dalt[k])))
            # Horizontal window.
            if vrel2[k] == 0.0:
                if not dist2[k] < rpz * rpz:
                    continue
                tcpa, dcpa2 = 0.0, float(dist2[k])
                t_in_h, t_out_h = -np.inf, np.inf
            else:
                tcpa = float(-(du[k] * dx[k] + dv[k] * dy[k]) / vrel2[k])
                dcpa2 = float(dist2[k] - tcpa * tcpa * vrel2[k])
                if not dcpa2 < rpz * rpz:
                    continue
                half = float(np.sqrt(rpz * rpz - dcpa2) / np.sqrt(vrel2[k]))
                t_in_h, t_out_h = tcpa - half, tcpa + half
            # Vertical window.
            if dvs[k] == 0.0:
                if not abs(dalt[k]) < hpz:
                    continue
                t_in_v, t_out_v = -np.inf, np.inf
            else:
                t_a = float((-hpz - dalt[k]) / dvs[k])
                t_b = float((hpz - dalt[k]) / dvs[k])
                t_in_v, t_out_v = min(t_a, t_b), max(t_a, t_b)
            t_in = max(t_in_h, t_in_v)
            t_out = min(t_out_h, t_out_v)
            if t_in <= t_out and t_out > 0.0 and t_in < params.lookahead_s:
                dcpa = float(np.sqrt(max(dcpa2, 0.0)))
                conflict_rows.append((i, int(j[k]), tcpa, dcpa, t_in, t_out))
    c = list(zip(*conflict_rows, strict=True)) if conflict_rows else [()] * 6
    los = list(zip(*los_rows, strict=True)) if los_rows else [()] * 4
    return TacticalResult(
        conflicts=Conflicts(
            i=np.array(c[0], dtype=np.int64),
            j=np.array(c[1], dtype=np.int64),
            tcpa_s=np.array(c[2], dtype=np.float64),
            dcpa_m=np.array(c[3], dtype=np.float64),
            t_in_s=np.array(c[4], dtype=np.float64),
            t_out_s=np.array(c[5], dtype=np.float64),
        ),
        los=LossOfSeparation(
            i=np.array(los[0], dtype=np.int64),
            j=np.array(los[1], dtype=np.int64),
            distance_m=np.array(los[2], dtype=np.float64),
            dalt_m=np.array(los[3], dtype=np.float64),
        ),
        candidates=n * (n - 1) // 2,
    )


def strategic_conflicts_bruteforce(
    items: Mapping[str, Sequence[Volume4D]],
    volumes: Sequence[Volume4D],
    minima: Minima,
    *,
    exclude: str | None = None,
) -> list[StrategicHit]:
    """Twin of ``VolumeIndex.query``: every new volume against every held volume.

    No grid, bucket or cap: the time and vertical rules are written out per pair, and the
    horizontal distance (the shared exact test) is computed for every pair that passes them.
    """
    new_fp = prepare_footprint_arrays([v.footprint for v in volumes])
    pending: list[tuple[str, int, int, float, float, float]] = []
    left: list[int] = []
    right: list[int] = []
    keys = [k for k in sorted(items) if k != exclude]
    held_fp = prepare_footprint_arrays([v.footprint for k in keys for v in items[k]])
    first = 0
    for key in keys:
        held = items[key]
        for i, a in enumerate(volumes):
            a0, a1 = time_bounds(a)
            da, alo, ahi, alo_w, ahi_w = altitude_band(a)
            for j, b in enumerate(held):
                b0, b1 = time_bounds(b)
                if not max(a0, b0) - min(a1, b1) < minima.time_buffer_s:
                    continue
                db, blo, bhi, blo_w, bhi_w = altitude_band(b)
                if da == db and da != 2:
                    vgap = max(alo, blo) - min(ahi, bhi)
                else:
                    vgap = max(alo_w, blo_w) - min(ahi_w, bhi_w)
                if not vgap < minima.vertical_m:
                    continue
                start = max(a0, b0) - minima.time_buffer_s
                end = min(a1, b1) + minima.time_buffer_s
                pending.append((key, i, j, vgap, start, end))
                left.append(i)
                right.append(first + j)
        first += len(held)
    # Distances in one call only because numpy's per-call overhead would dominate.
    dists = indexed_pair_distances_m(
        new_fp, np.array(left, dtype=np.intp), held_fp, np.array(right, dtype=np.intp)
    ).tolist()
    found: dict[str, list[tuple[int, int, float, float, float, float]]] = {}
    for (key, i, j, vgap, start, end), dist in zip(pending, dists, strict=True):
        if dist < minima.horizontal_m:
            found.setdefault(key, []).append((i, j, dist, vgap, start, end))
    hits = []
    for key, rows in sorted(found.items()):
        start = min(r[4] for r in rows)
        end = max(r[5] for r in rows)
        hits.append(
            StrategicHit(
                key=key,
                min_horizontal_m=min(r[2] for r in rows),
                min_vertical_m=min(r[3] for r in rows),
                time_start_s=start if math.isfinite(start) else None,
                time_end_s=end if math.isfinite(end) else None,
                volume_pairs=tuple(sorted({(r[0], r[1]) for r in rows})),
            )
        )
    return hits
