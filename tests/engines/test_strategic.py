"""Strategic engine: the index against its brute-force twin, the catalog, geometry bounds."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from skyshare.engines import geometry, strategic
from skyshare.engines.geometry import (
    DENSIFY_TOL_M,
    FootprintArrays,
    footprint_distance_m,
    footprints_intersect_bbox,
    prepare_footprints,
)
from skyshare.engines.projection import FloatArray, aeqd_project, central_angle, distortion_bound
from skyshare.engines.reference import strategic_conflicts_bruteforce
from skyshare.engines.strategic import (
    Minima,
    StrategicHit,
    VolumeIndex,
    keys_meeting_box,
    time_bounds,
)
from skyshare.errors import InvalidInput
from skyshare.model.volume import (
    Altitude,
    AltitudeReference,
    Circle,
    Footprint,
    LatLng,
    Polygon,
    Volume4D,
    check_polygon,
    unwrap_longitudes,
)
from skyshare.units import EARTH_RADIUS_M

from .strategic_cases import CASES, MINIMA, Case, square, vol

FAST = settings(
    max_examples=60,
    deadline=None,
    # Drawn polygons that fail validation are filtered out, sometimes many in a row.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def assert_same(fast: Sequence[StrategicHit], slow: Sequence[StrategicHit]) -> None:
    assert [(h.key, h.volume_pairs) for h in fast] == [(h.key, h.volume_pairs) for h in slow]
    for a, b in zip(fast, slow, strict=True):
        assert a.min_horizontal_m == pytest.approx(b.min_horizontal_m, abs=1e-6)
        assert a.min_vertical_m == b.min_vertical_m
        assert (a.time_start_s, a.time_end_s) == (b.time_start_s, b.time_end_s)


def index_of(held: Mapping[str, Sequence[Volume4D]], **kw: float) -> VolumeIndex:
    index = VolumeIndex(**kw)  # type: ignore[arg-type]
    for key, volumes in held.items():
        index.add(key, volumes)
    return index


# -- the catalog -----------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_catalog(case: Case) -> None:
    fast = index_of(case.held).query(case.new, case.minima)
    slow = strategic_conflicts_bruteforce(case.held, case.new, case.minima)
    assert [h.key for h in fast] == case.expected
    assert_same(fast, slow)


def test_hit_fields_describe_the_conflict() -> None:
    held = {"a": [vol(Circle(LatLng(0.0, 0.0), 1_000.0), 1_000.0, 2_000.0, 100.0, 200.0)]}
    new = [vol(Circle(LatLng(0.0, 0.03), 1_000.0), 1_900.0, 2_500.0, 150.0, 400.0)]
    (hit,) = index_of(held).query(new, Minima(5_000.0, 300.0, 30.0))
    assert hit.key == "a"
    expected_m = math.radians(0.03) * EARTH_RADIUS_M - 2_000.0
    assert hit.min_horizontal_m == pytest.approx(expected_m, abs=1e-6)
    assert hit.min_vertical_m == -100.0
    assert (hit.time_start_s, hit.time_end_s) == (120.0, 230.0)
    assert hit.volume_pairs == ((0, 0),)


def test_exclude_skips_the_key_being_replaced() -> None:
    held = {"self": [vol(square(36.0, 37.0, 1_000.0))], "other": [vol(square(36.0, 37.0, 500.0))]}
    index = index_of(held)
    new = [vol(square(36.0, 37.0, 800.0))]
    assert [h.key for h in index.query(new, MINIMA, exclude="self")] == ["other"]
    assert_same(
        index.query(new, MINIMA, exclude="self"),
        strategic_conflicts_bruteforce(held, new, MINIMA, exclude="self"),
    )


def test_unbounded_overlap_reports_infinite_depth_and_open_window() -> None:
    c = Circle(LatLng(0.0, 0.0), 100.0)
    held = {"a": [vol(c, 0.0, None, None, None)]}
    (hit,) = index_of(held).query([vol(c, 50.0, None, None, 10.0)], MINIMA)
    assert hit.min_vertical_m == -math.inf
    assert hit.min_horizontal_m == 0.0
    assert (hit.time_start_s, hit.time_end_s) == (None, 310.0)


def test_minima_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="horizontal_m"):
        Minima(-1.0, 300.0, 0.0)
    with pytest.raises(ValueError, match="time_buffer_s"):
        Minima(1.0, 300.0, math.nan)


# -- random cases against the twin ---------------------------------------------------------

lat_st = st.one_of(
    st.floats(-60.0, 60.0), st.floats(84.0, 89.9), st.floats(-89.9, -84.0), st.just(0.0)
)
lng_st = st.one_of(st.floats(-180.0, 180.0), st.floats(179.0, 180.0), st.floats(-180.0, -179.0))


@st.composite
def footprints(draw: st.DrawFn, lat: float, lng: float) -> Footprint:
    size_m = draw(st.floats(200.0, 30_000.0))
    if draw(st.booleans()):
        return Circle(LatLng(lat, lng), size_m)
    n = draw(st.integers(3, 7))
    angles = sorted(draw(st.lists(st.floats(0.0, 2 * math.pi), min_size=n, max_size=n)))
    scale = max(math.cos(math.radians(lat)), 0.02)
    pts = []
    for a in angles:
        plat = min(89.99, max(-89.99, lat + size_m * math.sin(a) / 111_195.0))
        plng = lng + size_m * math.cos(a) / 111_195.0 / scale
        pts.append(LatLng(plat, (plng + 180.0) % 360.0 - 180.0))
    try:
        return check_polygon(pts, "p")
    except InvalidInput:
        assume(False)
        raise


@st.composite
def volumes(draw: st.DrawFn, lat: float, lng: float) -> Volume4D:
    jlat = min(89.99, max(-89.99, lat + draw(st.floats(-0.1, 0.1))))
    jlng = (lng + draw(st.floats(-0.2, 0.2)) + 180.0) % 360.0 - 180.0
    fp = draw(footprints(jlat, jlng))
    lo = draw(st.floats(0.0, 3_000.0))
    hi = None if draw(st.integers(0, 9)) == 0 else lo + draw(st.floats(10.0, 2_000.0))
    refs = st.sampled_from([AltitudeReference.W84, AltitudeReference.W84, AltitudeReference.AGL])
    t0 = None if draw(st.integers(0, 9)) == 0 else draw(st.floats(0.0, 40_000.0))
    t1 = None if draw(st.integers(0, 9)) == 0 else (t0 or 0.0) + draw(st.floats(1.0, 30_000.0))
    return Volume4D(fp, Altitude(lo, draw(refs)), Altitude(hi, draw(refs)), t0, t1)


@st.composite
def scenes(draw: st.DrawFn) -> tuple[dict[str, list[Volume4D]], list[Volume4D]]:
    lat, lng = draw(lat_st), draw(lng_st)
    held = {
        f"k{i}": draw(st.lists(volumes(lat, lng), min_size=1, max_size=3))
        for i in range(draw(st.integers(1, 12)))
    }
    new = draw(st.lists(volumes(lat, lng), min_size=1, max_size=3))
    return held, new


minima_st = st.builds(
    Minima, st.floats(0.0, 20_000.0), st.floats(0.0, 1_000.0), st.floats(0.0, 3_600.0)
)
index_params = st.sampled_from(
    [{}, {"cell_m": 3_000.0, "bucket_s": 600.0, "max_buckets": 2}, {"cell_m": 200_000.0}]
)


@FAST
@given(scenes(), minima_st, index_params)
def test_index_equals_brute_force(
    scene: tuple[dict[str, list[Volume4D]], list[Volume4D]],
    minima: Minima,
    params: dict[str, float],
) -> None:
    held, new = scene
    fast = index_of(held, **params).query(new, minima)
    assert_same(fast, strategic_conflicts_bruteforce(held, new, minima))


@FAST
@given(scenes(), st.lists(st.tuples(st.integers(0, 14), st.integers(0, 2)), max_size=25))
def test_add_remove_replace_stay_consistent(
    scene: tuple[dict[str, list[Volume4D]], list[Volume4D]],
    ops: list[tuple[int, int]],
) -> None:
    pool, new = scene
    index = VolumeIndex(cell_m=5_000.0, bucket_s=900.0, max_buckets=2)
    model: dict[str, list[Volume4D]] = {}
    keys = sorted(pool)
    for n, action in ops:
        key = f"k{n}"
        if action == 2 and key in model:
            index.remove(key)
            del model[key]
        else:
            volumes = pool[keys[(n + action) % len(keys)]]
            index.add(key, volumes)
            model[key] = volumes
        assert len(index) == len(model)
        assert index.keys() == sorted(model)
        assert all(k in index for k in model)
    assert_same(index.query(new, MINIMA), strategic_conflicts_bruteforce(model, new, MINIMA))


@FAST
@given(scenes(), minima_st, st.data())
def test_queries_among_given_keys_equal_brute_force_on_those_keys(
    scene: tuple[dict[str, list[Volume4D]], list[Volume4D]],
    minima: Minima,
    data: st.DataObject,
) -> None:
    """Without a grid (candidates found elsewhere) and with one, ``among`` gives the hits
    of exactly those keys; unknown keys and repeats are ignored."""
    held, new = scene
    among = data.draw(st.lists(st.sampled_from([*held, "unknown"])))
    chosen = {k: held[k] for k in among if k in held}
    expected = strategic_conflicts_bruteforce(chosen, new, minima)
    gridless = VolumeIndex(grid=False)
    for key, volumes in held.items():
        gridless.add(key, volumes)
    assert_same(gridless.query(new, minima, among=among), expected)
    assert_same(index_of(held).query(new, minima, among=among), expected)
    if among and among[0] in held:  # a removed key is no longer among the held
        gridless.remove(among[0])
        rest = {k: v for k, v in chosen.items() if k != among[0]}
        got = gridless.query(new, minima, among=among)
        assert_same(got, strategic_conflicts_bruteforce(rest, new, minima))


def test_an_index_without_a_grid_needs_the_keys_to_test() -> None:
    index = VolumeIndex(grid=False)
    index.add("a", [vol(square(0.0, 0.0, 1_000.0))])
    with pytest.raises(ValueError, match="among given keys"):
        index.query([vol(square(0.0, 0.0, 1_000.0))], MINIMA)
    with pytest.raises(ValueError, match="among given keys"):
        index.query_bbox(-1.0, -1.0, 1.0, 1.0, None, None)
    assert [h.key for h in index.query([vol(square(0.0, 0.0, 1_000.0))], MINIMA, among=["a"])] == [
        "a"
    ]


def test_remove_unknown_key_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        VolumeIndex().remove("nope")


def test_candidate_search_rejects_far_volumes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The grid and the cheap filters must leave far fewer exact tests than all pairs."""
    held = {
        f"k{i}{j}": [vol(square(30.0 + i * 0.5, 10.0 + j * 0.5, 2_000.0))]
        for i in range(10)
        for j in range(10)
    }
    held["late"] = [vol(square(32.0, 12.0, 2_000.0), t0=1e12, t1=1e12 + 60.0)]
    index = index_of(held)
    exact: list[int] = []
    real = geometry.indexed_pair_distances_m

    def counting(
        a: FootprintArrays, ia: NDArray[np.intp], b: FootprintArrays, ib: NDArray[np.intp]
    ) -> FloatArray:
        exact.append(ia.size)
        return real(a, ia, b, ib)

    monkeypatch.setattr(strategic, "indexed_pair_distances_m", counting)
    new = [vol(square(32.0, 12.0, 2_000.0))]
    hits = index.query(new, MINIMA)
    assert [h.key for h in hits] == ["k44"]
    assert sum(exact) == 1  # 101 held volumes, one exact test


# -- bounding boxes --------------------------------------------------------------------------


def bbox_bruteforce(
    held: Mapping[str, Sequence[Volume4D]],
    box: tuple[float, float, float, float],
    t_from: float | None,
    t_to: float | None,
) -> list[str]:
    lo = -math.inf if t_from is None else t_from
    hi = math.inf if t_to is None else t_to
    out = []
    for key, vols in held.items():
        for v in vols:
            t0, t1 = time_bounds(v)
            if t0 <= hi and t1 >= lo and footprints_intersect_bbox([v.footprint], *box)[0]:
                out.append(key)
                break
    return sorted(out)


@FAST
@given(
    scenes(),
    st.floats(-180.0, 180.0),
    st.floats(0.01, 40.0),
    st.floats(-90.0, 89.0),
    st.floats(0.01, 10.0),
    st.one_of(st.none(), st.floats(0.0, 40_000.0)),
    st.one_of(st.none(), st.floats(0.0, 40_000.0)),
)
def test_query_bbox_equals_brute_force(
    scene: tuple[dict[str, list[Volume4D]], list[Volume4D]],
    min_lng: float,
    width: float,
    min_lat: float,
    height: float,
    t_from: float | None,
    t_to: float | None,
) -> None:
    held, _ = scene
    max_lng = (min_lng + width + 180.0) % 360.0 - 180.0
    box = (min_lng, min_lat, max_lng, min(90.0, min_lat + height))
    expected = bbox_bruteforce(held, box, t_from, t_to)
    for params in ({}, {"cell_m": 3_000.0}):
        index = index_of(held, **params)
        assert index.query_bbox(*box, t_from, t_to) == expected
    assert keys_meeting_box(held, *box, t_from, t_to) == expected


def test_query_bbox_across_the_antimeridian_and_in_time() -> None:
    held = {
        "east": [vol(square(0.0, -179.9, 1_000.0))],
        "west": [vol(square(0.0, 179.9, 1_000.0))],
        "middle": [vol(square(0.0, 0.0, 1_000.0))],
        "circle": [vol(Circle(LatLng(1.05, 179.0), 20_000.0))],
    }
    index = index_of(held)
    assert index.query_bbox(179.0, -1.0, -179.0, 1.0, None, None) == ["circle", "east", "west"]
    assert index.query_bbox(-1.0, -1.0, 1.0, 1.0, None, None) == ["middle"]
    assert index.query_bbox(179.0, -1.0, -179.0, 1.0, 0.0, 10.0) == []


# -- geometry -------------------------------------------------------------------------------


@FAST
@given(st.floats(-89.0, 89.0), st.floats(-180.0, 180.0), st.floats(0.0, 2 * math.pi))
def test_projection_never_shrinks_and_stretches_within_bound(
    lat: float, lng: float, bearing: float
) -> None:
    rng = np.random.default_rng(int(abs(lat * 1e6)) % 2**32)
    c = np.array([[lat, lng]])
    from skyshare.engines.projection import latlng_to_unit

    centre = latlng_to_unit(c[:, 0], c[:, 1])[0]
    d = rng.uniform(0.0, 0.02, (50, 2)) * [math.sin(bearing), math.cos(bearing)]
    pts = latlng_to_unit(
        np.clip(lat + d[:, 0] * 50, -90, 90), lng + d[:, 1] * 50
    )  # within ~1,000 km
    xy = aeqd_project(pts, centre)
    true = central_angle(pts[:-1], pts[1:]) * EARTH_RADIUS_M
    planar = np.hypot(*(xy[1:] - xy[:-1]).T)
    theta = float(central_angle(pts, np.broadcast_to(centre, pts.shape)).max())
    assert np.all(planar >= true * (1 - 1e-9) - 1e-6)
    assert np.all(planar <= true * distortion_bound(theta) + 1e-6)


def _dense_boundary(fp: Footprint, per_edge: int = 400) -> tuple[FloatArray, FloatArray]:
    assert isinstance(fp, Polygon)
    lats = [v.lat for v in fp.vertices] + [fp.vertices[0].lat]
    lngs = unwrap_longitudes([v.lng for v in fp.vertices] + [fp.vertices[0].lng])
    t = np.linspace(0.0, 1.0, per_edge, endpoint=False)
    la = np.concatenate([a + t * (b - a) for a, b in itertools.pairwise(lats)])
    lo = np.concatenate([a + t * (b - a) for a, b in itertools.pairwise(lngs)])
    return la, lo


@pytest.mark.parametrize(
    ("lat", "size_m", "gap_m"),
    [
        (0.0, 25_000.0, 3_000.0),
        (45.0, 25_000.0, 5_000.0),
        (70.0, 40_000.0, 2_000.0),
        (88.0, 20_000.0, 4_000.0),
    ],
)
def test_distance_error_within_documented_bound(lat: float, size_m: float, gap_m: float) -> None:
    """Two squares side by side east–west, their long parallels bending: the worst edges."""
    a = square(lat, 10.0, size_m)
    dlng = (2 * size_m + gap_m) / (EARTH_RADIUS_M * math.pi / 180.0) / math.cos(math.radians(lat))
    b = square(lat, 10.0 + dlng, size_m)
    from skyshare.engines.projection import latlng_to_unit

    la, lo = _dense_boundary(a)
    lb, lob = _dense_boundary(b)
    pa, pb = latlng_to_unit(la, lo), latlng_to_unit(lb, lob)
    true = float((np.arccos(np.clip(pa @ pb.T, -1.0, 1.0))).min() * EARTH_RADIUS_M)
    sampling = 2 * size_m / 400
    got = footprint_distance_m(a, b)
    assert got == pytest.approx(true, abs=2 * (DENSIFY_TOL_M + 0.5) + sampling)


def test_densified_edges_stay_within_tolerance() -> None:
    fp = square(60.0, 0.0, 50_000.0)
    (prep,) = prepare_footprints([fp])
    assert prep.ring is not None
    assert len(prep.ring) > 5  # long parallels were cut


def test_touching_and_nested_footprints_are_zero_apart() -> None:
    big = square(36.0, 37.0, 10_000.0)
    assert footprint_distance_m(big, square(36.0, 37.0, 1_000.0)) == 0.0
    assert footprint_distance_m(Circle(LatLng(36.0, 37.0), 50_000.0), big) == 0.0
    assert footprint_distance_m(big, Circle(LatLng(36.0, 37.0), 10.0)) == 0.0


# -- preparation in batches ---------------------------------------------------------------


def _scattered(rng: np.random.Generator, n: int) -> dict[str, list[Volume4D]]:
    """Squares and circles of 1–20 km within about 60 km of one point, overlapping often."""
    out: dict[str, list[Volume4D]] = {}
    for k in range(n):
        lat, lng = 45.0 + rng.uniform(-0.5, 0.5), 7.0 + rng.uniform(-0.7, 0.7)
        size = float(rng.uniform(500.0, 10_000.0))
        fp: Footprint = square(lat, lng, size) if k % 3 else Circle(LatLng(lat, lng), size)
        out[f"k{k:03d}"] = [vol(fp, lo=float(rng.uniform(0.0, 2_000.0)))]
    return out


def test_pending_footprints_prepared_with_a_query_or_in_a_batch_agree() -> None:
    """Held footprints prepared with a query, alone or in a batch give the twin's answer.

    ``add`` leaves footprints pending; a query prepares up to a few dozen of them in the
    same call as its own, more in a batch of their own first.
    """
    rng = np.random.default_rng(5)
    held = _scattered(rng, 150)
    index = VolumeIndex()
    seen: dict[str, list[Volume4D]] = {}
    for step, count in enumerate((100, 3, 1, 46)):  # batch, joined, joined, joined
        for key in list(held)[len(seen) : len(seen) + count]:
            index.add(key, held[key])
            seen[key] = held[key]
        new = next(iter(_scattered(rng, 1).values()))
        assert_same(index.query(new, MINIMA), strategic_conflicts_bruteforce(seen, new, MINIMA))
        assert index.query(new, MINIMA), f"step {step}: the case should have conflicts"


def test_pair_distances_do_not_depend_on_the_batch() -> None:
    """A pair's distance is the same bits alone or among others: the index and its twin
    batch pairs differently and must agree exactly, even at the threshold."""
    rng = np.random.default_rng(9)
    fps = [v.footprint for vs in _scattered(rng, 60).values() for v in vs]
    arrays = geometry.prepare_footprint_arrays(fps)
    ia = rng.integers(0, len(fps), 400).astype(np.intp)
    ib = rng.integers(0, len(fps), 400).astype(np.intp)
    together = geometry.indexed_pair_distances_m(arrays, ia, arrays, ib)
    for k in range(0, 400, 7):
        alone = geometry.indexed_pair_distances_m(arrays, ia[k : k + 1], arrays, ib[k : k + 1])
        assert alone[0] == together[k]
    one_by_one = [geometry.prepare_footprint_arrays([f]) for f in fps[:20]]
    for f, single in enumerate(one_by_one):
        start, length = arrays.ring_start[f], arrays.ring_len[f]
        assert np.array_equal(single.centre[0], arrays.centre[f])
        assert np.array_equal(single.ring_xyz, arrays.ring_xyz[start : start + length])
