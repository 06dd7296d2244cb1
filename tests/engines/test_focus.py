"""Focused detection equals full detection restricted to pairs with a focused aircraft."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from skyshare.engines import focus, tactical
from skyshare.engines.tactical import TacticalParams, TacticalResult

from .tactical_cases import CASES, Case, Traffic


def _restricted(full: TacticalResult, mask: NDArray[np.bool_]) -> TacticalResult:
    c, los = full.conflicts, full.los
    keep = mask[c.i] | mask[c.j]
    lkeep = mask[los.i] | mask[los.j]
    return TacticalResult(
        conflicts=tactical.Conflicts(
            c.i[keep], c.j[keep], c.tcpa_s[keep], c.dcpa_m[keep], c.t_in_s[keep], c.t_out_s[keep]
        ),
        los=tactical.LossOfSeparation(
            los.i[lkeep], los.j[lkeep], los.distance_m[lkeep], los.dalt_m[lkeep]
        ),
        candidates=0,
    )


def assert_focus_equals_full(t: Traffic, mask: NDArray[np.bool_], p: TacticalParams) -> None:
    fast = focus.detect_focused(**t.arrays(), focus=mask, params=p)
    slow = _restricted(tactical.detect(**t.arrays(), params=p), mask)
    for name in ("i", "j", "tcpa_s", "dcpa_m", "t_in_s", "t_out_s"):
        np.testing.assert_array_equal(
            getattr(fast.conflicts, name), getattr(slow.conflicts, name), err_msg=name
        )
    for name in ("i", "j", "distance_m", "dalt_m"):
        np.testing.assert_array_equal(getattr(fast.los, name), getattr(slow.los, name))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_catalog_with_every_single_focus(case: Case) -> None:
    n = int(case.traffic.lat_deg.shape[0])
    for k in range(n):
        mask = np.zeros(n, dtype=bool)
        mask[k] = True
        assert_focus_equals_full(case.traffic, mask, case.params)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 120),
    share=st.floats(0.0, 1.0),
    spread=st.sampled_from([0.05, 0.5, 3.0]),
)
def test_random_traffic_equals_full_detection(
    seed: int, n: int, share: float, spread: float
) -> None:
    rng = np.random.default_rng(seed)
    t = Traffic(
        lat_deg=rng.uniform(36.0 - spread, 36.0 + spread, n),
        lng_deg=rng.uniform(37.0 - spread, 37.0 + spread, n),
        alt_m=rng.choice([3000.0, 3150.0, 3400.0, 6000.0], n) + rng.uniform(-50, 50, n),
        gs_mps=rng.uniform(0.0, 250.0, n),
        trk_deg=rng.uniform(0.0, 360.0, n),
        vs_mps=np.where(rng.random(n) < 0.3, rng.uniform(-15.0, 15.0, n), 0.0),
    )
    mask = rng.random(n) < share
    assert_focus_equals_full(t, mask, TacticalParams(5556.0, 300.0, 300.0))


def test_the_prefilter_rejects_far_and_stacked_traffic() -> None:
    """Traffic far away or three levels apart never reaches the exact test."""
    n = 50
    lat = np.concatenate(([36.0], np.full(n, 46.0)))  # 1,100 km north
    t = Traffic(
        lat_deg=lat,
        lng_deg=np.full(n + 1, 37.0),
        alt_m=np.full(n + 1, 3000.0),
        gs_mps=np.full(n + 1, 100.0),
        trk_deg=np.zeros(n + 1),
        vs_mps=np.zeros(n + 1),
    )
    mask = np.zeros(n + 1, dtype=bool)
    mask[0] = True
    assert focus.detect_focused(**t.arrays(), focus=mask, params=TacticalParams()).candidates == 0
    stacked = Traffic(
        lat_deg=np.full(n + 1, 36.0),
        lng_deg=np.linspace(37.0, 37.01, n + 1),
        alt_m=np.concatenate(([3000.0], np.full(n, 4500.0))),
        gs_mps=np.full(n + 1, 100.0),
        trk_deg=np.zeros(n + 1),
        vs_mps=np.zeros(n + 1),
    )
    result = focus.detect_focused(**stacked.arrays(), focus=mask, params=TacticalParams())
    assert result.candidates == 0


def test_dead_reckoning_matches_the_flat_earth_model() -> None:
    one = np.array([1.0])
    r = focus.dead_reckon(
        36.0 * one, 37.0 * one, 1000.0 * one, 100.0 * one, 0.0 * one, -5.0 * one, 10.0 * one
    )
    assert float(r.lat_deg[0]) == pytest.approx(36.0 + np.degrees(1000.0 / 6_371_000.0))
    assert float(r.lng_deg[0]) == 37.0
    assert float(r.alt_m[0]) == 950.0


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 300),
    share=st.sampled_from([0.0, 0.01, 0.1, 0.25, 0.5, 1.0]),
    climbing=st.sampled_from([0.0, 0.05, 0.5]),
    levels=st.integers(1, 40),
)
def test_many_flight_levels_equal_full_detection(
    seed: int, n: int, share: float, climbing: float, levels: int
) -> None:
    """Layered traffic as in the live benchmark: focused aircraft spread over many bands.

    Levels 350 m apart with a 300 m minimum put neighbours in adjacent bands and the rest
    beyond; the band search must find every pair the full sweep finds, no more.
    """
    rng = np.random.default_rng(seed)
    t = Traffic(
        lat_deg=rng.uniform(35.0, 37.0, n),
        lng_deg=rng.uniform(36.0, 38.0, n),
        alt_m=1000.0 + 350.0 * rng.integers(0, levels, n) + rng.choice([0.0, 0.0, 299.9], n),
        gs_mps=rng.uniform(0.0, 250.0, n),
        trk_deg=rng.uniform(0.0, 360.0, n),
        vs_mps=np.where(rng.random(n) < climbing, rng.uniform(-15.0, 15.0, n), 0.0),
    )
    mask = rng.random(n) < share
    assert_focus_equals_full(t, mask, TacticalParams(5556.0, 300.0, 300.0))


def test_the_band_search_skips_level_traffic_two_bands_away() -> None:
    """A focused level aircraft never meets level traffic 700 m below it, however close."""
    n = 40
    t = Traffic(
        lat_deg=np.full(n + 1, 36.0),
        lng_deg=np.linspace(37.0, 37.001, n + 1),
        alt_m=np.concatenate(([3700.0], np.full(n, 3000.0))),
        gs_mps=np.full(n + 1, 200.0),
        trk_deg=np.zeros(n + 1),
        vs_mps=np.zeros(n + 1),
    )
    mask = np.zeros(n + 1, dtype=bool)
    mask[0] = True
    found = focus._level_pairs(
        focus._points(t.lat_deg, t.lng_deg),
        t.alt_m,
        t.gs_mps,
        np.ones(n + 1, dtype=bool),
        mask,
        TacticalParams(5556.0, 300.0, 300.0),
    )
    assert sum(int(i.shape[0]) for i, _ in found) == 0
