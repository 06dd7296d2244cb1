"""The tactical engine against the catalog, against its brute-force twin, and its filter."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from skyshare.engines import reference, tactical
from skyshare.engines.tactical import TacticalParams, TacticalResult
from skyshare.errors import InvalidInput
from skyshare.units import EARTH_RADIUS_M

from .tactical_cases import CASES, Case, Traffic

F64 = NDArray[np.float64]


def pairs(ii: NDArray[np.int64], jj: NDArray[np.int64]) -> frozenset[tuple[int, int]]:
    return frozenset(zip(ii.tolist(), jj.tolist(), strict=True))


def run_fast(t: Traffic, params: TacticalParams) -> TacticalResult:
    return tactical.detect(**t.arrays(), params=params)


def run_slow(t: Traffic, params: TacticalParams) -> TacticalResult:
    return reference.tactical_detect(**t.arrays(), params=params)


def assert_same(fast: TacticalResult, slow: TacticalResult) -> None:
    """Same pairs in the same order and the same values, bit for bit."""
    fc, sc = fast.conflicts, slow.conflicts
    assert pairs(fc.i, fc.j) == pairs(sc.i, sc.j)
    for name in ("i", "j", "tcpa_s", "dcpa_m", "t_in_s", "t_out_s"):
        np.testing.assert_array_equal(getattr(fc, name), getattr(sc, name), err_msg=name)
    fl, sl = fast.los, slow.los
    for name in ("i", "j", "distance_m", "dalt_m"):
        np.testing.assert_array_equal(getattr(fl, name), getattr(sl, name), err_msg=name)


# -- the catalog ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_catalog_fast(case: Case) -> None:
    result = run_fast(case.traffic, case.params)
    assert pairs(result.conflicts.i, result.conflicts.j) == case.conflicts
    assert pairs(result.los.i, result.los.j) == case.los
    for name, expected in case.values.items():
        (got,) = getattr(result.conflicts, name).tolist()
        if math.isinf(expected):
            assert got == expected, name
        else:
            assert got == pytest.approx(expected, rel=1e-6, abs=1e-6), name


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_catalog_reference(case: Case) -> None:
    slow = run_slow(case.traffic, case.params)
    assert pairs(slow.conflicts.i, slow.conflicts.j) == case.conflicts
    assert pairs(slow.los.i, slow.los.j) == case.los
    assert_same(run_fast(case.traffic, case.params), slow)


def test_output_is_sorted_and_ordered() -> None:
    rng = np.random.default_rng(7)
    n = 400
    t = Traffic(
        lat_deg=rng.uniform(-1.0, 1.0, n),
        lng_deg=rng.uniform(-1.0, 1.0, n),
        alt_m=np.full(n, 10000.0),
        gs_mps=rng.uniform(200.0, 260.0, n),
        trk_deg=rng.uniform(0.0, 360.0, n),
        vs_mps=np.zeros(n),
    )
    c = run_fast(t, TacticalParams()).conflicts
    assert len(c) > 10
    assert np.all(c.i < c.j)
    keys = c.i * n + c.j
    assert np.all(np.diff(keys) > 0)


def test_empty_and_single() -> None:
    for n in (0, 1):
        t = Traffic(*(np.zeros(n) for _ in range(6)))
        result = run_fast(t, TacticalParams())
        assert len(result.conflicts) == 0
        assert len(result.los) == 0
        assert result.candidates == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lat_deg", math.nan, "finite"),
        ("lat_deg", 91.0, r"\[-90, 90\]"),
        ("lng_deg", -180.5, r"\[-180, 180\]"),
        ("gs_mps", math.inf, "finite"),
    ],
)
def test_rejects_bad_arrays(field: str, value: float, message: str) -> None:
    arrays = CASES[0].traffic.arrays()
    bad = arrays[field].copy()
    bad[0] = value
    arrays[field] = bad
    with pytest.raises(InvalidInput, match=message):
        tactical.detect(**arrays, params=TacticalParams())


def test_rejects_mismatched_lengths() -> None:
    arrays = CASES[0].traffic.arrays()
    arrays["alt_m"] = np.zeros(3)
    with pytest.raises(InvalidInput, match="same length"):
        tactical.detect(**arrays, params=TacticalParams())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"horizontal_m": 0.0},
        {"vertical_m": -1.0},
        {"lookahead_s": -5.0},
        {"horizontal_m": math.nan},
    ],
)
def test_rejects_bad_params(kwargs: dict[str, float]) -> None:
    with pytest.raises(InvalidInput):
        TacticalParams(**kwargs)


# -- fast == brute force on random traffic -------------------------------------------------


@st.composite
def random_traffic(draw: st.DrawFn) -> tuple[Traffic, TacticalParams]:
    """Traffic that is dense or sparse, local or global, at the antimeridian or a pole."""
    n = draw(st.integers(0, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    where = draw(st.sampled_from(["global", "local", "antimeridian", "north pole", "south pole"]))
    span = draw(st.sampled_from([0.05, 0.5, 3.0]))
    if where == "global":
        lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
        lng = rng.uniform(-180.0, 180.0, n)
    elif where == "local":
        lat = np.clip(rng.uniform(-60.0, 60.0) + rng.uniform(-span, span, n), -90.0, 90.0)
        lng = rng.uniform(-170.0, 170.0) + rng.uniform(-span, span, n)
    elif where == "antimeridian":
        lat = rng.uniform(-60.0, 60.0) + rng.uniform(-span, span, n)
        lng = np.where(rng.random(n) < 0.5, 180.0, -180.0) - np.sign(
            rng.uniform(-1.0, 1.0, n)
        ) * rng.uniform(0.0, span, n)
        lng = np.clip(lng, -180.0, 180.0)
    else:
        pole = 90.0 if where == "north pole" else -90.0
        lat = pole - np.sign(pole) * rng.uniform(0.0, span, n)
        lng = rng.uniform(-180.0, 180.0, n)
    level = rng.random(n) < draw(st.sampled_from([0.0, 0.5, 1.0]))
    levels = rng.choice(np.array([9000.0, 9304.8, 9609.6]), n)
    alt = np.where(level, levels, rng.uniform(8000.0, 11000.0, n))
    vs = np.where(level, 0.0, rng.uniform(-15.0, 15.0, n))
    gs = rng.uniform(0.0, 300.0, n)
    # Exact repeats make zero relative velocity and identical positions likely.
    if n >= 2 and draw(st.booleans()):
        gs[1::2] = gs[0]
        trk = np.full(n, rng.uniform(0.0, 360.0))
    else:
        trk = rng.uniform(0.0, 360.0, n)
    if n >= 2 and draw(st.booleans()):
        lat[1], lng[1], alt[1] = lat[0], lng[0], alt[0]
    params = TacticalParams(
        horizontal_m=draw(st.sampled_from([1000.0, 9260.0, 50000.0])),
        vertical_m=draw(st.sampled_from([100.0, 304.8, 1000.0])),
        lookahead_s=draw(st.sampled_from([0.0, 60.0, 300.0, 900.0])),
    )
    return Traffic(lat, lng, alt, gs, trk, vs), params


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_traffic())
def test_fast_equals_brute_force(drawn: tuple[Traffic, TacticalParams]) -> None:
    t, params = drawn
    fast = run_fast(t, params)
    event(f"conflicts: {min(len(fast.conflicts), 3)}")
    assert_same(fast, run_slow(t, params))


def test_fast_equals_brute_force_dense_cluster() -> None:
    """A few hundred aircraft in a small box: thousands of candidates, many conflicts."""
    rng = np.random.default_rng(11)
    n = 300
    t = Traffic(
        lat_deg=rng.uniform(59.0, 61.0, n),
        lng_deg=rng.uniform(179.0, 181.0, n),
        alt_m=rng.choice(np.arange(6096.0, 12500.0, 304.8), n),
        gs_mps=rng.uniform(200.0, 260.0, n),
        trk_deg=rng.uniform(0.0, 360.0, n),
        vs_mps=np.where(rng.random(n) < 0.2, rng.uniform(-15.0, 15.0, n), 0.0),
    )
    t = Traffic(
        t.lat_deg,
        np.where(t.lng_deg > 180.0, t.lng_deg - 360.0, t.lng_deg),
        t.alt_m,
        t.gs_mps,
        t.trk_deg,
        t.vs_mps,
    )
    fast = run_fast(t, TacticalParams())
    assert len(fast.conflicts) > 50
    assert_same(fast, run_slow(t, TacticalParams()))


# -- the candidate filter ------------------------------------------------------------------


def test_filter_rejects_pairs() -> None:
    """Sparse global traffic: the search must hand far fewer than all pairs to the exact test."""
    rng = np.random.default_rng(3)
    n = 2000
    t = Traffic(
        lat_deg=np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n))),
        lng_deg=rng.uniform(-180.0, 180.0, n),
        alt_m=rng.uniform(6000.0, 12000.0, n),
        gs_mps=rng.uniform(200.0, 260.0, n),
        trk_deg=rng.uniform(0.0, 360.0, n),
        vs_mps=np.where(rng.random(n) < 0.2, 10.0, 0.0),
    )
    result = run_fast(t, TacticalParams())
    assert result.candidates < n * (n - 1) // 2 // 1000


def test_vertical_bound_rejects_level_pairs() -> None:
    """Co-located level aircraft 1,000 m apart vertically never reach the exact test."""
    t = Traffic(
        lat_deg=np.zeros(2),
        lng_deg=np.zeros(2),
        alt_m=np.array([9000.0, 10000.0]),
        gs_mps=np.full(2, 200.0),
        trk_deg=np.array([0.0, 180.0]),
        vs_mps=np.zeros(2),
    )
    assert run_fast(t, TacticalParams()).candidates == 0
    climbing = Traffic(t.lat_deg, t.lng_deg, t.alt_m, t.gs_mps, t.trk_deg, np.array([0.0, -5.0]))
    assert run_fast(climbing, TacticalParams()).candidates == 1


def test_horizontal_bound_rejects_distant_pair() -> None:
    """Two aircraft 200 km apart cannot close 190 km in 300 s at 250 m/s each (150 km)."""
    t = Traffic(
        lat_deg=np.zeros(2),
        lng_deg=np.array([0.0, 200_000.0 / EARTH_RADIUS_M * 180.0 / math.pi]),
        alt_m=np.full(2, 10000.0),
        gs_mps=np.full(2, 250.0),
        trk_deg=np.array([90.0, 270.0]),
        vs_mps=np.zeros(2),
    )
    assert run_fast(t, TacticalParams()).candidates == 0
    assert run_fast(t, TacticalParams(lookahead_s=400.0)).candidates == 1


@settings(max_examples=500, deadline=None)
@given(
    lat1=st.floats(-90.0, 90.0),
    lat2=st.floats(-90.0, 90.0),
    lng1=st.floats(-180.0, 180.0),
    lng2=st.floats(-180.0, 180.0),
)
def test_chord_never_exceeds_model_distance(
    lat1: float, lat2: float, lng1: float, lng2: float
) -> None:
    """The lemma the search rests on (docs/tactical.md): chord ≤ flat-earth model distance."""
    lat_r = np.radians([lat1, lat2])
    lng_r = np.radians([lng1, lng2])
    dlng = float(tactical._wrap_pi(np.array([lng_r[1] - lng_r[0]]))[0])
    dx = EARTH_RADIUS_M * dlng * math.cos((lat_r[0] + lat_r[1]) * 0.5)
    dy = EARTH_RADIUS_M * (lat_r[1] - lat_r[0])
    model = math.hypot(dx, dy)
    p = EARTH_RADIUS_M * np.array(
        [
            [math.cos(a) * math.cos(b), math.cos(a) * math.sin(b), math.sin(a)]
            for a, b in zip(lat_r, lng_r, strict=True)
        ]
    )
    chord = float(np.linalg.norm(p[1] - p[0]))
    assert chord <= model * (1.0 + 1e-9) + 1e-6


@pytest.mark.parametrize(
    ("angle", "wrapped"),
    [(math.pi, math.pi), (-math.pi, math.pi), (1.5 * math.pi, -0.5 * math.pi), (0.0, 0.0)],
)
def test_wrap_is_half_open(angle: float, wrapped: float) -> None:
    assert float(tactical._wrap_pi(np.array([angle]))[0]) == pytest.approx(wrapped)


@pytest.mark.parametrize(("query_chunk", "pair_chunk", "bands"), [(7, 50, 4096), (1, 1, 2)])
def test_chunk_boundaries_lose_nothing(
    monkeypatch: pytest.MonkeyPatch, query_chunk: int, pair_chunk: int, bands: int
) -> None:
    """Tiny chunks and few, wide altitude bands must give the same answer as one big pass."""
    monkeypatch.setattr(tactical, "_QUERY_CHUNK", query_chunk)
    monkeypatch.setattr(tactical, "_CHUNK_PAIRS", pair_chunk)
    monkeypatch.setattr(tactical, "_MAX_BANDS", bands)
    rng = np.random.default_rng(5)
    n = 250
    t = Traffic(
        lat_deg=rng.uniform(-0.8, 0.8, n),
        lng_deg=rng.uniform(-0.8, 0.8, n),
        alt_m=np.where(
            rng.random(n) < 0.7,
            rng.choice(np.arange(6096.0, 12500.0, 304.8), n),
            rng.uniform(6000.0, 12500.0, n),
        ),
        gs_mps=rng.uniform(200.0, 260.0, n),
        trk_deg=rng.uniform(0.0, 360.0, n),
        vs_mps=np.where(rng.random(n) < 0.3, rng.uniform(-15.0, 15.0, n), 0.0),
    )
    fast = run_fast(t, TacticalParams())
    assert len(fast.conflicts) > 20
    assert_same(fast, run_slow(t, TacticalParams()))
