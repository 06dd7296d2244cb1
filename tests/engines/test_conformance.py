"""Zones: conformance with buffers in metres, and predicted entry against dense sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from skyshare.engines.conformance import conforming, predicted_entries, prepare_zones
from skyshare.engines.focus import dead_reckon
from skyshare.model.volume import Circle, LatLng, Polygon

INF = math.inf
BOX = Polygon((LatLng(35.9, 36.9), LatLng(35.9, 37.1), LatLng(36.1, 37.1), LatLng(36.1, 36.9)))
M_PER_DEG_LNG = 111_194.9 * math.cos(math.radians(36.0))


def _one(*values: float) -> NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64)


def test_conformance_buffer_is_in_metres_and_bands_and_groups_count() -> None:
    zones = prepare_zones([BOX], [1000.0], [2000.0], [0.0], [100.0], buffer_h_m=500.0)
    east_edge = 37.1
    lng = _one(
        37.0,  # inside
        east_edge + 400.0 / M_PER_DEG_LNG,  # 400 m outside: within the buffer
        east_edge + 700.0 / M_PER_DEG_LNG,  # 700 m outside
        37.0,  # inside, but 200 m above the band (buffer 100 m)
        37.0,  # inside, but another group's zone
    )
    ok = conforming(
        zones,
        np.array([0]),
        np.full(5, 36.0),
        lng,
        _one(1500, 1500, 1500, 2200, 1500),
        np.array([0, 0, 0, 0, 1]),
        now_s=50.0,
        buffer_v_m=100.0,
    )
    assert ok.tolist() == [True, True, False, False, False]
    later = conforming(
        zones,
        np.array([0]),
        _one(36.0),
        _one(37.0),
        _one(1500),
        np.array([0]),
        now_s=150.0,
        buffer_v_m=0.0,
    )
    assert later.tolist() == [False]  # the window has ended


def test_entry_into_a_circle_level_and_climbing() -> None:
    zones = prepare_zones([Circle(LatLng(36.0, 37.6), 8000.0)], [0.0], [4000.0], [-INF], [INF])
    args = (_one(36.0, 36.0, 36.0, 36.3), _one(37.0, 37.0, 37.0, 37.0))
    e = predicted_entries(
        zones,
        *args,
        _one(1000, 4500, 3000, 1000),
        _one(200, 200, 200, 200),
        _one(90, 90, 90, 90),
        _one(0, 0, 10, 0),
        now_s=0.0,
        lookahead_s=300.0,
    )
    # 0: level, enters after (53.9 km − 8 km) / 200 m/s; 1: passes over; 2: climbs above the
    # 4,000 m ceiling after 100 s, before reaching the circle; 3: passes 33 km north.
    assert e.aircraft.tolist() == [0]
    assert float(e.t_entry_s[0]) == pytest.approx((0.6 * M_PER_DEG_LNG - 8000.0) / 200.0, rel=2e-3)


def test_window_and_already_inside() -> None:
    zones = prepare_zones([BOX, BOX], [-INF, -INF], [INF, INF], [0.0, 500.0], [100.0, 600.0])
    e = predicted_entries(
        zones,
        _one(36.0),
        _one(37.0),
        _one(1000),
        _one(0),
        _one(0),
        _one(0),
        now_s=50.0,
        lookahead_s=300.0,
    )
    assert e.zone.tolist() == [0]  # the second zone opens after the look-ahead
    assert e.t_entry_s.tolist() == [0.0]


def test_the_tree_rejects_distant_zones() -> None:
    far = prepare_zones([BOX], [-INF], [INF], [-INF], [INF])
    lines = shapely.linestrings([[[40.0, 40.0], [40.1, 40.0]]])
    assert far.tree.query(lines, predicate="intersects").shape == (2, 0)


@settings(max_examples=80, deadline=None)
@given(
    lat=st.floats(35.5, 36.5),
    lng=st.floats(36.5, 37.5),
    trk=st.floats(0.0, 359.9),
    gs=st.floats(0.0, 250.0),
    alt=st.floats(0.0, 3000.0),
    vs=st.sampled_from([0.0, -8.0, 8.0]),
)
def test_entry_matches_dense_sampling(
    lat: float, lng: float, trk: float, gs: float, alt: float, vs: float
) -> None:
    """Brute force: sample the path every 0.25 s and test points against the polygon."""
    lookahead = 300.0
    zones = prepare_zones([BOX], [800.0], [2000.0], [-INF], [INF])
    e = predicted_entries(
        zones,
        _one(lat),
        _one(lng),
        _one(alt),
        _one(gs),
        _one(trk),
        _one(vs),
        now_s=0.0,
        lookahead_s=lookahead,
    )
    ts = np.arange(0.0, lookahead + 0.125, 0.25)
    n = ts.shape[0]
    p = dead_reckon(
        np.full(n, lat),
        np.full(n, lng),
        np.full(n, alt),
        np.full(n, gs),
        np.full(n, trk),
        np.full(n, vs),
        ts,
    )
    # Sample points along the straight segment in degrees, as the engine's path is.
    end = dead_reckon(
        _one(lat), _one(lng), _one(alt), _one(gs), _one(trk), _one(vs), _one(lookahead)
    )
    f = ts / lookahead
    xs = lng + f * (float(end.lng_deg[0]) - lng)
    ys = lat + f * (float(end.lat_deg[0]) - lat)
    inside = shapely.contains_xy(zones.polygons[0], xs, ys) & (p.alt_m >= 800) & (p.alt_m <= 2000)
    if not inside.any():
        if len(e):  # only a graze shorter than one sampling step can escape the samples
            t0 = float(e.t_entry_s[0])
            k = int(np.argmin(np.abs(ts - t0)))
            gap = shapely.distance(zones.polygons[0], shapely.points(xs[k], ys[k]))
            assert gap <= (gs * 0.25 + 1.0) / M_PER_DEG_LNG
    else:
        assert len(e) == 1
        first = float(ts[np.argmax(inside)])
        assert float(e.t_entry_s[0]) <= first + 1e-6
        assert float(e.t_entry_s[0]) >= first - 0.25 - 1e-6
