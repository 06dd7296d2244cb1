"""Tactical detection: equality with the brute-force twin first, then medians and ratios.

    python benchmarks/bench_tactical.py            # full run (a few minutes, ~2 GiB peak)
    python benchmarks/bench_tactical.py --quick    # smoke run, under 20 s

Traffic as in issue 5: uniformly random en-route aircraft, 80 % level on FL200-FL410 by the
semicircular rule, 20 % climbing or descending at 5-15 m/s, 200-260 m/s ground speed.
10,000 aircraft at one per 1,000 NM² in a square; 100,000 and 1,000,000 over the whole sphere.
Each size runs in a fresh process so its peak RSS is its own. BlueSky's NumPy state-based
detector (``pip install bluesky-simulator``) is compared pair for pair where importable.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import resource
import statistics
import subprocess
import sys
import time
from types import SimpleNamespace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from skyshare.engines import reference, tactical
from skyshare.engines.tactical import TacticalParams
from skyshare.units import NM_M, fl_to_m

F64 = NDArray[np.float64]
PARAMS = TacticalParams()  # 5 NM, 1,000 ft, 300 s


def traffic(n: int, *, where: str, seed: int = 1) -> dict[str, F64]:
    """Issue-5 traffic: ``where`` is ``square`` (one per 1,000 NM²) or ``sphere``."""
    rng = np.random.default_rng(seed)
    if where == "square":
        side_nm = math.sqrt(n * 1000.0)
        y_nm = rng.uniform(-side_nm / 2, side_nm / 2, n)
        x_nm = rng.uniform(-side_nm / 2, side_nm / 2, n)
        lat = y_nm * NM_M / 111_194.93  # metres per degree on the model's sphere
        lng = x_nm * NM_M / (111_194.93 * np.cos(np.radians(lat)))
    else:
        lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
        lng = rng.uniform(-180.0, 180.0, n)
    trk = rng.uniform(0.0, 360.0, n)
    gs = rng.uniform(200.0, 260.0, n)
    level = rng.random(n) < 0.8
    # Semicircular rule: eastbound (000-179) odd thousands, westbound even, FL200-FL410.
    step = rng.integers(0, 11, n)
    fl = np.where(trk < 180.0, 210 + 20 * step, 200 + 20 * step)
    level_alt = np.array([fl_to_m(float(f)) for f in range(200, 420, 10)])[(fl - 200) // 10]
    alt = np.where(level, level_alt, rng.uniform(fl_to_m(200), fl_to_m(410), n))
    vs = np.where(level, 0.0, rng.uniform(5.0, 15.0, n) * rng.choice([-1.0, 1.0], n))
    return {
        "lat_deg": lat,
        "lng_deg": lng,
        "alt_m": alt,
        "gs_mps": gs,
        "trk_deg": trk,
        "vs_mps": vs,
    }


def median_s(fn: Any, repeat: int) -> float:
    """Median wall time of ``repeat`` calls."""
    return timed(fn, repeat)[0]


def timed(fn: Any, repeat: int) -> tuple[float, float]:
    """Median wall and median CPU time of ``repeat`` calls.

    CPU time is what one core spends; on a shared machine it is steadier than wall time.
    """
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def check_equal_to_reference(n: int) -> None:
    t = traffic(n, where="square", seed=7)
    fast = tactical.detect(**t, params=PARAMS)
    slow = reference.tactical_detect(**t, params=PARAMS)
    for name in ("i", "j", "tcpa_s", "dcpa_m", "t_in_s", "t_out_s"):
        assert np.array_equal(getattr(fast.conflicts, name), getattr(slow.conflicts, name)), name
    for name in ("i", "j", "distance_m", "dalt_m"):
        assert np.array_equal(getattr(fast.los, name), getattr(slow.los, name)), name
    fast_s = median_s(lambda: tactical.detect(**t, params=PARAMS), 5)
    slow_s = median_s(lambda: reference.tactical_detect(**t, params=PARAMS), 1)
    print(
        f"equality with reference at {n} aircraft: identical "
        f"({len(fast.conflicts)} conflicts, {len(fast.los)} LoS); "
        f"fast {fast_s * 1e3:.1f} ms, brute force {slow_s * 1e3:.0f} ms, "
        f"ratio {slow_s / fast_s:.0f}x"
    )


def one_size(n: int, where: str, repeat: int) -> dict[str, Any]:
    """Run in a child process: the median time and this process's peak RSS."""
    t = traffic(n, where=where)
    result = tactical.detect(**t, params=PARAMS)  # warm-up, and the counts
    med, cpu = timed(lambda: tactical.detect(**t, params=PARAMS), repeat)
    return {
        "n": n,
        "where": where,
        "median_s": med,
        "cpu_s": cpu,
        "repeat": repeat,
        "candidates": result.candidates,
        "conflicts": len(result.conflicts),
        "los": len(result.los),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }


def run_child(n: int, where: str, repeat: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--one", str(n), "--where", where, "--repeat", str(repeat)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def bluesky_detector() -> Any | None:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            from bluesky.traffic.asas.statebased import StateBased  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        return None
    return StateBased.detect


def _on_bluesky_clamp(t: dict[str, F64], i: int, j: int) -> bool:
    """A level pair just above the vertical minimum, within BlueSky's 1e-6 m/s clamp."""
    if t["vs_mps"][j] - t["vs_mps"][i] != 0.0:
        return False
    excess = abs(t["alt_m"][j] - t["alt_m"][i]) - PARAMS.vertical_m
    return bool(0.0 <= excess <= 1e-6 * PARAMS.lookahead_s)


def _level_at_minimum(t: dict[str, F64], i: int, j: int) -> bool:
    """A level pair whose altitudes differ by the vertical minimum up to rounding."""
    if t["vs_mps"][j] - t["vs_mps"][i] != 0.0:
        return False
    return bool(abs(abs(t["alt_m"][j] - t["alt_m"][i]) - PARAMS.vertical_m) < 1e-6)


def compare_with_bluesky(sizes: list[int]) -> None:
    detect_bs = bluesky_detector()
    if detect_bs is None:
        print("BlueSky comparison skipped: bluesky-simulator is not importable here.")
        return
    for n in sizes:
        t = traffic(n, where="square", seed=3)
        own = SimpleNamespace(
            ntraf=n,
            id=list(range(n)),
            lat=t["lat_deg"],
            lon=t["lng_deg"],
            trk=t["trk_deg"],
            gs=t["gs_mps"],
            alt=t["alt_m"],
            vs=t["vs_mps"],
        )

        def run_bs(own: SimpleNamespace = own) -> Any:
            return detect_bs(
                None, own, own, PARAMS.horizontal_m, PARAMS.vertical_m, PARAMS.lookahead_s
            )

        ours = tactical.detect(**t, params=PARAMS)
        theirs = run_bs()
        ours_pairs = set(zip(ours.conflicts.i.tolist(), ours.conflicts.j.tolist(), strict=True))
        their_pairs = {(min(a, b), max(a, b)) for a, b in theirs[0]}
        # BlueSky clamps |dvs| to at least 1e-6 m/s, so a level pair whose |dalt| exceeds
        # hpz by less than 1e-6 * lookahead (0.3 mm) is a conflict there and, by the model's
        # rule (level pairs conflict only if |dalt| < hpz), not here. Semicircular levels in
        # metres hit exactly that: 1,000 ft apart rounds to 304.8000000000011 m. Every other
        # pair must agree.
        clamp = {p for p in their_pairs - ours_pairs if _on_bluesky_clamp(t, *p)}
        assert ours_pairs == their_pairs - clamp, (n, ours_pairs ^ their_pairs)
        rounded_in = sum(_level_at_minimum(t, i, j) for i, j in ours_pairs)
        ours_los = set(zip(ours.los.i.tolist(), ours.los.j.tolist(), strict=True))
        assert ours_los == {(min(a, b), max(a, b)) for a, b in theirs[1]}
        ours_s = timed(lambda t=t: tactical.detect(**t, params=PARAMS), 7)[1]
        theirs_s = timed(run_bs, 3)[1]
        print(
            f"BlueSky StateBased at {n:>5} aircraft: same pairs ({len(ours_pairs)} conflicts, "
            f"{len(ours_los)} LoS, {rounded_in} of them level 1,000 ft apart rounded inside; "
            f"{len(clamp)} more in BlueSky, all on its dvs clamp); "
            f"CPU BlueSky {theirs_s * 1e3:8.1f} ms, skyshare {ours_s * 1e3:6.2f} ms, "
            f"ratio {theirs_s / ours_s:5.0f}x"
        )


def write_terminal_recording(path: str, flights: int, duration_s: int, seed: int = 5) -> int:
    """Dense terminal-area traffic as a skyshare CSV recording at 1 Hz; returns the row count.

    ``flights`` straight-line flights of 25 minutes each, starting at random over
    ``duration_s``, converging on one point from 60 km out, 1,000-5,000 m, a third of them
    climbing or descending.
    """
    from skyshare.timefmt import format_rfc3339

    rng = np.random.default_rng(seed)
    t0 = 1795514400
    starts = rng.integers(0, max(duration_s - 1500, 1), flights)
    bearing = rng.uniform(0.0, 2 * math.pi, flights)
    trk = (np.degrees(bearing) + 180.0 + rng.uniform(-30.0, 30.0, flights)) % 360.0
    gs = rng.uniform(80.0, 160.0, flights)
    vs = np.where(rng.random(flights) < 1 / 3, rng.uniform(-5.0, 5.0, flights), 0.0)
    alt0 = rng.choice(np.arange(1000.0, 5001.0, 150.0), flights)
    rows = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(
            "time,aircraft_id,lat,lng,altitude_m,ground_speed_mps,track_deg,vertical_rate_mps\n"
        )
        records = []
        for k in range(flights):
            t = np.arange(1500.0)
            north = 60_000.0 * np.cos(bearing[k]) + gs[k] * np.cos(np.radians(trk[k])) * t
            east = 60_000.0 * np.sin(bearing[k]) + gs[k] * np.sin(np.radians(trk[k])) * t
            lat = 35.0 + north / 111_194.93
            lng = 36.0 + east / (111_194.93 * math.cos(math.radians(35.0)))
            alt = np.clip(alt0[k] + vs[k] * t, 300.0, 6000.0)
            for n in range(1500):
                records.append((int(starts[k]) + n, k, lat[n], lng[n], alt[n]))
        records.sort()
        for tt, k, la, ln, al in records:
            fh.write(
                f"{format_rfc3339(t0 + tt)},F{k:03d},{la:.6f},{ln:.6f},{al:.1f},"
                f"{gs[k]:.1f},{trk[k]:.1f},{vs[k]:.2f}\n"
            )
            rows += 1
    return rows


def bench_replay(flights: int, duration_s: int) -> None:
    import os
    import tempfile

    from skyshare.recordings.auto import read_recording
    from skyshare.recordings.replay import replay

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "terminal.csv")
        rows = write_terminal_recording(path, flights, duration_s)
        start = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        exe = os.path.join(os.path.dirname(sys.executable), "skyshare")
        done = subprocess.run([exe, "replay", path], capture_output=True, text=True, check=True)
        total_s = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        total_cpu_s = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        from pathlib import Path

        start = time.perf_counter()
        rec = read_recording(Path(path))
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        encounters = replay(rec, PARAMS, step_s=5.0)
        replay_s = time.perf_counter() - start
    assert len(encounters) == len(done.stdout.splitlines())
    print(
        f"replay: {rows:,} rows, {flights} flights over {duration_s / 3600:.1f} h, step 5 s: "
        f"skyshare replay {total_s:.1f} s wall, {total_cpu_s:.1f} s CPU end to end; in process: "
        f"read {read_s:.1f} s, "
        f"detection and encounters {replay_s:.1f} s; {len(encounters)} encounters"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--where", default="sphere", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one_size(args.one, args.where, args.repeat)))
        return

    check_equal_to_reference(150 if args.quick else 600)
    sizes = [(10_000, "square", 3 if args.quick else 11)]
    if not args.quick:
        sizes += [(100_000, "sphere", 5), (1_000_000, "sphere", 3)]
    for n, where, repeat in sizes:
        row = run_child(n, where, repeat)
        print(
            f"{n:>9,} aircraft ({where}): median {row['median_s'] * 1e3:9.1f} ms wall, "
            f"{row['cpu_s'] * 1e3:9.1f} ms CPU of {repeat}, "
            f"{row['candidates']:>11,} candidates, {row['conflicts']:>8,} conflicts, "
            f"{row['los']:>6,} LoS, peak RSS {row['peak_rss_mib']:7.0f} MiB"
        )
    compare_with_bluesky([300] if args.quick else [1000, 3000])
    if args.quick:
        bench_replay(20, 1800)
    else:
        bench_replay(200, 3 * 3600)


if __name__ == "__main__":
    main()
