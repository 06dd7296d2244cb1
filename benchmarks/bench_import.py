"""Parsing speed of the airspace importers: 10,000 generated zones per format.

Target (issue 8): importing 10,000 zones in at most 5 s, storing included. Prints parsing
alone, then parse + store into a fresh SQLite file (one transaction, as ``skyshare import``),
then a re-import of the same file (updates in place, idempotent by source id).

    python benchmarks/bench_import.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from skyshare.importers import read_restrictions
from skyshare.model.volume import Circle, Polygon


def _dms(value: float, pos: str, neg: str, width: int) -> str:
    hemi = pos if value >= 0 else neg
    total = round(abs(value) * 3600)
    d, m, s = total // 3600, total // 60 % 60, total % 60
    return f"{d:0{width}d}:{m:02d}:{s:02d} {hemi}"


def _pt(lat: float, lng: float) -> str:
    return f"{_dms(lat, 'N', 'S', 2)} {_dms(lng, 'E', 'W', 3)}"


def openair_text(n: int, rng: random.Random) -> str:
    """A third each: 6-point polygons, polygons with a DA arc, DC circles."""
    out = []
    for i in range(n):
        lat, lng = rng.uniform(-60, 60), rng.uniform(-179, 179)
        out += [f"AC {'RQPCD'[i % 5]}", f"AN Zone {i}", "AL GND", f"AH FL{rng.randint(50, 195)}"]
        kind = i % 3
        if kind == 0:
            for k in range(6):
                a = k * 60.0
                p = _pt(lat + 0.05 * (1 + (k % 2)) * _cos(a), lng + 0.05 * _sin(a))
                out.append(f"DP {p}")
        elif kind == 1:
            out += [f"V X={_pt(lat, lng)}", f"DP {_pt(lat, lng)}", "DA 3, 0, 90"]
        else:
            out += [f"V X={_pt(lat, lng)}", f"DC {rng.uniform(1, 10):.1f}"]
        out.append("")
    return "\n".join(out)


def _cos(deg: float) -> float:
    return math.cos(math.radians(deg))


def _sin(deg: float) -> float:
    return math.sin(math.radians(deg))


def ed269_doc(n: int, rng: random.Random) -> dict[str, Any]:
    """Half polygons, half circles; a third with a daily schedule in local time."""
    features = []
    for i in range(n):
        lat, lng = rng.uniform(-60, 60), rng.uniform(-179, 179)
        if i % 2 == 0:
            ring = [[lng + 0.05 * _sin(a), lat + 0.05 * _cos(a)] for a in range(0, 360, 45)]
            hp: dict[str, Any] = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
        else:
            hp = {"type": "Circle", "center": [lng, lat], "radius": rng.uniform(100, 5000)}
        app: dict[str, Any] = {"permanent": "YES"}
        if i % 3 == 0:
            app["schedule"] = [{"day": ["MON", "TUE"], "startTime": "08:00", "endTime": "17:00"}]
        features.append(
            {
                "identifier": f"Z{i}",
                "country": "FRA",
                "name": f"Zone {i}",
                "type": "COMMON",
                "restriction": "PROHIBITED",
                "zoneAuthority": [],
                "applicability": [app],
                "geometry": [
                    {
                        "uomDimensions": "M",
                        "lowerLimit": 0,
                        "lowerVerticalReference": "AGL",
                        "upperLimit": 120,
                        "upperVerticalReference": "AGL",
                        "horizontalProjection": hp,
                    }
                ],
            }
        )
    return {"title": "bench", "features": features}


def check_small(tmp: Path) -> None:
    """Before timing: a small generated file reads back complete and as generated."""
    rng = random.Random(1)
    p = tmp / "small.txt"
    p.write_text(openair_text(30, rng))
    rs = read_restrictions(p).restrictions
    assert [r.name for r in rs] == [f"Zone {i}" for i in range(30)]
    assert [type(r.volumes[0].footprint) for r in rs[:3]] == [Polygon, Polygon, Circle]
    q = tmp / "small.json"
    q.write_text(json.dumps(ed269_doc(30, rng)))
    zs = read_restrictions(q, time_zone="Europe/Paris").restrictions
    assert [r.source_id for r in zs] == [f"Z{i}" for i in range(30)]


def bench(path: Path, repeats: int, **kw: Any) -> tuple[float, int]:
    times = []
    count = 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        count = len(read_restrictions(path, **kw).restrictions)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), count


def bench_store(path: Path, tmp: Path, repeats: int, **kw: Any) -> tuple[float, float, int]:
    """Median seconds of (first import, re-import) into a fresh database per run."""
    import sqlite3

    from skyshare.services.restrictions import store_restrictions
    from skyshare.store.database import open_database

    first, again = [], []
    rows = 0
    for i in range(repeats):
        db = tmp / f"import-{path.name}-{i}.db"
        open_database(str(db)).dispose()  # schema creation is not part of an import
        t0 = time.perf_counter()
        store_restrictions(str(db), read_restrictions(path, **kw))
        first.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        store_restrictions(str(db), read_restrictions(path, **kw))
        again.append(time.perf_counter() - t0)
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT count(*) FROM restrictions").fetchone()[0]
    return statistics.median(first), statistics.median(again), rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1,000 zones, one run")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    n = 1_000 if args.quick else 10_000
    repeats = 1 if args.quick else args.repeats
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        check_small(tmp)
        oa = tmp / "zones.txt"
        oa.write_text(openair_text(n, rng))
        ed = tmp / "zones.json"
        ed.write_text(json.dumps(ed269_doc(n, rng)))
        print(f"zones per file: {n:,}; runs: {repeats} (median)")
        for label, path, kw in (
            ("OpenAir", oa, {}),
            ("ED-269", ed, {"time_zone": "Europe/Paris"}),
        ):
            median_s, count = bench(path, repeats, **kw)
            assert count == n, (label, count)
            size_mb = path.stat().st_size / 1e6
            print(
                f"{label:8s} {median_s:6.2f} s  {n / median_s:8,.0f} zones/s  "
                f"({size_mb:.1f} MB; parse only)"
            )
            first_s, again_s, rows = bench_store(path, tmp, repeats, **kw)
            assert rows == n, (label, rows)
            print(
                f"{label:8s} {first_s:6.2f} s  parse + store (target <= 5 s); "
                f"re-import {again_s:6.2f} s, still {rows:,} rows"
            )


if __name__ == "__main__":
    main()
