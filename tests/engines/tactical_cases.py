"""The canonical tactical encounters every test and benchmark draws on.

Each case is a small traffic picture, the parameters, and the pairs the model must report:
conflicting pairs and pairs in loss of separation now. Exact-threshold cases are built so the
floating-point values land exactly on the rule's boundary (see ``_touching``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from skyshare.engines.tactical import TacticalParams, exact_pairs
from skyshare.units import EARTH_RADIUS_M

__all__ = ["CASES", "Case", "Traffic", "traffic"]

F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Traffic:
    """Structure-of-arrays traffic, the engine's input shape."""

    lat_deg: F64
    lng_deg: F64
    alt_m: F64
    gs_mps: F64
    trk_deg: F64
    vs_mps: F64

    def arrays(self) -> dict[str, F64]:
        return {
            "lat_deg": self.lat_deg,
            "lng_deg": self.lng_deg,
            "alt_m": self.alt_m,
            "gs_mps": self.gs_mps,
            "trk_deg": self.trk_deg,
            "vs_mps": self.vs_mps,
        }


def traffic(*rows: tuple[float, float, float, float, float, float]) -> Traffic:
    """Rows of ``(lat, lng, alt_m, gs_mps, trk_deg, vs_mps)`` as arrays."""
    cols = np.array(rows, dtype=np.float64).reshape(-1, 6).T
    return Traffic(*(np.ascontiguousarray(c) for c in cols))


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    traffic: Traffic
    conflicts: frozenset[tuple[int, int]]
    los: frozenset[tuple[int, int]] = frozenset()
    params: TacticalParams = field(default_factory=TacticalParams)
    #: Optional expected values for pair (0, 1): name -> value (compared with rel 1e-6).
    values: dict[str, float] = field(default_factory=dict)


NONE: frozenset[tuple[int, int]] = frozenset()
PAIR: frozenset[tuple[int, int]] = frozenset({(0, 1)})
_DEG_M = EARTH_RADIUS_M * math.pi / 180.0


def _touching(extra: int) -> Case:
    """Horizontal window ends exactly when the vertical one starts (``t_in == t_out``).

    Head-on pair, then a vertical geometry whose window starts at ``t0`` bit for bit:
    ``vertical_m = t0``, ``dalt = 2·t0``, ``dvs = -1`` give ``(t0 - 2·t0)/-1 = t0`` exactly.
    ``extra`` ulps later, the windows no longer touch.
    """
    level = traffic((0.0, 0.0, 0.0, 250.0, 90.0, 0.0), (0.0, 0.1, 0.0, 250.0, 270.0, 0.0))
    horizontal = exact_pairs(
        **level.arrays(),
        i=np.array([0]),
        j=np.array([1]),
        params=TacticalParams(lookahead_s=300.0),
    )
    t0 = float(horizontal.conflicts.t_out_s[0])
    for _ in range(extra):
        t0 = math.nextafter(t0, math.inf)
    return Case(
        name=f"touching windows +{extra} ulp",
        traffic=traffic(
            (0.0, 0.0, 0.0, 250.0, 90.0, 0.0), (0.0, 0.1, 2.0 * t0, 250.0, 270.0, -1.0)
        ),
        params=TacticalParams(vertical_m=t0),
        conflicts=PAIR if extra == 0 else NONE,
        values={"t_in_s": t0, "t_out_s": t0} if extra == 0 else {},
    )


def _dcpa_at_threshold(extra: int) -> Case:
    """Zero relative speed with the distance exactly ``horizontal_m`` (strict ``<``: none)."""
    dy = float(EARTH_RADIUS_M * (np.radians(0.05) - np.radians(0.0)))
    rpz = dy
    for _ in range(extra):
        rpz = math.nextafter(rpz, math.inf)
    return Case(
        name=f"distance at horizontal minimum +{extra} ulp",
        traffic=traffic(
            (0.0, 10.0, 9000.0, 230.0, 90.0, 0.0), (0.05, 10.0, 9000.0, 230.0, 90.0, 0.0)
        ),
        params=TacticalParams(horizontal_m=rpz),
        conflicts=PAIR if extra else NONE,
        los=PAIR if extra else NONE,
    )


CASES: tuple[Case, ...] = (
    Case(
        "head-on",
        traffic((0.0, 0.0, 10000.0, 250.0, 90.0, 0.0), (0.0, 1.0, 10000.0, 250.0, 270.0, 0.0)),
        PAIR,
        values={
            "tcpa_s": _DEG_M / 500.0,
            "dcpa_m": 0.0,
            "t_in_s": _DEG_M / 500.0 - 9260.0 / 500.0,
            "t_out_s": _DEG_M / 500.0 + 9260.0 / 500.0,
        },
    ),
    Case(
        "head-on beyond look-ahead",
        traffic((0.0, 0.0, 10000.0, 250.0, 90.0, 0.0), (0.0, 3.0, 10000.0, 250.0, 270.0, 0.0)),
        NONE,
    ),
    Case(
        "head-on with 400 m between levels",
        traffic((0.0, 0.0, 10000.0, 250.0, 90.0, 0.0), (0.0, 1.0, 10400.0, 250.0, 270.0, 0.0)),
        NONE,
    ),
    Case(
        # 10304.8 - 10000.0 rounds to 304.79999999999927 < 304.8: levels 1,000 ft apart in
        # metres may fall either side of the minimum, in BlueSky as here (docs/tactical.md).
        "head-on 1,000 ft apart, rounded just inside the vertical minimum",
        traffic((0.0, 0.0, 10000.0, 250.0, 90.0, 0.0), (0.0, 1.0, 10304.8, 250.0, 270.0, 0.0)),
        PAIR,
    ),
    Case(
        "crossing at right angles",
        traffic((0.0, -0.5, 10000.0, 240.0, 90.0, 0.0), (-0.5, 0.0, 10000.0, 240.0, 0.0, 0.0)),
        PAIR,
    ),
    Case(
        "crossing, passing 14 km apart",
        traffic((0.0, -0.5, 10000.0, 240.0, 90.0, 0.0), (-0.68, 0.0, 10000.0, 240.0, 0.0, 0.0)),
        NONE,
    ),
    Case(
        "overtaking at equal speed, 5 km in trail",
        traffic((0.0, 0.0, 10000.0, 240.0, 90.0, 0.0), (0.0, 0.045, 10000.0, 240.0, 90.0, 0.0)),
        PAIR,
        los=PAIR,
        values={"tcpa_s": 0.0, "t_in_s": -math.inf, "t_out_s": math.inf},
    ),
    Case(
        "zero relative velocity, 20 km apart",
        traffic((0.0, 0.0, 10000.0, 240.0, 90.0, 0.0), (0.0, 0.18, 10000.0, 240.0, 90.0, 0.0)),
        NONE,
    ),
    Case(
        "overtaking, faster one behind",
        traffic((0.0, 0.0, 10000.0, 260.0, 90.0, 0.0), (0.0, 0.15, 10000.0, 200.0, 90.0, 0.0)),
        PAIR,
    ),
    Case(
        "parallel co-altitude, 8 km abeam",
        traffic((0.0, 0.0, 10000.0, 240.0, 0.0, 0.0), (0.0, 0.072, 10000.0, 240.0, 0.0, 0.0)),
        PAIR,
        los=PAIR,
    ),
    Case(
        "parallel co-altitude, 20 km abeam",
        traffic((0.0, 0.0, 10000.0, 240.0, 0.0, 0.0), (0.0, 0.18, 10000.0, 240.0, 0.0, 0.0)),
        NONE,
    ),
    Case(
        "climbing through a level aircraft in formation",
        traffic((40.0, 5.0, 10000.0, 200.0, 45.0, 0.0), (40.0, 5.03, 8000.0, 200.0, 45.0, 10.0)),
        PAIR,
        values={"t_in_s": (2000.0 - 304.8) / 10.0, "t_out_s": (2000.0 + 304.8) / 10.0},
    ),
    Case(
        "climbing too slowly to reach within look-ahead",
        traffic((40.0, 5.0, 10000.0, 200.0, 45.0, 0.0), (40.0, 5.03, 8000.0, 200.0, 45.0, 5.0)),
        NONE,
    ),
    Case(
        "identical positions and velocities",
        traffic((51.5, -0.1, 3000.0, 120.0, 270.0, 0.0), (51.5, -0.1, 3000.0, 120.0, 270.0, 0.0)),
        PAIR,
        los=PAIR,
        values={"dcpa_m": 0.0, "t_in_s": -math.inf, "t_out_s": math.inf},
    ),
    Case(
        "head-on across the antimeridian",
        traffic(
            (10.0, 179.95, 11000.0, 250.0, 90.0, 0.0), (10.0, -179.95, 11000.0, 250.0, 270.0, 0.0)
        ),
        PAIR,
        values={"tcpa_s": 0.1 * _DEG_M * math.cos(math.radians(10.0)) / 500.0},
    ),
    Case(
        "formation straddling the antimeridian",
        traffic((0.0, 179.99, 11000.0, 250.0, 0.0, 0.0), (0.0, -179.99, 11000.0, 250.0, 0.0, 0.0)),
        PAIR,
        los=PAIR,
    ),
    Case(
        "near the pole, 10 degrees of longitude apart",
        traffic((89.99, 10.0, 9000.0, 0.0, 0.0, 0.0), (89.99, 20.0, 9000.0, 0.0, 0.0, 0.0)),
        PAIR,
        los=PAIR,
    ),
    Case(
        # True distance across the pole is 11.1 km, the model's flat dx 17.5 km: the model rules.
        "either side of the pole, flat-earth distance above the minimum",
        traffic((89.95, 0.0, 9000.0, 200.0, 0.0, 0.0), (89.95, 180.0, 9000.0, 200.0, 0.0, 0.0)),
        NONE,
    ),
    Case(
        "level pair exactly the vertical minimum apart",
        traffic((0.0, 0.0, 1000.0, 200.0, 0.0, 0.0), (0.0, 0.0, 1300.0, 200.0, 0.0, 0.0)),
        NONE,
        params=TacticalParams(vertical_m=300.0),
    ),
    Case(
        "level pair just inside the vertical minimum",
        traffic((0.0, 0.0, 1000.0, 200.0, 0.0, 0.0), (0.0, 0.0, 1299.5, 200.0, 0.0, 0.0)),
        PAIR,
        los=PAIR,
        params=TacticalParams(vertical_m=300.0),
    ),
    Case(
        "conflict starts exactly at the look-ahead",
        traffic((0.0, 0.0, 1000.0, 200.0, 0.0, 0.0), (0.0, 0.0, 2000.0, 200.0, 0.0, -2.0)),
        NONE,
        params=TacticalParams(vertical_m=300.0, lookahead_s=350.0),
    ),
    Case(
        "conflict starts just inside the look-ahead",
        traffic((0.0, 0.0, 1000.0, 200.0, 0.0, 0.0), (0.0, 0.0, 2000.0, 200.0, 0.0, -2.0)),
        PAIR,
        params=TacticalParams(vertical_m=300.0, lookahead_s=350.5),
        values={"t_in_s": 350.0, "t_out_s": 650.0},
    ),
    Case(
        "conflict ended exactly now",
        traffic((0.0, 0.0, 1000.0, 200.0, 0.0, 0.0), (0.0, 0.0, 1300.0, 200.0, 0.0, 2.0)),
        NONE,
        params=TacticalParams(vertical_m=300.0),
    ),
    _touching(0),
    _touching(1),
    _dcpa_at_threshold(0),
    _dcpa_at_threshold(1),
    Case(
        "three aircraft: one pair conflicts, the third is far away",
        traffic(
            (0.0, 0.0, 10000.0, 250.0, 90.0, 0.0),
            (30.0, 30.0, 10000.0, 250.0, 90.0, 0.0),
            (0.0, 1.0, 10000.0, 250.0, 270.0, 0.0),
        ),
        frozenset({(0, 2)}),
    ),
)
