"""Notice writes and bbox reads under concurrent load: PostgreSQL with N workers vs SQLite.

Seeds live notices in bulk (the strategic benchmark's traffic mix, starting two hours from
now, over a region grown with the count so that each notice meets as many others as at
100,000 over 1,000 km x 1,000 km), starts a real ``skyshare serve`` (``--workers N`` on a
throwaway PostgreSQL server with fsync on, or one process on an SQLite file), then drives it
from load-generator processes for a fixed time:

* writes: each client files new notices at random places; a ``409 missing_notices`` is
  answered with the key it lists (the F3548 dance). Every request is timed; a write is
  counted when its 201 arrives;
* reads: ``GET /v1/notices?bbox=`` over 0.2 deg x 0.2 deg boxes with a 2-hour window;
* floor: ``GET /v1/parties/me``, the cheapest authenticated request (one indexed read): what
  the HTTP stack, authentication and one database round trip cost on their own, so the
  write rate can be read against what the machine serves at all.

Each phase reports the CPU it used, in cores, by role (server processes, database server,
load generators) and the server's CPU per request: on a machine with few cores, that says
whether the bound is a lock or the processors.

``--band free`` moves the written notices above every seeded band (8-9 km): the full check
runs and finds almost nothing, so writes show the cost of a filing with no conflict to record.
On a PostgreSQL ``--db`` used before, the earlier runs' notices in that band are retired
first (soft-deleted in SQL), so every run files into an empty band.

Targets (issue 10): with 1,000,000 notices on PostgreSQL and 4 workers, writes >= 1,000/s
with p99 <= 100 ms; bbox reads p50 <= 20 ms. Compare with ``--backend sqlite --notices
100000 --workers 1``.

    python benchmarks/bench_postgres.py [--quick] [--backend postgres|sqlite]
        [--notices N] [--workers N] [--clients N] [--seconds S] [--band seeded|free]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import math
import multiprocessing
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import bench_http
import bench_strategic

from skyshare.model.notice import Notice, NoticeState
from skyshare.model.volume import Altitude, Volume4D, volume_to_json

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "skyshare.cli"]
BASE_KM = 1_000.0
BASE_NOTICES = 100_000


def seed(db: str, n: int, owners: list[str]) -> None:
    """Bulk-insert ``n`` live notices (no checks: the population, not the workload)."""
    from rich.progress import Progress

    from skyshare.store import notices as notice_store
    from skyshare.store.database import open_database

    rng = np.random.default_rng(7)
    now = time.time()
    database = open_database(db)
    with Progress(transient=True) as bar:
        task = bar.add_task("seeding notices", total=n)
        done = 0
        while done < n:
            size = min(10_000, n - done)
            batch = [
                Notice(
                    id=str(uuid.uuid4()),
                    owner=owners[(done + i) % 2],
                    state=NoticeState.ACCEPTED,
                    priority=0,
                    ovn=secrets.token_urlsafe(16),
                    late=False,
                    volumes=tuple(bench_http.valid_notice(rng)),
                    private=None,
                    created_at=now,
                    updated_at=now,
                )
                for i in range(size)
            ]
            with database.write() as tx:
                notice_store.insert_many(tx.conn, batch)
            done += size
            bar.update(task, advance=size)
    if database.dialect == "postgresql":
        with database.write_engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE notices"
            )
    database.dispose()


def _client_main(
    base: str,
    tokens: list[str],
    seconds: float,
    tasks: int,
    mode: str,
    seed_n: int,
    region_km: float,
    band: str,
    out: Any,
) -> None:
    """One load-generator process: ``tasks`` concurrent clients for ``seconds``."""
    bench_strategic.REGION_KM = region_km
    bench_strategic.T0 = time.time() + 7200.0
    rng = np.random.default_rng(seed_n)
    samples: list[tuple[str, float]] = []
    writes = 0
    conflicts: list[int] = []
    cpu0 = time.process_time()

    async def writer(client: httpx.AsyncClient, stop_at: float) -> None:
        nonlocal writes
        while time.monotonic() < stop_at:
            body: dict[str, Any] = {
                "volumes": [
                    volume_to_json(_in_band(v, band)) for v in bench_http.valid_notice(rng)
                ],
                "state": "accepted",
                "priority": 0,
            }
            nid = str(uuid.uuid4())
            for _ in range(5):
                t0 = time.perf_counter()
                r = await client.put(f"/v1/notices/{nid}", json=body)
                dt = time.perf_counter() - t0
                samples.append((f"PUT {r.status_code}", dt))
                if r.status_code == 201:
                    writes += 1
                    conflicts.append(len(r.json()["conflicts"]))
                    break
                err = r.json()["error"]
                if err["code"] != "missing_notices":
                    break
                body["key"] = [m["ovn"] for m in err["details"]["missing"]]

    async def reader(client: httpx.AsyncClient, stop_at: float) -> None:
        half_lat = region_km / 2.0 / 111.195
        while time.monotonic() < stop_at:
            lat = bench_strategic.REGION_LAT + rng.uniform(-half_lat, half_lat)
            lng = bench_strategic.REGION_LNG + rng.uniform(-half_lat, half_lat)
            t = bench_strategic.T0 + rng.uniform(0.0, 86_400.0)
            params = {
                "bbox": f"{lng:.4f},{lat:.4f},{lng + 0.2:.4f},{lat + 0.2:.4f}",
                "from": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)),
                "to": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t + 7200)),
            }
            t0 = time.perf_counter()
            r = await client.get("/v1/notices", params=params)
            samples.append((f"GET {r.status_code}", time.perf_counter() - t0))

    async def floor(client: httpx.AsyncClient, stop_at: float) -> None:
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            r = await client.get("/v1/parties/me")
            samples.append((f"GET me {r.status_code}", time.perf_counter() - t0))

    async def run() -> None:
        limits = httpx.Limits(max_connections=tasks, max_keepalive_connections=tasks)
        clients = [
            httpx.AsyncClient(
                base_url=base,
                headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"},
                timeout=60,
                limits=limits,
            )
            for i in range(tasks)
        ]
        stop_at = time.monotonic() + seconds
        job = {"write": writer, "read": reader, "floor": floor}[mode]
        await asyncio.gather(*(job(c, stop_at) for c in clients))
        for c in clients:
            await c.aclose()

    asyncio.run(run())
    out.put((writes, samples, time.process_time() - cpu0, conflicts))


def _in_band(v: Volume4D, band: str) -> Volume4D:
    """``v`` as generated (``seeded``) or moved above every seeded band (``free``)."""
    if band == "seeded":
        return v
    return dataclasses.replace(v, lower=Altitude(8_000.0), upper=Altitude(9_000.0))


def drive(
    base: str,
    tokens: list[str],
    *,
    mode: str,
    seconds: float,
    procs: int,
    tasks: int,
    region_km: float,
    band: str = "seeded",
    server_pid: int | None = None,
) -> tuple[int, dict[str, list[float]], str]:
    """Run the load generators for ``seconds``: stored writes, timings by kind, and a line
    saying how much CPU each role used meanwhile."""
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    workers = [
        ctx.Process(
            target=_client_main,
            args=(base, tokens, seconds, tasks, mode, 1000 + i, region_km, band, q),
        )
        for i in range(procs)
    ]
    before = _role_cpu_s(server_pid)
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    writes = 0
    load_cpu = 0.0
    by_kind: dict[str, list[float]] = {}
    recorded: list[int] = []
    for _ in workers:
        n, samples, cpu, conflicts = q.get(timeout=seconds + 300)
        writes += n
        load_cpu += cpu
        recorded += conflicts
        for kind, dt in samples:
            by_kind.setdefault(kind, []).append(dt)
    wall = time.perf_counter() - t0
    after = _role_cpu_s(server_pid)
    for w in workers:
        w.join()
    requests = sum(len(xs) for xs in by_kind.values())
    server = after[0] - before[0]
    cpu = (
        f"  CPU ({os.cpu_count()} cores): server {server / wall:.2f} cores "
        f"({server / max(1, requests) * 1e3:.2f} ms per request), "
        f"database {(after[1] - before[1]) / wall:.2f}, load generators {load_cpu / wall:.2f}"
    )
    if recorded:
        cpu += f"\n  conflicts recorded per stored notice: median {np.median(recorded):.0f}"
    return writes, by_kind, cpu


def report(label: str, xs: list[float]) -> str:
    return (
        f"  {label:10s} n={len(xs):6d}  p50 {bench_http.pct(xs, 50):7.1f} ms  "
        f"p99 {bench_http.pct(xs, 99):7.1f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10,000 notices, 5 s per phase")
    ap.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    ap.add_argument("--notices", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=4, help="API processes (PostgreSQL)")
    ap.add_argument("--clients", type=int, default=32, help="concurrent clients in all")
    ap.add_argument("--load-procs", type=int, default=2, help="load-generator processes")
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    ap.add_argument("--db", help="use this database URL instead of a throwaway server")
    ap.add_argument(
        "--band",
        choices=["seeded", "free"],
        default="seeded",
        help="write among the seeded notices (about 56 conflicts each) or above them (none)",
    )
    args = ap.parse_args()
    n = 10_000 if args.quick else args.notices
    seconds = 5.0 if args.quick else args.seconds
    workers = 1 if args.backend == "sqlite" else args.workers
    region_km = BASE_KM * math.sqrt(n / BASE_NOTICES)
    bench_strategic.REGION_KM = region_km
    bench_strategic.T0 = time.time() + 7200.0
    with tempfile.TemporaryDirectory() as d:
        pg_dir = Path(d) / "pg"
        if args.db:
            db = args.db
        elif args.backend == "postgres":
            env = {**os.environ, "PGOPTIONS_EXTRA": "-c fsync=on -c synchronous_commit=on"}
            url = subprocess.run(
                [str(ROOT / "scripts" / "pg-throwaway"), "start", str(pg_dir)],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout.strip()
            db = url
        else:
            db = str(Path(d) / "bench.db")
        try:
            run_bench(args, db, n, seconds, workers, region_km, Path(d))
        finally:
            if args.backend == "postgres" and not args.db:
                subprocess.run([str(ROOT / "scripts" / "pg-throwaway"), "stop", str(pg_dir)])


def run_bench(
    args: argparse.Namespace,
    db: str,
    n: int,
    seconds: float,
    workers: int,
    region_km: float,
    folder: Path,
) -> None:
    subprocess.run([*CLI, "migrate", "--db", db], check=True, capture_output=True)
    suffix = uuid.uuid4().hex[:6]  # a --db given again already has blue and red
    agreement = folder / "agreement.toml"
    agreement.write_text(
        bench_http.AGREEMENT.replace('"blue", "red"', f'"blue-{suffix}", "red-{suffix}"')
    )
    tokens: list[str] = []
    ids: list[str] = []
    for name in ("blue", "red"):
        out = subprocess.run(
            [*CLI, "party", "add", f"{name}-{suffix}", "--db", db],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        fields = dict(line.split(": ", 1) for line in out.strip().splitlines())
        tokens.append(fields["token"])
        ids.append(fields["id"])
    if args.band == "free" and db.startswith("postgresql"):
        _retire_free_band(db)
    t0 = time.perf_counter()
    have = _live_notices(db)
    if have < n:  # a --db given again keeps what it holds
        seed(db, n - have, ids)
    print(
        f"{args.backend}: seeded {n:,} notices over {region_km:,.0f} km square "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    port = bench_http.free_port()
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            *CLI,
            "serve",
            "--db",
            db,
            "--port",
            str(port),
            "--agreement",
            str(agreement),
            "--workers",
            str(workers),
        ],
        env={**os.environ, "SKYSHARE_ADMIN_TOKEN": "bench"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    t_start = time.perf_counter()
    try:
        _wait_ready(base, proc, folder)
        print(f"server ready after {time.perf_counter() - t_start:.1f} s ({workers} workers)")
        for name, token in zip(("blue", "red"), tokens, strict=True):
            c = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
            sha = c.get("/v1/agreement").json()["sha256"]
            c.post("/v1/agreement/adopt", json={"sha256": sha}).raise_for_status()
            c.close()
            del name
        per_proc = max(1, args.clients // args.load_procs)
        writes, by_kind, cpu = drive(
            base,
            tokens,
            mode="write",
            seconds=seconds,
            procs=args.load_procs,
            tasks=per_proc,
            region_km=region_km,
            band=args.band,
            server_pid=proc.pid,
        )
        puts = [x for k, xs in by_kind.items() if k.startswith("PUT") for x in xs]
        print(
            f"writes: {writes / seconds:,.0f} notices stored/s over {seconds:.0f} s "
            f"({args.clients} clients, {args.band} band); {len(puts) / seconds:,.0f} PUT requests/s"
        )
        print(report("PUT (all)", puts))
        for kind in sorted(by_kind):
            print(report(kind, by_kind[kind]))
        print(cpu)
        for mode, heading, label, unit in (
            ("read", "reads", "GET bbox", "GET bbox/s"),
            ("floor", "floor", "GET me", "GET /v1/parties/me/s"),
        ):
            _, timed, cpu = drive(
                base,
                tokens,
                mode=mode,
                seconds=seconds / 2,
                procs=args.load_procs,
                tasks=per_proc,
                region_km=region_km,
                server_pid=proc.pid,
            )
            xs = [x for k, ys in timed.items() for x in ys]
            print(f"{heading}: {len(xs) / (seconds / 2):,.0f} {unit}")
            print(report(label, xs))
            print(cpu)
        rss = _tree_rss_mib(proc.pid)
        print(f"server RSS (all processes): {rss:,.0f} MiB")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _live_notices(db: str) -> int:
    from skyshare.store.database import open_database

    database = open_database(db, migrate=False)
    try:
        with database.read() as conn:
            return int(
                conn.exec_driver_sql(
                    "SELECT count(*) FROM notices WHERE deleted_at IS NULL"
                ).scalar_one()
            )
    finally:
        database.dispose()


def _retire_free_band(db: str) -> None:
    """Soft-delete live notices that lie wholly above the seeded bands (earlier free runs)."""
    from skyshare.store.database import open_database

    database = open_database(db, migrate=False)
    try:
        with database.write() as tx:
            n = tx.conn.exec_driver_sql(
                "UPDATE notices SET deleted_at = extract(epoch FROM now()) "
                "WHERE deleted_at IS NULL AND lower(skyshare_notice_band(volumes)) >= 7000"
            ).rowcount
        print(f"retired {n:,} notices left in the free band by earlier runs")
    finally:
        database.dispose()


def _wait_ready(base: str, proc: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit((folder / "server.log").read_text())
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("server did not start")


def _stat(pid: int | str) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the command name (state first, then parent);
    an OSError once the process is gone."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _children(pid: int) -> list[int]:
    """A process and its direct children (the uvicorn supervisor and its workers)."""
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int(_stat(entry.name)[1])
            except OSError:
                continue
            if parent == pid:
                pids.append(int(entry.name))
    return pids


def _cpu_s(pid: int, *, reaped: bool = False) -> float:
    """User and system CPU seconds of one process (0 once it is gone); ``reaped``: with
    its children that have ended (a PostgreSQL backend ends with its connection)."""
    try:
        fields = _stat(pid)
    except OSError:
        return 0.0
    ticks = sum(int(f) for f in fields[11 : 15 if reaped else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def _role_cpu_s(server_pid: int | None) -> tuple[float, float]:
    """CPU seconds so far of (the server's processes, the PostgreSQL server and its ended
    and running backends)."""
    server = sum(_cpu_s(p) for p in _children(server_pid)) if server_pid else 0.0
    database = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm = (entry / "comm").read_text().strip()
                parent = _stat(entry.name)[1]
                parent_comm = Path(f"/proc/{parent}/comm").read_text().strip()
            except OSError:
                continue
            if comm == "postgres":
                database += _cpu_s(int(entry.name), reaped=parent_comm != "postgres")
    return server, database


def _tree_rss_mib(pid: int) -> float:
    """RSS of a process and its children (the uvicorn supervisor and its workers)."""
    total = 0.0
    for child in _children(pid):
        try:
            total += bench_http.rss_mib(child)
        except OSError:
            continue
    return total


if __name__ == "__main__":
    main()
