"""What a set of restrictions covers: counts per type, bounding box and vertical range.

Used by ``skyshare import --dry-run`` so that a user sees what a file holds before storing it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from skyshare.model.restriction import Restriction
from skyshare.model.volume import Circle, Footprint, unwrap_longitudes
from skyshare.units import EARTH_RADIUS_M

__all__ = ["BoundingBox", "ImportSummary", "TypeCount", "summarize"]


@dataclass(frozen=True, slots=True)
class TypeCount:
    type: str
    restrictions: int
    volumes: int
    scheduled: int


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """Degrees; ``west > east`` when the box crosses the antimeridian (RFC 7946 §5.2)."""

    west: float
    south: float
    east: float
    north: float


@dataclass(frozen=True, slots=True)
class ImportSummary:
    by_type: tuple[TypeCount, ...]
    bbox: BoundingBox | None
    #: Lowest lower limit and highest upper limit per datum (``W84``, ``AGL``), metres;
    #: an upper of None is unlimited.
    lowest_m: dict[str, float]
    highest_m: dict[str, float | None]


def _extent(fp: Footprint) -> tuple[float, float, float, float]:
    """West, east (east may exceed 180), south, north of one footprint, degrees."""
    if isinstance(fp, Circle):
        dlat = math.degrees(fp.radius_m / EARTH_RADIUS_M)
        south, north = fp.center.lat - dlat, fp.center.lat + dlat
        if south <= -90.0 or north >= 90.0:
            return -180.0, 180.0, max(south, -90.0), min(north, 90.0)
        coslat = math.cos(math.radians(max(abs(south), abs(north))))
        dlng = math.degrees(fp.radius_m / (EARTH_RADIUS_M * coslat))
        if dlng >= 180.0:
            return -180.0, 180.0, south, north
        return fp.center.lng - dlng, fp.center.lng + dlng, south, north
    lngs = unwrap_longitudes([v.lng for v in fp.vertices])
    lats = [v.lat for v in fp.vertices]
    return min(lngs), max(lngs), min(lats), max(lats)


def _wrap(lng: float) -> float:
    return (lng + 180.0) % 360.0 - 180.0


def _lng_span(spans: list[tuple[float, float]]) -> tuple[float, float]:
    """The shortest west-east range covering all spans: the complement of the largest gap."""
    norm = []
    for w, e in spans:
        if e - w >= 360.0:
            return -180.0, 180.0
        w0 = _wrap(w)
        norm.append((w0, w0 + (e - w)))
    norm.sort()
    merged: list[list[float]] = []
    for w, e in norm:
        if merged and w <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([w, e])
    # The gap after each merged span, up to the next one (the last wraps to the first).
    best_gap, best_i = -1.0, 0
    for i, (_w, e) in enumerate(merged):
        nxt = merged[(i + 1) % len(merged)][0] + (360.0 if i + 1 == len(merged) else 0.0)
        gap = nxt - e
        if gap > best_gap:
            best_gap, best_i = gap, i
    if best_gap <= 0.0:
        return -180.0, 180.0
    east = merged[best_i][1]
    west = merged[(best_i + 1) % len(merged)][0]
    east_w = _wrap(east)
    return _wrap(west), (180.0 if east_w == -180.0 else east_w)


def summarize(restrictions: Sequence[Restriction]) -> ImportSummary:
    """Counts per class/type, the bounding box and the vertical range of restrictions."""
    counts: dict[str, list[int]] = {}
    spans: list[tuple[float, float]] = []
    south, north = 90.0, -90.0
    lowest: dict[str, float] = {}
    highest: dict[str, float | None] = {}
    for r in restrictions:
        c = counts.setdefault(r.type or "(none)", [0, 0, 0])
        c[0] += 1
        c[1] += len(r.volumes)
        c[2] += r.schedule is not None and not r.schedule.permanent
        for v in r.volumes:
            w, e, s, n = _extent(v.footprint)
            spans.append((w, e))
            south, north = min(south, s), max(north, n)
            lo = v.lower
            if lo.value_m is not None:
                ref = lo.reference.value
                lowest[ref] = min(lowest.get(ref, math.inf), lo.value_m)
            up = v.upper
            ref = up.reference.value
            if up.value_m is None or (ref in highest and highest[ref] is None):
                highest[ref] = None
            else:
                prev = highest.get(ref, -math.inf)
                assert prev is not None
                highest[ref] = max(prev, up.value_m)
    by_type = tuple(
        TypeCount(t, c[0], c[1], c[2]) for t, c in sorted(counts.items(), key=lambda kv: kv[0])
    )
    bbox = None
    if spans:
        west, east = _lng_span(spans)
        bbox = BoundingBox(west, south, east, north)
    return ImportSummary(by_type, bbox, lowest, highest)
