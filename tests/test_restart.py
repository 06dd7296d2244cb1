"""A server killed with SIGKILL right after a 2xx loses nothing it acknowledged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.api.bodies import new_id, notice, volume
from tests.conftest import free_port

AGREEMENT_TOML = """
name = "Restart test"
region = [[35.0, 36.0], [35.0, 38.5], [37.3, 38.5], [37.3, 36.0]]
parties = ["blue", "red"]
horizontal_m = 5556
vertical_m = 300
lookahead_s = 300
time_buffer_s = 300
min_lead_s = 3600
policy = "advisory"
"""

CLI = [sys.executable, "-m", "skyshare.cli"]


def start(db: Path, port: int, agreement: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SKYSHARE_ADMIN_TOKEN": "admin-secret"}
    log = db.with_suffix(".log")
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [*CLI, "serve", "--db", str(db), "--port", str(port), "--agreement", str(agreement)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise AssertionError(f"server did not start: {log.read_text()}")


def party(db: Path, name: str) -> str:
    out = subprocess.run(
        [*CLI, "party", "add", name, "--db", str(db)], capture_output=True, text=True, check=True
    ).stdout
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines())
    return lines["token"]


def test_sigkill_after_2xx_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    agreement = tmp_path / "agreement.toml"
    agreement.write_text(AGREEMENT_TOML)
    port = free_port()
    proc = start(db, port, agreement)
    tokens = {name: party(db, name) for name in ("blue", "red")}
    base = f"http://127.0.0.1:{port}"
    clients = {
        n: httpx.Client(base_url=base, headers={"Authorization": f"Bearer {t}"}, timeout=10)
        for n, t in tokens.items()
    }
    sha = clients["blue"].get("/v1/agreement").json()["sha256"]
    for c in clients.values():
        assert c.post("/v1/agreement/adopt", json={"sha256": sha}).status_code == 200
    ids = []
    for i in range(20):
        nid = new_id()
        r = clients["blue"].put(
            f"/v1/notices/{nid}", json=notice(volume(35.5 + i * 0.05, 37.0, d=0.01))
        )
        assert r.status_code == 201, r.text
        ids.append((nid, r.json()["ovn"]))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)

    proc = start(db, port, agreement)
    try:
        for nid, ovn in ids:
            got = clients["blue"].get(f"/v1/notices/{nid}")
            assert got.status_code == 200
            assert got.json()["ovn"] == ovn
        assert clients["red"].get("/v1/agreement").json()["in_force"] is True
        events = clients["blue"].get("/v1/events", headers={"Accept": "application/json"}).json()
        assert sum(e["type"] == "notice.created" for e in events) == 20
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        for c in clients.values():
            c.close()
