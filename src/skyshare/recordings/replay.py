"""Detection over a recording: a tactical detection every ``step_s``, merged into encounters.

At each step (multiples of ``step_s`` from the first whole step in the file) the latest state
of each airborne aircraft no older than ``max_age_s`` is extrapolated in a straight line to the
step time and handed to :func:`skyshare.engines.tactical.detect`. A pair in conflict on
consecutive steps is one encounter; its actual minimum separation is measured on the
recording itself, interpolated linearly between reports.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skyshare.engines.tactical import TacticalParams, detect
from skyshare.recordings._base import Recording
from skyshare.units import EARTH_RADIUS_M

__all__ = ["Encounter", "replay", "step_times"]

F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Encounter:
    """One encounter between aircraft ``a < b`` (by id); times in epoch seconds (UTC).

    ``lead_s`` is the time from the first alert to the first loss of separation in the
    recording, ``None`` when separation was never lost. ``cpa_time_s`` is when the horizontal
    separation was smallest; ``min_vertical_m`` is the smallest vertical separation at any time
    of the encounter.
    """

    a: str
    b: str
    first_alert_s: float
    lead_s: float | None
    cpa_time_s: float
    min_horizontal_m: float
    min_vertical_m: float
    los: bool


def step_times(first_s: float, last_s: float, step_s: float) -> F64:
    """Multiples of ``step_s`` from the first whole step at or after ``first_s`` to ``last_s``.

    >>> step_times(12.5, 31.0, 5.0).tolist()
    [15.0, 20.0, 25.0, 30.0]
    """
    start = math.ceil(first_s / step_s) * step_s
    if start > last_s:
        return np.empty(0, dtype=np.float64)
    count = math.floor((last_s - start) / step_s) + 1
    return start + step_s * np.arange(count, dtype=np.float64)


@dataclass(slots=True)
class _Open:
    first_step: int
    last_step: int


class _Tracks:
    """Each aircraft's reports in time order, for interpolation between them."""

    def __init__(self, rec: Recording) -> None:
        order = np.lexsort((rec.time_s, rec.aircraft))
        self.rec = rec
        self.order = order
        ac = rec.aircraft[order]
        n_ac = len(rec.ids)
        self.start = np.searchsorted(ac, np.arange(n_ac), side="left")
        self.end = np.searchsorted(ac, np.arange(n_ac), side="right")

    def at(self, k: int, times: F64) -> tuple[F64, F64, F64]:
        """Latitude, longitude (unwrapped) and altitude of aircraft ``k`` at ``times``."""
        rows = self.order[self.start[k] : self.end[k]]
        t = self.rec.time_s[rows]
        lng = np.degrees(np.unwrap(np.radians(self.rec.lng_deg[rows])))
        return (
            np.interp(times, t, self.rec.lat_deg[rows]),
            np.interp(times, t, lng),
            np.interp(times, t, self.rec.alt_m[rows]),
        )

    def times(self, k: int) -> F64:
        return self.rec.time_s[self.order[self.start[k] : self.end[k]]]


def _extrapolate(rec: Recording, rows: NDArray[np.int64], t: float) -> tuple[F64, F64, F64]:
    """Straight-line positions at ``t`` on the flat earth of the detection model."""
    dt = t - rec.time_s[rows]
    trk = np.radians(rec.trk_deg[rows])
    lat = rec.lat_deg[rows]
    north = rec.gs_mps[rows] * np.cos(trk) * dt
    east = rec.gs_mps[rows] * np.sin(trk) * dt
    cos_lat = np.maximum(np.cos(np.radians(lat)), 1e-6)
    new_lat = np.clip(lat + np.degrees(north / EARTH_RADIUS_M), -90.0, 90.0)
    new_lng = rec.lng_deg[rows] + np.degrees(east / (EARTH_RADIUS_M * cos_lat))
    new_lng = (new_lng + 180.0) % 360.0 - 180.0
    return new_lat, new_lng, rec.alt_m[rows] + rec.vs_mps[rows] * dt


def replay(
    rec: Recording,
    params: TacticalParams,
    *,
    step_s: float = 5.0,
    max_age_s: float = 30.0,
    progress: Callable[[int, int], None] | None = None,
) -> list[Encounter]:
    """Every encounter of the recording, sorted by first alert, then ``(a, b)``."""
    if not (math.isfinite(step_s) and step_s > 0):
        raise ValueError("step_s must be a finite number above 0")
    if len(rec) == 0:
        return []
    steps = step_times(float(rec.time_s[0]), float(rec.time_s[-1]), step_s)
    rank = np.argsort(np.argsort(np.array(rec.ids, dtype=object)))
    latest = np.full(len(rec.ids), -1, dtype=np.int64)
    tracks = _Tracks(rec)
    open_: dict[tuple[int, int], _Open] = {}
    done: list[Encounter] = []
    ptr = 0
    for k, t in enumerate(steps.tolist()):
        end = int(np.searchsorted(rec.time_s, t, side="right"))
        if end > ptr:
            ac = rec.aircraft[ptr:end][::-1]
            seen, first = np.unique(ac, return_index=True)
            latest[seen] = end - 1 - first
            ptr = end
        rows = latest[latest >= 0]
        rows = rows[(t - rec.time_s[rows] <= max_age_s) & ~rec.on_ground[rows]]
        current: set[tuple[int, int]] = set()
        if rows.shape[0] >= 2:
            lat, lng, alt = _extrapolate(rec, rows, t)
            result = detect(
                lat_deg=lat,
                lng_deg=lng,
                alt_m=alt,
                gs_mps=rec.gs_mps[rows],
                trk_deg=rec.trk_deg[rows],
                vs_mps=rec.vs_mps[rows],
                params=params,
            )
            ka = rec.aircraft[rows[result.conflicts.i]]
            kb = rec.aircraft[rows[result.conflicts.j]]
            swap = rank[ka] > rank[kb]
            lo, hi = np.where(swap, kb, ka), np.where(swap, ka, kb)
            current = set(zip(lo.tolist(), hi.tolist(), strict=True))
        for key in current:
            enc = open_.get(key)
            if enc is not None and enc.last_step == k - 1:
                enc.last_step = k
            else:
                open_[key] = _Open(first_step=k, last_step=k)
        for key in [key for key, enc in open_.items() if enc.last_step < k]:
            enc = open_.pop(key)
            done.append(_measure(rec, tracks, key, steps, enc, step_s, params))
        if progress is not None:
            progress(k + 1, int(steps.shape[0]))
    for key, enc in open_.items():
        done.append(_measure(rec, tracks, key, steps, enc, step_s, params))
    done.sort(key=lambda e: (e.first_alert_s, e.a, e.b))
    return done


def _measure(
    rec: Recording,
    tracks: _Tracks,
    key: tuple[int, int],
    steps: F64,
    enc: _Open,
    step_s: float,
    params: TacticalParams,
) -> Encounter:
    """Actual separation over the encounter, from the first alert to one step after the last."""
    a, b = key
    t1 = float(steps[enc.first_step])
    t2 = float(steps[enc.last_step]) + step_s
    samples = np.concatenate(([t1, t2], tracks.times(a), tracks.times(b)))
    samples = np.unique(samples[(samples >= t1) & (samples <= t2)])
    lat_a, lng_a, alt_a = tracks.at(a, samples)
    lat_b, lng_b, alt_b = tracks.at(b, samples)
    dlng = np.radians(lng_b - lng_a)
    dlng = dlng - 2.0 * np.pi * np.round(dlng / (2.0 * np.pi))
    dx = EARTH_RADIUS_M * dlng * np.cos(np.radians(lat_a + lat_b) * 0.5)
    dy = EARTH_RADIUS_M * np.radians(lat_b - lat_a)
    horizontal = np.hypot(dx, dy)
    vertical = np.abs(alt_b - alt_a)
    cpa = int(np.argmin(horizontal))
    lost = (horizontal < params.horizontal_m) & (vertical < params.vertical_m)
    lead = float(samples[int(np.argmax(lost))]) - t1 if bool(np.any(lost)) else None
    return Encounter(
        a=rec.ids[a],
        b=rec.ids[b],
        first_alert_s=t1,
        lead_s=lead,
        cpa_time_s=float(samples[cpa]),
        min_horizontal_m=float(horizontal[cpa]),
        min_vertical_m=float(np.min(vertical)),
        los=lead is not None,
    )
