"""HTTP on SQLite with 100,000 stored notices: PUT and bbox GET latency, server RSS.

Seeds a database with 100,000 live notices (the strategic benchmark's traffic mix, starting
two hours from now) in bulk, starts a real ``skyshare serve`` process on it, then from this
process, sequentially:

* files new notices at random places: the first ``PUT`` of a notice that would conflict is
  answered 409 ``missing_notices`` (timed as "PUT 409"), the second carries the key and is
  stored (timed as "PUT 201"); a notice with no neighbour is stored at once;
* reads ``GET /v1/notices?bbox=`` over 0.2° × 0.2° boxes with a 2-hour window.

Targets (issue 4): PUT p50 <= 10 ms, p99 <= 50 ms; GET by bbox p50 <= 20 ms; RSS <= 1.5 GiB.

    python benchmarks/bench_http.py [--quick] [--notices N] [--requests N]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import bench_strategic

from skyshare.errors import InvalidInput
from skyshare.model.notice import Notice, NoticeState
from skyshare.model.volume import Altitude, Polygon, Volume4D, check_polygon, volume_to_json

AGREEMENT = """
name = "Benchmark region"
region = [[30.0, 30.0], [30.0, 44.0], [42.0, 44.0], [42.0, 30.0]]
parties = ["blue", "red"]
horizontal_m = 5556
vertical_m = 300
lookahead_s = 300
time_buffer_s = 300
min_lead_s = 3600
policy = "advisory"
"""


def valid_notice(rng: np.random.Generator) -> list[Volume4D]:
    """A notice from the strategic benchmark's generator that the API accepts.

    That generator makes a few self-intersecting polygons (the engine takes them, the API
    refuses them); they are drawn again.
    """
    while True:
        vols = bench_strategic._notice(rng)
        try:
            for v in vols:
                if isinstance(v.footprint, Polygon):
                    check_polygon(list(v.footprint.vertices), "volume")
        except InvalidInput:
            continue
        return vols


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q)) * 1000.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(db: Path, n: int, owners: list[str]) -> None:
    from skyshare.store import notices as notice_store
    from skyshare.store.database import open_database

    rng = np.random.default_rng(7)
    now = time.time()
    database = open_database(str(db), synchronous="NORMAL")
    batch: list[Notice] = []
    with database.write() as tx:
        for i in range(n):
            batch.append(
                Notice(
                    id=str(uuid.uuid4()),
                    owner=owners[i % 2],
                    state=NoticeState.ACCEPTED,
                    priority=0,
                    ovn=secrets.token_urlsafe(16),
                    late=False,
                    volumes=tuple(valid_notice(rng)),
                    private=None,
                    created_at=now,
                    updated_at=now,
                )
            )
            if len(batch) == 5000:
                notice_store.insert_many(tx.conn, batch)
                batch = []
        if batch:
            notice_store.insert_many(tx.conn, batch)
    database.dispose()


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="5,000 notices, 100 requests")
    ap.add_argument("--notices", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=1_000)
    ap.add_argument("--sync", choices=["FULL", "NORMAL"], default="NORMAL")
    args = ap.parse_args()
    n = 5_000 if args.quick else args.notices
    requests = 100 if args.quick else args.requests
    # The strategic benchmark's generator, moved to start two hours from now.
    bench_strategic.T0 = time.time() + 7200.0
    cli = [sys.executable, "-m", "skyshare.cli"]
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "bench.db"
        agreement = Path(d) / "agreement.toml"
        agreement.write_text(AGREEMENT)
        subprocess.run([*cli, "migrate", "--db", str(db)], check=True, capture_output=True)
        tokens: dict[str, str] = {}
        ids: dict[str, str] = {}
        for name in ("blue", "red"):
            out = subprocess.run(
                [*cli, "party", "add", name, "--db", str(db)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            fields = dict(line.split(": ", 1) for line in out.strip().splitlines())
            tokens[name], ids[name] = fields["token"], fields["id"]
        t0 = time.perf_counter()
        seed(db, n, [ids["blue"], ids["red"]])
        print(f"seeded {n:,} notices in {time.perf_counter() - t0:.1f} s")
        port = free_port()
        log = (Path(d) / "server.log").open("wb")
        proc = subprocess.Popen(
            [
                *cli,
                "serve",
                "--db",
                str(db),
                "--port",
                str(port),
                "--agreement",
                str(agreement),
                "--sync",
                args.sync,
            ],
            env={**os.environ, "SKYSHARE_ADMIN_TOKEN": "bench"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        t_start = time.perf_counter()
        try:
            for _ in range(12_000):
                try:
                    httpx.get(f"{base}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            print(
                f"server ready (index built at start-up) after "
                f"{time.perf_counter() - t_start:.1f} s"
            )
            clients = {
                k: httpx.Client(base_url=base, headers={"Authorization": f"Bearer {v}"}, timeout=60)
                for k, v in tokens.items()
            }
            sha = clients["blue"].get("/v1/agreement").json()["sha256"]
            for c in clients.values():
                c.post("/v1/agreement/adopt", json={"sha256": sha}).raise_for_status()
            warm = {
                "volumes": [volume_to_json(v) for v in valid_notice(np.random.default_rng(1))],
                "key": [],
            }
            r = clients["blue"].put(f"/v1/notices/{uuid.uuid4()}", json=warm)
            if r.status_code == 409:
                warm["key"] = [m["ovn"] for m in r.json()["error"]["details"]["missing"]]
                clients["blue"].put(f"/v1/notices/{uuid.uuid4()}", json=warm).raise_for_status()
            run(clients, requests)
            print(f"server RSS: {rss_mib(proc.pid):,.0f} MiB (target <= 1,536 MiB)")
        except Exception:
            log.flush()
            print((Path(d) / "server.log").read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
            log.close()


def run(clients: dict[str, httpx.Client], requests: int) -> None:
    rng = np.random.default_rng(11)
    put_409: list[float] = []
    put_201: list[float] = []
    conflicts = 0
    for i in range(requests):
        client = clients["red" if i % 2 else "blue"]
        body: dict[str, Any] = {
            "volumes": [volume_to_json(v) for v in valid_notice(rng)],
            "state": "accepted",
            "priority": 0,
        }
        nid = str(uuid.uuid4())
        t0 = time.perf_counter()
        r = client.put(f"/v1/notices/{nid}", json=body)
        dt = time.perf_counter() - t0
        if r.status_code == 409:
            put_409.append(dt)
            body["key"] = [m["ovn"] for m in r.json()["error"]["details"]["missing"]]
            t0 = time.perf_counter()
            r = client.put(f"/v1/notices/{nid}", json=body)
            dt = time.perf_counter() - t0
        assert r.status_code == 201, r.text
        conflicts += len(r.json()["conflicts"])
        put_201.append(dt)
    # The same traffic moved above every stored band (8-9 km): the full check runs, finds
    # nothing, and the notice is stored: the cost of a write without conflicts to record.
    clear: list[float] = []
    clear_conflicts = 0  # high notices that met each other
    for i in range(requests):
        vols = valid_notice(rng)
        body = {
            "volumes": [
                volume_to_json(replace(v, lower=Altitude(8_000.0), upper=Altitude(9_000.0)))
                for v in vols
            ],
        }
        client = clients["red" if i % 2 else "blue"]
        nid = str(uuid.uuid4())
        t0 = time.perf_counter()
        r = client.put(f"/v1/notices/{nid}", json=body)
        dt = time.perf_counter() - t0
        if r.status_code == 409:  # met another high notice: file it with the key, untimed
            body["key"] = [m["ovn"] for m in r.json()["error"]["details"]["missing"]]
            r = client.put(f"/v1/notices/{nid}", json=body)
            clear_conflicts += 1
        else:
            clear.append(dt)
        assert r.status_code == 201, r.text
    gets: list[float] = []
    sizes: list[int] = []
    for _ in range(requests):
        lat = rng.uniform(32.0, 40.0)
        lng = rng.uniform(33.0, 41.0)
        t_from = time.time() + rng.uniform(2 * 3600, 26 * 3600)
        params = {
            "bbox": f"{lng:.4f},{lat:.4f},{lng + 0.2:.4f},{lat + 0.2:.4f}",
            "from": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t_from)),
            "to": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t_from + 7200)),
        }
        t0 = time.perf_counter()
        r = clients["blue"].get("/v1/notices", params=params)
        gets.append(time.perf_counter() - t0)
        if r.status_code != 200:
            print("GET failed:", r.text)
            break
        sizes.append(len(r.json()))
    print(
        f"PUT 201 (stored): n={len(put_201)} p50 {pct(put_201, 50):.1f} ms "
        f"p99 {pct(put_201, 99):.1f} ms (targets 10 / 50 ms); {conflicts} conflicts opened"
    )
    if put_409:
        print(
            f"PUT 409 (missing_notices): n={len(put_409)} p50 {pct(put_409, 50):.1f} ms "
            f"p99 {pct(put_409, 99):.1f} ms"
        )
    print(
        f"PUT 201 without conflicts (8-9 km band): p50 {pct(clear, 50):.1f} ms "
        f"p99 {pct(clear, 99):.1f} ms (n={len(clear)}; {clear_conflicts} met each other)"
    )
    print(
        f"GET bbox 0.2°x0.2°, 2 h: p50 {pct(gets, 50):.1f} ms p99 {pct(gets, 99):.1f} ms "
        f"(target p50 20 ms); median {statistics.median(sizes or [0]):.0f} notices returned"
    )


if __name__ == "__main__":
    main()
