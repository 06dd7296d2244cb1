"""Live operations under load: one ``skyshare serve`` process on SQLite, two parties.

Phases (issue 6):

1. Live run (``--duration-s``, default 600; ``--quick`` 45): 2,000 aircraft per party report
   at 1 Hz in batches of 1,000. Background traffic flies at interleaved levels (blue and red
   350 m apart) so only scripted encounters conflict: every ``--encounter-every-s`` a red
   aircraft is placed 30 km ahead of a blue one, head-on at the same level. Latency is from
   the start of the POST carrying the red state to ``conflict.opened`` at each party's SSE
   client. The server's detector reports its full-cycle times (``GET /v1/live/status``);
   the server's RSS is sampled from ``/proc``.
2. Ingest: both parties post batches of 1,000 states back to back, as JSON and then as
   NDJSON; states/s accepted, and the server's CPU time per 1,000 states.

First, a small run checks the server against the engine: the encounters it opens are exactly
the pairs ``engines.tactical.detect`` predicts for the same states.

    python benchmarks/bench_live.py --quick
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from skyshare.timefmt import format_rfc3339

CLI = [sys.executable, "-m", "skyshare.cli"]
ADMIN = "bench-admin-token"
AGREEMENT_TOML = """
name = "Bench region"
region = [[30.0, 25.0], [30.0, 45.0], [45.0, 45.0], [45.0, 25.0]]
parties = ["blue", "red"]
horizontal_m = 5556
vertical_m = 300
lookahead_s = 300
time_buffer_s = 300
min_lead_s = 3600
policy = "advisory"
cycle_s = 1.0
state_timeout_s = 10
"""
M_PER_DEG = 111_194.9


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base: str
    db: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def make_parties(workdir: Path) -> tuple[Server, dict[str, str]]:
    """A fresh database with blue and red, their tokens, the agreement in force."""
    db = workdir / "bench.db"
    agreement = workdir / "agreement.toml"
    agreement.write_text(AGREEMENT_TOML)
    tokens: dict[str, str] = {}
    for name in ("blue", "red"):
        out = subprocess.run(
            [*CLI, "party", "add", name, "--db", str(db)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "SKYSHARE_ADMIN_TOKEN": ADMIN},
        ).stdout
        fields = dict(line.split(": ", 1) for line in out.strip().splitlines() if ": " in line)
        tokens[name] = fields["token"]
    port = _free_port()
    env = {**os.environ, "SKYSHARE_ADMIN_TOKEN": ADMIN}
    log = (workdir / "server.log").open("ab")
    proc = subprocess.Popen(
        [*CLI, "serve", "--db", str(db), "--port", str(port), "--agreement", str(agreement)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        if time.monotonic() > deadline:
            raise SystemExit("server did not start; see server.log")
        time.sleep(0.1)
    srv = Server(proc, base, db, tokens)
    for token in tokens.values():
        with srv.client(token) as c:
            sha = c.get("/v1/agreement").json()["sha256"]
            r = c.post("/v1/agreement/adopt", json={"sha256": sha})
            r.raise_for_status()
    return srv, tokens


class Sse:
    """A stdlib SSE reader on a thread: records (receive time, event) pairs."""

    def __init__(self, base: str, token: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=600)
        self.conn.request("GET", "/v1/events?after=0", headers={"Authorization": f"Bearer {token}"})
        self.resp = self.conn.getresponse()
        self.opened: dict[frozenset[str], float] = {}
        self.count = 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        data = b""
        with contextlib.suppress(OSError, ValueError):
            while True:
                line = self.resp.fp.readline()
                if not line:
                    return
                if line.startswith(b"data:"):
                    data = line[5:].strip()
                elif line in (b"\r\n", b"\n") and data:
                    t = time.monotonic()
                    e = json.loads(data)
                    self.count += 1
                    if e["type"] == "conflict.opened" and e["data"]["kind"] == "tactical":
                        key = frozenset(s["id"] for s in e["data"]["subjects"])
                        self.opened.setdefault(key, t)
                    data = b""

    def close(self) -> None:
        import socket

        with contextlib.suppress(OSError):
            if self.conn.sock is not None:
                self.conn.sock.shutdown(socket.SHUT_RDWR)


@dataclass
class Fleet:
    """One party's aircraft as arrays, flying straight at constant speed."""

    prefix: str
    lat: np.ndarray[Any, Any]
    lng: np.ndarray[Any, Any]
    alt: np.ndarray[Any, Any]
    gs: np.ndarray[Any, Any]
    trk: np.ndarray[Any, Any]

    @classmethod
    def random(cls, prefix: str, n: int, level_offset_m: float, rng: np.random.Generator) -> Fleet:
        levels = 3000.0 + 700.0 * rng.integers(0, 14, n) + level_offset_m
        return cls(
            prefix,
            rng.uniform(31.0, 44.0, n),
            rng.uniform(26.0, 44.0, n),
            levels,
            rng.uniform(120.0, 250.0, n),
            rng.uniform(0.0, 360.0, n),
        )

    def advance(self, dt: float) -> None:
        r = np.radians(self.trk)
        self.lat += np.degrees(self.gs * np.cos(r) * dt / 6_371_000.0)
        self.lng += np.degrees(
            self.gs * np.sin(r) * dt / (6_371_000.0 * np.cos(np.radians(self.lat)))
        )
        # Keep everyone in the box: turn back at the edges.
        out = (self.lat < 31) | (self.lat > 44) | (self.lng < 26) | (self.lng > 44)
        self.trk[out] = (self.trk[out] + 180.0) % 360.0

    def states(self, idx: range, t: float) -> list[dict[str, Any]]:
        ts = format_rfc3339(t)
        return [
            {
                "aircraft_id": f"{self.prefix}{k:05d}",
                "time": ts,
                "lat": round(float(self.lat[k]), 6),
                "lng": round(float(self.lng[k]), 6),
                "altitude_m": float(self.alt[k]),
                "ground_speed_mps": round(float(self.gs[k]), 2),
                "track_deg": round(float(self.trk[k]), 2),
                "vertical_rate_mps": 0.0,
            }
            for k in idx
        ]

    def body(self, idx: range, t: float, *, ndjson: bool = False) -> bytes:
        """The same states as ``states`` as a request body, formatted from a template.

        Why: building 1,000 dicts and ``json.dumps`` costs the load generator about 8 ms a
        batch on this machine, as much as the server spends; at 50,000 states/s the client
        would measure itself. ``check_body_matches`` proves the bytes mean the same states.
        """
        ts = format_rfc3339(t)
        row = (
            '{"aircraft_id":"' + self.prefix + '%05d","time":"' + ts + '","lat":%.6f,'
            '"lng":%.6f,"altitude_m":%r,"ground_speed_mps":%.2f,"track_deg":%.2f,'
            '"vertical_rate_mps":0.0}'
        )
        sl = slice(idx.start, idx.stop)
        lines = map(
            row.__mod__,
            zip(
                idx,
                self.lat[sl].tolist(),
                self.lng[sl].tolist(),
                self.alt[sl].tolist(),
                self.gs[sl].tolist(),
                self.trk[sl].tolist(),
                strict=True,
            ),
        )
        if ndjson:
            return ("\n".join(lines) + "\n").encode()
        return ('{"states":[' + ",".join(lines) + "]}").encode()


def check_body_matches(fleet: Fleet) -> None:
    """The template body carries exactly the states of ``Fleet.states``."""
    t = time.time()
    want = fleet.states(range(0, 50), t)
    assert json.loads(fleet.body(range(0, 50), t))["states"] == want
    lines = fleet.body(range(0, 50), t, ndjson=True).decode().splitlines()
    assert [json.loads(x) for x in lines] == want
    marked = fleet.body(range(0, 50), 0.0).replace(_TIME_MARK, format_rfc3339(t).encode())
    assert json.loads(marked)["states"] == want


def post(client: httpx.Client, states: list[dict[str, Any]]) -> int:
    return post_body(client, json.dumps({"states": states}, separators=(",", ":")).encode())


def post_body(client: httpx.Client, body: bytes, *, ndjson: bool = False) -> int:
    media = "application/x-ndjson" if ndjson else "application/json"
    r = client.post("/v1/states", content=body, headers={"Content-Type": media})
    if r.status_code != 202:
        raise SystemExit(f"POST /v1/states: {r.status_code} {r.text[:300]}")
    accepted: int = r.json()["accepted"]
    return accepted


class Poster:
    """One keep-alive connection posting ready-made bodies with ``http.client``.

    Why not httpx here: at 50,000 states/s (50 requests a second) the load generator shares
    the two CPUs with the server, and httpx's per-request work was a visible share of them.
    """

    def __init__(self, base: str, token: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)
        self.auth = f"Bearer {token}"

    def post(self, body: bytes, *, ndjson: bool = False) -> int:
        media = "application/x-ndjson" if ndjson else "application/json"
        self.conn.request(
            "POST",
            "/v1/states",
            body=body,
            headers={"Authorization": self.auth, "Content-Type": media},
        )
        r = self.conn.getresponse()
        data = r.read()
        if r.status != 202:
            raise SystemExit(f"POST /v1/states: {r.status} {data[:300]!r}")
        accepted: int = json.loads(data)["accepted"]
        return accepted

    def close(self) -> None:
        self.conn.close()


#: The time every pre-rendered ingest body carries until it is sent (replaced then).
_TIME_MARK = format_rfc3339(0.0).encode()


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds used so far by a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class IngestResult:
    states_per_s: float
    #: CPU milliseconds per 1,000 states accepted: the server's (all its threads: HTTP,
    #: parsing, the write, the detector's checks) and this load generator's.
    server_cpu_ms: float
    client_cpu_ms: float


def bench_ingest(
    srv: Server, fleets: dict[str, Fleet], seconds: float, *, ndjson: bool = False
) -> IngestResult:
    """Two clients (one per party) posting 1,000-state batches back to back.

    Bodies are rendered before the clock starts and only their time is put in when sent, so
    the client costs a ``bytes.replace`` and an ``http.client`` round trip per batch (the
    aircraft do not move during this phase; each round is newer, so every state counts).
    """
    total = [0, 0]
    bodies = {
        name: [
            fleet.body(range(start, start + 1000), 0.0, ndjson=ndjson)
            for start in range(0, fleet.lat.shape[0], 1000)
        ]
        for name, fleet in fleets.items()
    }
    stop = time.monotonic() + seconds

    def run(k: int, name: str) -> None:
        poster = Poster(srv.base, srv.tokens[name])
        try:
            while time.monotonic() < stop:
                for body in bodies[name]:
                    sent = body.replace(_TIME_MARK, format_rfc3339(time.time()).encode())
                    total[k] += poster.post(sent, ndjson=ndjson)
        finally:
            poster.close()

    t0 = time.monotonic()
    cpu0 = _cpu_s(srv.proc.pid)
    client0 = time.process_time()
    threads = [threading.Thread(target=run, args=(k, n)) for k, n in enumerate(("blue", "red"))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    rate = sum(total) / (time.monotonic() - t0)
    thousands = sum(total) / 1000.0
    return IngestResult(
        rate,
        (_cpu_s(srv.proc.pid) - cpu0) * 1000.0 / thousands,
        (time.process_time() - client0) * 1000.0 / thousands,
    )


@dataclass
class Encounter:
    blue: int
    red: int
    sent: float = math.nan
    ends_at: float = math.inf


def place_encounter(fleets: dict[str, Fleet], e: Encounter) -> None:
    """Put red ``e.red`` 30 km ahead of blue ``e.blue`` on its track, head-on, same level."""
    b, r = fleets["blue"], fleets["red"]
    d = 30_000.0
    tr = math.radians(float(b.trk[e.blue]))
    lat0 = float(b.lat[e.blue])
    r.lat[e.red] = lat0 + math.degrees(d * math.cos(tr) / 6_371_000.0)
    r.lng[e.red] = float(b.lng[e.blue]) + math.degrees(
        d * math.sin(tr) / (6_371_000.0 * math.cos(math.radians(lat0)))
    )
    r.alt[e.red] = b.alt[e.blue]
    r.trk[e.red] = (float(b.trk[e.blue]) + 180.0) % 360.0


def release_encounter(fleets: dict[str, Fleet], e: Encounter) -> None:
    fleets["red"].alt[e.red] = fleets["blue"].alt[e.blue] + 350.0


def live_run(
    srv: Server, fleets: dict[str, Fleet], seconds: float, every_s: float, rng: random.Random
) -> dict[str, Any]:
    sse = {name: Sse(srv.base, srv.tokens[name]) for name in ("blue", "red")}
    admin = srv.client(ADMIN)
    clients = {name: srv.client(srv.tokens[name]) for name in ("blue", "red")}
    n = fleets["blue"].lat.shape[0]
    free_blue = list(range(n))
    free_red = list(range(n))
    rng.shuffle(free_blue)
    rng.shuffle(free_red)
    active: list[Encounter] = []
    done: list[Encounter] = []
    rss: list[tuple[float, float]] = []
    cycles: list[dict[str, Any]] = []
    t_start = time.monotonic()
    next_encounter = t_start + 5.0
    next_tick = t_start
    lock = threading.Lock()
    late_ticks = 0
    while time.monotonic() - t_start < seconds:
        now_m = time.monotonic()
        if now_m < next_tick:
            time.sleep(next_tick - now_m)
        elif now_m - next_tick > 0.5:
            late_ticks += 1
        tick = next_tick
        next_tick += 1.0
        for name in ("blue", "red"):
            fleets[name].advance(1.0)
        for e in [e for e in active if e.ends_at <= tick]:
            release_encounter(fleets, e)
            active.remove(e)
            done.append(e)
        new: Encounter | None = None
        if tick >= next_encounter and free_blue and free_red:
            new = Encounter(free_blue.pop(), free_red.pop(), ends_at=tick + 20.0)
            place_encounter(fleets, new)
            active.append(new)
            next_encounter += every_s
        t_wall = time.time()

        def send(name: str, new: Encounter | None = new, t_wall: float = t_wall) -> None:
            fleet = fleets[name]
            for start in range(0, n, 1000):
                chunk = range(start, min(n, start + 1000))
                body = fleet.body(chunk, t_wall)
                carries = new is not None and name == "red" and new.red in chunk
                sent = time.monotonic()
                post_body(clients[name], body)
                if carries and new is not None:
                    with lock:
                        new.sent = sent

        threads = [threading.Thread(target=send, args=(p,)) for p in ("blue", "red")]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        if int(tick - t_start) % 10 == 0:
            rss.append((tick - t_start, _rss_mib(srv.proc.pid)))
            cycles.append(admin.get("/v1/live/status").json())
    time.sleep(2.0)
    status = admin.get("/v1/live/status").json()
    latencies: dict[str, list[float]] = {"blue": [], "red": []}
    missed = 0
    for e in done + active:
        if math.isnan(e.sent):
            continue
        key = frozenset((f"B{e.blue:05d}", f"R{e.red:05d}"))
        for name in ("blue", "red"):
            got = sse[name].opened.get(key)
            if got is None:
                missed += 1
            else:
                latencies[name].append(got - e.sent)
    for s in sse.values():
        s.close()
    for c in (admin, *clients.values()):
        c.close()
    both = np.array(latencies["blue"] + latencies["red"]) * 1000.0
    return {
        "encounters": len(done) + len(active),
        "missed": missed,
        "latency_ms_p50": float(np.percentile(both, 50)) if both.size else math.nan,
        "latency_ms_p99": float(np.percentile(both, 99)) if both.size else math.nan,
        "latency_ms_max": float(np.max(both)) if both.size else math.nan,
        "late_ticks": late_ticks,
        "rss": rss,
        "status": status,
        "samples": cycles,
    }


def check_against_engine(srv: Server) -> None:
    """A small case first: the server opens exactly the pairs the engine predicts."""
    from skyshare.engines.tactical import TacticalParams, detect

    rng = np.random.default_rng(3)
    fleets = {
        "blue": Fleet("CB", *(np.empty(0) for _ in range(5))),
        "red": Fleet("CR", *(np.empty(0) for _ in range(5))),
    }
    for name, fl in fleets.items():
        m = 60
        fl.lat = rng.uniform(36.0, 36.6, m)
        fl.lng = rng.uniform(37.0, 37.7, m)
        fl.alt = rng.choice([3000.0, 3200.0, 3600.0], m)
        fl.gs = rng.uniform(80.0, 200.0, m)
        fl.trk = rng.uniform(0.0, 360.0, m)
        del name
    t = time.time()
    sse = Sse(srv.base, srv.tokens["blue"])
    time.sleep(0.3)
    for name in ("blue", "red"):
        with srv.client(srv.tokens[name]) as c:
            post(c, fleets[name].states(range(60), t))
    time.sleep(2.5)
    sse.close()
    lat = np.concatenate([fleets["blue"].lat, fleets["red"].lat])
    lng = np.concatenate([fleets["blue"].lng, fleets["red"].lng])
    alt = np.concatenate([fleets["blue"].alt, fleets["red"].alt])
    gs = np.concatenate([fleets["blue"].gs, fleets["red"].gs])
    trk = np.concatenate([fleets["blue"].trk, fleets["red"].trk])
    ids = [f"CB{k:05d}" for k in range(60)] + [f"CR{k:05d}" for k in range(60)]
    # The server detects a moment after the states' time: pairs on the edge of the window
    # (leaving it, or entering the look-ahead) may go either way. Those predicted both at the
    # states' time and 2.5 s later must be opened; nothing outside either may be.
    from skyshare.engines.focus import dead_reckon

    def cross_pairs(dt: float) -> set[frozenset[str]]:
        p = dead_reckon(lat, lng, alt, gs, trk, np.zeros(120), np.full(120, dt))
        res = detect(
            lat_deg=p.lat_deg,
            lng_deg=p.lng_deg,
            alt_m=p.alt_m,
            gs_mps=gs,
            trk_deg=trk,
            vs_mps=np.zeros(120),
            params=TacticalParams(5556.0, 300.0, 300.0),
        )
        return {
            frozenset((ids[i], ids[j]))
            for i, j in zip(res.conflicts.i.tolist(), res.conflicts.j.tolist(), strict=True)
            if (i < 60) != (j < 60)
        }

    now, later = cross_pairs(0.0), cross_pairs(2.5)
    got = set(sse.opened)
    if not (now & later) <= got <= (now | later):
        raise SystemExit(
            f"server and engine disagree: {len(got)} opened, engine {len(now & later)} "
            f"to {len(now | later)}"
        )
    print(
        f"check: server opened {len(got)} cross-party pairs; the engine predicts "
        f"{len(now & later)} surely and {len(now | later)} at most"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration-s", type=float, default=600.0)
    ap.add_argument("--quick", action="store_true", help="45 s live run, 5 s ingest phase")
    ap.add_argument("--aircraft", type=int, default=2000, help="per party")
    ap.add_argument("--encounter-every-s", type=float, default=2.0)
    ap.add_argument("--ingest-s", type=float, default=15.0)
    ap.add_argument("--json", type=Path, help="write the results here as well")
    args = ap.parse_args()
    duration = 45.0 if args.quick else args.duration_s
    ingest_s = 5.0 if args.quick else args.ingest_s
    with tempfile.TemporaryDirectory() as tmp:
        srv, _ = make_parties(Path(tmp))
        try:
            check_against_engine(srv)
            rng = np.random.default_rng(11)
            fleets = {
                "blue": Fleet.random("B", args.aircraft, 0.0, rng),
                "red": Fleet.random("R", args.aircraft, 350.0, rng),
            }
            check_body_matches(fleets["blue"])
            time.sleep(12.0)  # the check's states time out before the live run
            # The live run comes first: its cycle times are those of the scenario, not of
            # the saturation phases below (the detector keeps the last 2,000 cycles).
            out = live_run(srv, fleets, duration, args.encounter_every_s, random.Random(5))
            st = out["status"]
            print(
                f"live: {duration:.0f} s, {2 * args.aircraft:,} aircraft at 1 Hz, "
                f"{out['encounters']} encounters, {out['missed']} alerts missed"
            )
            print(
                f"state POST -> conflict.opened at both SSE clients: "
                f"p50 {out['latency_ms_p50']:.0f} ms, p99 {out['latency_ms_p99']:.0f} ms, "
                f"max {out['latency_ms_max']:.0f} ms"
            )
            print(
                f"detection cycle at {st['live_aircraft']:,} live aircraft: "
                f"p50 {st['cycle_ms_p50']} ms, p99 {st['cycle_ms_p99']} ms, "
                f"max {st['cycle_ms_max']} ms (detection alone p50 {st['detect_ms_p50']} ms, "
                f"p99 {st['detect_ms_p99']} ms); per-batch check p50 "
                f"{st['batch_check_ms_p50']} ms, p99 {st['batch_check_ms_p99']} ms"
            )
            rss = out["rss"]
            print("server RSS (MiB) over time: " + ", ".join(f"{t:.0f}s {m:.0f}" for t, m in rss))
            print(f"late 1 Hz ticks (client behind by > 0.5 s): {out['late_ticks']}")
            time.sleep(12.0)  # the live run's states time out: each phase starts alike
            js = bench_ingest(srv, fleets, ingest_s)
            print(
                f"ingest JSON: {js.states_per_s:,.0f} states/s (batches of 1,000, two "
                f"clients); CPU per 1,000 states: server {js.server_cpu_ms:.1f} ms, "
                f"load generator {js.client_cpu_ms:.1f} ms"
            )
            time.sleep(12.0)
            nd = bench_ingest(srv, fleets, ingest_s, ndjson=True)
            print(
                f"ingest NDJSON: {nd.states_per_s:,.0f} states/s; CPU per 1,000 states: "
                f"server {nd.server_cpu_ms:.1f} ms, load generator {nd.client_cpu_ms:.1f} ms"
            )
            with srv.client(ADMIN) as admin:
                sat = admin.get("/v1/live/status").json()
            print(
                f"cycles including the ingest phases: p50 {sat['cycle_ms_p50']} ms, "
                f"p99 {sat['cycle_ms_p99']} ms, max {sat['cycle_ms_max']} ms"
            )
            print(f"database: {srv.db.stat().st_size / 2**20:.0f} MiB")
            if args.json:
                args.json.write_text(
                    json.dumps(
                        {
                            "ingest_states_per_s": js.states_per_s,
                            "ingest_ndjson_states_per_s": nd.states_per_s,
                            "ingest_server_cpu_ms_per_1000": js.server_cpu_ms,
                            "ingest_ndjson_server_cpu_ms_per_1000": nd.server_cpu_ms,
                            "ingest_client_cpu_ms_per_1000": js.client_cpu_ms,
                            "ingest_ndjson_client_cpu_ms_per_1000": nd.client_cpu_ms,
                            "status_after_ingest": sat,
                            "duration_s": duration,
                            **out,
                        },
                        indent=1,
                    )
                )
        finally:
            srv.stop()


if __name__ == "__main__":
    main()
