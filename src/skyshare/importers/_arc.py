"""Arcs on the WGS84 ellipsoid, densified into polygon vertices.

An arc is the locus at a geodesic distance from its centre (what the OpenAir ``DA``/``DB``
records mean: "radius in nautical miles, angles true"). Vertices lie exactly on the arc
(pyproj ``Geod.fwd``, Karney's geodesics), spaced so that no chord strays more than
``tolerance_m`` from the arc (sagitta ``r (1 - cos(θ/2))``). Longitudes come back in
[-180, 180]; polygons take edges the short way round, so arcs across the antimeridian work.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pyproj

from skyshare.model.volume import LatLng

__all__ = ["CHORD_TOLERANCE_M", "arc_points", "bearing_distance", "step_deg"]

#: Largest distance between a chord and the true arc, metres. 10 m keeps a 50 km circle
#: under 160 vertices and is well inside any separation minimum.
CHORD_TOLERANCE_M = 10.0
#: Never step more than this, so that small arcs still look like arcs.
_MAX_STEP_DEG = 10.0


@lru_cache(maxsize=1)
def _geod() -> pyproj.Geod:
    return pyproj.Geod(ellps="WGS84")


def step_deg(radius_m: float, tolerance_m: float) -> float:
    """Largest angular step (degrees) whose chord stays within ``tolerance_m`` of the arc.

    >>> round(step_deg(10_000.0, 10.0), 3)
    5.125
    """
    if tolerance_m >= radius_m:
        return _MAX_STEP_DEG
    return min(_MAX_STEP_DEG, math.degrees(2.0 * math.acos(1.0 - tolerance_m / radius_m)))


def bearing_distance(center: LatLng, point: LatLng) -> tuple[float, float]:
    """Initial true bearing (degrees) and geodesic distance (m) from ``center`` to ``point``."""
    az, _, dist = _geod().inv(center.lng, center.lat, point.lng, point.lat)
    return float(az) % 360.0, float(dist)


def arc_points(
    center: LatLng,
    radius_m: float,
    start_deg: float,
    end_deg: float,
    *,
    clockwise: bool,
    tolerance_m: float = CHORD_TOLERANCE_M,
) -> list[LatLng]:
    """Vertices of an arc from bearing ``start_deg`` to ``end_deg``, both ends included.

    Equal start and end bearings make a full circle (the end repeats the start).
    """
    sweep = (end_deg - start_deg) % 360.0 if clockwise else (start_deg - end_deg) % 360.0
    if sweep == 0.0:
        sweep = 360.0
    n = max(1, math.ceil(sweep / step_deg(radius_m, tolerance_m) - 1e-9))
    sign = 1.0 if clockwise else -1.0
    az = start_deg + sign * sweep * np.arange(n + 1) / n
    lons, lats, _ = _geod().fwd(
        np.full(n + 1, center.lng), np.full(n + 1, center.lat), az, np.full(n + 1, radius_m)
    )
    return [LatLng(float(la), float(lo)) for la, lo in zip(lats, lons, strict=True)]
