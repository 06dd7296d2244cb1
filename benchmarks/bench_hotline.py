"""Send and verify hotline messages end to end over HTTP on SQLite; target p50 ≤ 10 ms.

Usage::

    python benchmarks/bench_hotline.py              # 500 messages per mode
    python benchmarks/bench_hotline.py --quick      # 100

Starts ``skyshare serve`` in its own process on a fresh SQLite file (``--sync NORMAL``, the
default, then ``FULL``), with two parties whose Ed25519 keys are registered. Checks first
that a message reaches the recipient rendered in Arabic and that a forged one is refused;
then times, per message, from one keep-alive client:

* send: sign the body (RFC 8785 + Ed25519) and POST it until the 201 arrives (the service
  verifies the signature, checks the template, stores message, events and audit entry, and
  commits);
* round trip: send, then the recipient GETs the message and verifies its signature with the
  sender's public key;
* acknowledge: the recipient signs and POSTs the acknowledgement.
"""

from __future__ import annotations

import argparse
import functools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from skyshare.audit.signing import (
    generate_private_key,
    public_key_b64,
    sign_object,
    verify_object,
)
from skyshare.hotline import phrases
from skyshare.model.agreement import agreement_from_mapping
from skyshare.services import agreement as agreement_service
from skyshare.services.context import Caller, Context
from skyshare.services.parties import add_party
from skyshare.store.database import open_database
from skyshare.timefmt import format_rfc3339

ADMIN = "bench-admin-token"
AGREEMENT: dict[str, Any] = {
    "name": "Bench region",
    "region": [[35.0, 36.0], [35.0, 38.5], [37.3, 38.5], [37.3, 36.0]],
    "parties": ["blue", "red"],
    "horizontal_m": 5556,
    "vertical_m": 300,
    "lookahead_s": 300,
    "time_buffer_s": 300,
    "min_lead_s": 3600,
    "policy": "advisory",
    "ack_timeout_s": 3600,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def prepare(db: Path) -> dict[str, Any]:
    """The database: agreement in force, blue (en) and red (ar) with keys and tokens."""
    ctx = Context(open_database(str(db)))
    stored = agreement_service.set_agreement(ctx, Caller(None), agreement_from_mapping(AGREEMENT))
    out: dict[str, Any] = {}
    for name, language in (("blue", "en"), ("red", "ar")):
        key = generate_private_key()
        party, token = add_party(ctx, name, language, public_key_b64(key))
        agreement_service.adopt(ctx, Caller(party), stored["sha256"])
        out[name] = {"id": party.id, "token": token, "key": key}
    ctx.db.dispose()
    return out


def serve(db: Path, port: int, sync: str) -> subprocess.Popen[bytes]:
    env = os.environ | {"SKYSHARE_ADMIN_TOKEN": ADMIN}
    cmd = [sys.executable, "-m", "skyshare.cli", "serve", "--db", str(db), "--port", str(port)]
    proc = subprocess.Popen([*cmd, "--sync", sync], env=env, stdout=subprocess.DEVNULL)
    wait_healthy(proc, port)
    return proc


def process_cpu_s(pid: int) -> float:
    """CPU seconds used by a process (Linux ``/proc``): what load on the machine cannot hide."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


#: A server with only some of ``serve``'s background workers (``--compare-workers``).
_SERVER = """
import sys, uvicorn
from skyshare.api.app import Settings, create_app
from skyshare.services.context import Context
from skyshare.store.database import open_database
db, port, which = sys.argv[1], int(sys.argv[2]), sys.argv[3]
workers = ()
if which in ("hotline", "all"):
    from skyshare.services.hotline_workers import hotline_workers
    workers += hotline_workers()
if which in ("live", "all"):
    from skyshare.notify.live import live_workers
    workers += live_workers()
ctx = Context(open_database(db, synchronous="NORMAL"))
app = create_app(Settings(workers=workers), ctx)
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
"""


def serve_with(db: Path, port: int, which: str) -> subprocess.Popen[bytes]:
    """The API with the background workers ``which`` (none, hotline, live, all)."""
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, str(db), str(port), which])
    wait_healthy(proc, port)
    return proc


def wait_healthy(proc: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the server did not start")


def compare_workers(count: int) -> None:
    """Send p50 and server CPU per send with each set of background workers."""
    print(f"send with some of serve's background workers (--sync NORMAL, {count} messages):")
    for which in ("none", "hotline", "live", "all"):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "hotline.db"
            parties = prepare(db)
            port = free_port()
            proc = serve_with(db, port, which)
            try:
                base = f"http://127.0.0.1:{port}"
                headers = {"Authorization": f"Bearer {parties['blue']['token']}"}
                with httpx.Client(base_url=base, headers=headers) as client:
                    one = functools.partial(post, client, parties)
                    for _ in range(30):  # warm-up
                        one()
                    before = process_cpu_s(proc.pid)
                    sends = [timed(one) for _ in range(count)]
                    cpu_ms = (process_cpu_s(proc.pid) - before) / count * 1000
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        p50 = statistics.median(sends) * 1000
        print(f"  {which:<8} send p50 {p50:6.2f} ms   server CPU per send {cpu_ms:6.2f} ms")


def post(client: httpx.Client, parties: dict[str, Any]) -> None:
    b = body(parties["red"]["id"])
    r = client.post("/v1/messages", json=b | {"signature": sign_object(parties["blue"]["key"], b)})
    assert r.status_code == 201, r.text


def body(to: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "to": to,
        "sent_at": format_rfc3339(time.time()),
        "template": "traffic_advisory",
        "params": {
            "lat": 36.2,
            "lng": 37.4,
            "altitude_m": 4572,
            "track_deg": 95,
            "time": "2026-11-24T10:00:00Z",
        },
    }


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    q = statistics.quantiles(ms, n=100)
    return f"p50 {statistics.median(ms):6.2f} ms   p90 {q[89]:6.2f} ms   p99 {q[98]:6.2f} ms"


def run_mode(sync: str, count: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "hotline.db"
        parties = prepare(db)
        port = free_port()
        proc = serve(db, port, sync)
        try:
            before = process_cpu_s(proc.pid)
            timings = measure(f"http://127.0.0.1:{port}", parties, count)
            # Per message: one send, one round trip (send + GET), one acknowledgement.
            timings["server CPU"] = [(process_cpu_s(proc.pid) - before) / count]
            return timings
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def measure(base: str, parties: dict[str, Any], count: int) -> dict[str, list[float]]:
    blue, red = parties["blue"], parties["red"]

    def client(p: dict[str, Any]) -> httpx.Client:
        return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {p['token']}"})

    with client(blue) as bc, client(red) as rc:

        def send() -> dict[str, Any]:
            b = body(red["id"])
            r = bc.post("/v1/messages", json=b | {"signature": sign_object(blue["key"], b)})
            assert r.status_code == 201, r.text
            got: dict[str, Any] = r.json()
            return got

        def round_trip() -> None:
            sent = send()
            got = rc.get(f"/v1/messages/{sent['id']}").json()
            signed = {k: got[k] for k in ("id", "to", "sent_at", "template", "params")}
            verify_object(public_key_b64(blue["key"]), signed, got["signature"])

        def ack(message_id: str) -> None:
            signature = sign_object(red["key"], {"type": "ack", "message_id": message_id})
            r = rc.post(f"/v1/messages/{message_id}/acknowledge", json={"signature": signature})
            assert r.status_code == 200, r.text

        # Sanity: Arabic for red, a forged signature refused, nothing half-stored.
        first = send()
        seen = rc.get(f"/v1/messages/{first['id']}").json()
        assert seen["rendered"] == phrases.render("traffic_advisory", first["params"], "ar")
        forged = body(red["id"])
        forged["signature"] = sign_object(generate_private_key(), forged)
        assert bc.post("/v1/messages", json=forged).status_code == 422
        assert rc.get(f"/v1/messages/{forged['id']}").status_code == 404

        for _ in range(30):  # warm-up
            send()
        timings: dict[str, list[float]] = {"send": [], "round trip": [], "acknowledge": []}
        sent_ids: list[str] = []
        for _ in range(count):
            start = time.perf_counter()
            sent_ids.append(send()["id"])
            timings["send"].append(time.perf_counter() - start)
        timings["round trip"] = [timed(round_trip) for _ in range(count)]
        timings["acknowledge"] = [timed(functools.partial(ack, i)) for i in sent_ids]
        return timings


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 messages instead of 500")
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument(
        "--compare-workers",
        action="store_true",
        help="also time sends against servers running only some background workers",
    )
    args = parser.parse_args()
    count = args.count or (100 if args.quick else 500)
    p50 = {}
    for sync in ("NORMAL", "FULL"):
        timings = run_mode(sync, count)
        print(f"--sync {sync}: {count} messages, one keep-alive client, server in its own process")
        server_ms = timings.pop("server CPU")[0] * 1000
        for name, samples in timings.items():
            print(f"  {name:<12} {percentiles(samples)}")
        print(f"  server CPU   {server_ms:6.2f} ms per message (send + round trip + acknowledge)")
        p50[sync] = statistics.median(timings["send"]) * 1000
    for sync in ("NORMAL", "FULL"):
        verdict = "met" if p50[sync] <= 10 else "MISSED"
        print(f"target send p50 ≤ 10 ms at --sync {sync:<6} {verdict} ({p50[sync]:.2f} ms)")
    if args.compare_workers:
        compare_workers(count)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
