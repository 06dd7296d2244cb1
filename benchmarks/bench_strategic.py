"""Strategic engine benchmark: one new notice against 100,000 live ones.

Live notices: 1–3 volumes each; footprints 1–50 km across (polygons of 4–10 vertices and
circles); altitude bands 300–3,000 m thick with floors between 0 and 3,000 m; windows of
10 min–6 h starting anywhere in 24 h; centres spread over a 1,000 km × 1,000 km region.

First checks that ``VolumeIndex.query`` equals the brute-force twin on a small case, then
prints build time, RSS, p50/p99 of ``query``, the twin's median on the same data and the
ratio. Run ``python benchmarks/bench_strategic.py [--quick]``.
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from skyshare.engines.reference import strategic_conflicts_bruteforce
from skyshare.engines.strategic import Minima, StrategicHit, VolumeIndex
from skyshare.model.volume import Altitude, Circle, Footprint, LatLng, Polygon, Volume4D

REGION_LAT, REGION_LNG = 36.0, 37.0
REGION_KM = 1_000.0
DAY_S = 86_400.0
T0 = 1_795_514_400.0
MINIMA = Minima(horizontal_m=5_556.0, vertical_m=300.0, time_buffer_s=300.0)


def _footprint(rng: np.random.Generator, lat: float, lng: float) -> Footprint:
    size_m = rng.uniform(1_000.0, 50_000.0)
    if rng.random() < 0.4:
        return Circle(LatLng(lat, lng), size_m / 2.0)
    n = int(rng.integers(4, 11))
    ang = np.sort(rng.uniform(0.0, 2.0 * math.pi, n))
    rad = size_m / 2.0 * rng.uniform(0.6, 1.0, n)
    dlat = np.degrees(rad * np.sin(ang) / 6_371_000.0)
    dlng = np.degrees(rad * np.cos(ang) / 6_371_000.0) / math.cos(math.radians(lat))
    return Polygon(
        tuple(LatLng(float(lat + a), float(lng + b)) for a, b in zip(dlat, dlng, strict=True))
    )


def _notice(rng: np.random.Generator) -> list[Volume4D]:
    half_lat = REGION_KM / 2.0 / 111.195
    half_lng = half_lat / math.cos(math.radians(REGION_LAT))
    lat = REGION_LAT + rng.uniform(-half_lat, half_lat)
    lng = REGION_LNG + rng.uniform(-half_lng, half_lng)
    out = []
    t = T0 + rng.uniform(0.0, DAY_S)
    for _ in range(int(rng.integers(1, 4))):
        floor = rng.uniform(0.0, 3_000.0)
        length = rng.uniform(600.0, 21_600.0)
        out.append(
            Volume4D(
                _footprint(rng, lat + rng.uniform(-0.1, 0.1), lng + rng.uniform(-0.1, 0.1)),
                Altitude(floor),
                Altitude(floor + rng.uniform(300.0, 3_000.0)),
                t,
                t + length,
            )
        )
        t += length * rng.uniform(0.5, 1.0)
    return out


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _same(a: Sequence[StrategicHit], b: Sequence[StrategicHit]) -> bool:
    if [(h.key, h.volume_pairs) for h in a] != [(h.key, h.volume_pairs) for h in b]:
        return False
    return all(
        abs(x.min_horizontal_m - y.min_horizontal_m) < 1e-6
        and x.min_vertical_m == y.min_vertical_m
        and x.time_start_s == y.time_start_s
        and x.time_end_s == y.time_end_s
        for x, y in zip(a, b, strict=True)
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny smoke run (< 20 s)")
    ap.add_argument("--notices", type=int, default=None)
    ap.add_argument("--queries", type=int, default=None)
    ap.add_argument("--brute", type=int, default=None, help="brute-force repetitions")
    ap.add_argument("--out", type=Path, default=None, help="write the numbers as Markdown")
    args = ap.parse_args()
    n_notices = args.notices or (5_000 if args.quick else 100_000)
    n_queries = args.queries or (100 if args.quick else 2_000)
    n_brute = args.brute or (3 if args.quick else 5)
    rng = np.random.default_rng(20261124)

    # 1. Equality with the brute-force twin on a small case.
    small = {f"s{k:05d}": _notice(rng) for k in range(1_500)}
    small_index = VolumeIndex()
    for key, vols in small.items():
        small_index.add(key, vols)
    conflicts = 0
    for _ in range(40):
        new = _notice(rng)
        fast = small_index.query(new, MINIMA)
        slow = strategic_conflicts_bruteforce(small, new, MINIMA)
        if not _same(fast, slow):
            raise SystemExit("index and brute force disagree; not timing anything")
        conflicts += len(fast)
    print(f"equality with brute force: 40 queries over 1,500 notices, {conflicts} hits, identical")

    # 2. Build.
    rss0 = _rss_mib()
    items = {f"n{k:06d}": _notice(rng) for k in range(n_notices)}
    n_volumes = sum(len(v) for v in items.values())
    rss1 = _rss_mib()
    index = VolumeIndex()
    t = time.perf_counter()
    for key, vols in items.items():
        index.add(key, vols)
    build_s = time.perf_counter() - t
    rss2 = _rss_mib()
    t = time.perf_counter()
    churn = 2_000
    for k in range(churn):
        key = f"n{k:06d}"
        index.remove(key)
        index.add(key, items[key])
    churn_ms = (time.perf_counter() - t) / churn * 1e3
    print(f"notices {n_notices:,}, volumes {n_volumes:,}")
    print(f"build (add each notice): {build_s:.2f} s ({build_s / n_notices * 1e6:.0f} µs/notice)")
    print(f"remove + add one notice: {churn_ms:.3f} ms")
    print(f"RSS: volumes {rss1 - rss0:.0f} MiB, index {rss2 - rss1:.0f} MiB, total {rss2:.0f} MiB")

    # 3. Queries.
    news = [_notice(rng) for _ in range(n_queries)]
    times = []
    hits = 0
    for new in news:
        t = time.perf_counter()
        hits += len(index.query(new, MINIMA))
        times.append(time.perf_counter() - t)
    ms = np.array(times) * 1e3
    p50, p99 = float(np.percentile(ms, 50)), float(np.percentile(ms, 99))
    first = float(np.percentile(ms[: max(1, n_queries // 10)], 50))
    rss3 = _rss_mib()
    print(f"query: p50 {p50:.3f} ms, p99 {p99:.3f} ms, first tenth p50 {first:.3f} ms")
    print(f"mean hits per query {hits / n_queries:.1f}; RSS after queries {rss3:.0f} MiB")

    # 4. Brute force on the same data.
    brute = []
    for new in news[:n_brute]:
        t = time.perf_counter()
        slow = strategic_conflicts_bruteforce(items, new, MINIMA)
        brute.append(time.perf_counter() - t)
        if not _same(index.query(new, MINIMA), slow):
            raise SystemExit("index and brute force disagree on the full data")
    brute_ms = statistics.median(brute) * 1e3
    ratio = brute_ms / p50
    print(f"brute force: median {brute_ms:.0f} ms over {n_brute} queries (same answers)")
    print(f"ratio brute/index p50: {ratio:,.0f}x")
    if args.out is not None:
        args.out.write_text(
            "| measure | value |\n|---|---|\n"
            f"| live notices / volumes | {n_notices:,} / {n_volumes:,} |\n"
            f"| build (add each notice) | {build_s:.2f} s |\n"
            f"| remove + add one notice | {churn_ms:.3f} ms |\n"
            f"| index RSS / process RSS | {rss2 - rss1:.0f} MiB / {rss3:.0f} MiB |\n"
            f"| query p50 / p99 ({n_queries:,} notices) | {p50:.3f} ms / {p99:.3f} ms |\n"
            f"| brute-force twin median ({n_brute}) | {brute_ms:.0f} ms |\n"
            f"| ratio | {ratio:,.0f}× |\n"
        )


if __name__ == "__main__":
    main()
