"""Canonical strategic cases: each names the held keys, the new volumes and the keys in conflict."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from skyshare.engines.strategic import Minima
from skyshare.model.volume import (
    Altitude,
    AltitudeReference,
    Circle,
    Footprint,
    LatLng,
    Polygon,
    Volume4D,
)
from skyshare.units import EARTH_RADIUS_M

MINIMA = Minima(horizontal_m=5_556.0, vertical_m=300.0, time_buffer_s=300.0)
T = 1_795_514_400.0
AGL = AltitudeReference.AGL
M_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0


def square(lat: float, lng: float, half_m: float) -> Polygon:
    """A lng/lat square of about ``2·half_m`` across, longitudes wrapped into [-180, 180]."""
    d = half_m / M_PER_DEG
    dl = d / max(math.cos(math.radians(lat)), 1e-6)
    corners = [(-d, -dl), (-d, dl), (d, dl), (d, -dl)]
    return Polygon(tuple(LatLng(lat + a, (lng + b + 180.0) % 360.0 - 180.0) for a, b in corners))


def vol(
    fp: Footprint,
    lo: float = 1_000.0,
    hi: float | None = 2_000.0,
    t0: float | None = T,
    t1: float | None = T + 3_600.0,
    *,
    lo_ref: AltitudeReference = AltitudeReference.W84,
    hi_ref: AltitudeReference | None = None,
) -> Volume4D:
    return Volume4D(fp, Altitude(lo, lo_ref), Altitude(hi, hi_ref or lo_ref), t0, t1)


@dataclass(frozen=True)
class Case:
    name: str
    held: dict[str, list[Volume4D]]
    new: list[Volume4D]
    expected: list[str]
    minima: Minima = field(default=MINIMA)


def _north(lat: float, metres: float) -> float:
    return lat + metres / M_PER_DEG


_C = Circle(LatLng(36.0, 37.0), 2_000.0)

CASES: list[Case] = [
    Case(
        "touching windows conflict within the buffer",
        {"a": [vol(_C, t0=T - 3_600.0, t1=T)]},
        [vol(_C, t0=T, t1=T + 60.0)],
        ["a"],
    ),
    Case(
        "touching windows do not conflict without a buffer",
        {"a": [vol(_C, t0=T - 3_600.0, t1=T)]},
        [vol(_C, t0=T, t1=T + 60.0)],
        [],
        Minima(5_556.0, 300.0, 0.0),
    ),
    Case(
        "windows further apart than the buffer",
        {"a": [vol(_C, t0=T - 3_600.0, t1=T - 301.0)]},
        [vol(_C)],
        [],
    ),
    Case(
        "nested: a small square inside a large one",
        {"big": [vol(square(36.0, 37.0, 40_000.0))]},
        [vol(square(36.01, 37.01, 1_000.0))],
        ["big"],
    ),
    Case(
        "circle near a polygon, inside and outside the minimum",
        {
            "near": [vol(square(_north(36.0, 2_000.0 + 5_000.0 + 1_000.0), 37.0, 1_000.0))],
            "far": [vol(square(_north(36.0, 2_000.0 + 6_000.0 + 1_000.0), 37.0, 1_000.0))],
        },
        [vol(_C)],
        ["near"],
    ),
    Case(
        "across the antimeridian",
        {
            "east": [vol(square(10.0, -179.98, 1_000.0))],
            "west-far": [vol(square(10.0, 179.5, 1_000.0))],
        },
        [vol(square(10.0, 179.98, 1_000.0))],
        ["east"],
    ),
    Case(
        "near the pole: across it, and a circle over it",
        {
            "across": [vol(Circle(LatLng(89.98, 180.0), 500.0))],
            "over": [vol(Circle(LatLng(90.0, 0.0), 100.0))],
            "elsewhere": [vol(Circle(LatLng(89.0, 90.0), 500.0))],
        },
        [vol(square(89.97, 0.0, 1_000.0))],
        ["across", "over"],
    ),
    Case(
        "exactly at the horizontal threshold, one metre either side",
        {
            "under": [vol(Circle(LatLng(_north(0.0, 1_000.0 + 5_555.0 + 1_000.0), 20.0), 1_000.0))],
            "over": [vol(Circle(LatLng(_north(0.0, 1_000.0 + 5_557.0 + 1_000.0), 20.0), 1_000.0))],
        },
        [vol(Circle(LatLng(0.0, 20.0), 1_000.0))],
        ["under"],
    ),
    Case(
        "vertical threshold: a 299 m gap conflicts, 300 m does not",
        {"under": [vol(_C, 2_299.0, 3_000.0)], "at": [vol(_C, 2_300.0, 3_000.0)]},
        [vol(_C, 1_000.0, 2_000.0)],
        ["under"],
    ),
    Case(
        "AGL against W84 is widened over all terrain",
        {
            "low-w84": [vol(_C, 8_000.0, 8_100.0)],
            "high-w84": [vol(_C, 9_500.0, 9_600.0)],
        },
        [vol(_C, 0.0, 100.0, lo_ref=AGL)],
        ["low-w84"],
    ),
    Case(
        "AGL against AGL is compared as given",
        {"a": [vol(_C, 500.0, 600.0, lo_ref=AGL)], "b": [vol(_C, 350.0, 450.0, lo_ref=AGL)]},
        [vol(_C, 0.0, 100.0, lo_ref=AGL)],
        ["b"],
    ),
    Case(
        "mixed datums: surface to a W84 ceiling",
        {"a": [vol(_C, 9_000.0, 9_100.0)]},
        [vol(_C, 0.0, 3_000.0, lo_ref=AGL, hi_ref=AltitudeReference.W84)],
        [],
    ),
    Case(
        "unlimited upper limit",
        {"a": [vol(_C, 50_000.0, 50_100.0)], "b": [vol(_C, 10.0, None)]},
        [vol(_C, 1_000.0, None)],
        ["a", "b"],
    ),
    Case(
        "unbounded times",
        {
            "forever": [vol(_C, t0=None, t1=None)],
            "from-tomorrow": [vol(_C, t0=T + 86_400.0, t1=None)],
            "until-yesterday": [vol(_C, t0=None, t1=T - 86_400.0)],
        },
        [vol(_C)],
        ["forever"],
    ),
    Case(
        "several volumes: one pair suffices",
        {"a": [vol(square(40.0, 0.0, 1_000.0)), vol(_C)]},
        [vol(square(-40.0, 0.0, 1_000.0)), vol(_C, 1_500.0, 1_600.0)],
        ["a"],
    ),
]
