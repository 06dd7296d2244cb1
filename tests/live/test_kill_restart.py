"""SIGKILL mid-stream: after a restart every committed event still reaches the webhook."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.live.harness import Receiver, SseClient, head_on, wait_until
from tests.test_restart import AGREEMENT_TOML, party, start

SECRET = "restart-secret-0123456789"
JSON = {"Accept": "application/json"}


def _committed_for(db: Path, party_id: str, after: int) -> set[str]:
    """Events committed for a party after ``after`` (the webhook's registration)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT e.id FROM events e JOIN event_audience a ON a.seq = e.seq "
            "WHERE a.party_id = ? AND e.seq > ?",
            (party_id, after),
        ).fetchall()
    return {r[0] for r in rows}


def test_sigkill_mid_delivery_then_restart_delivers_everything(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    agreement = tmp_path / "agreement.toml"
    agreement.write_text(AGREEMENT_TOML + "cycle_s = 0.2\nstate_timeout_s = 30\n")
    port = free_port()
    proc = start(db, port, agreement)
    rx = Receiver(SECRET, delay_s=1.0)  # slow enough that the kill finds deliveries in flight
    hook = rx.start()
    sse: SseClient | None = None
    try:
        tokens = {name: party(db, name) for name in ("blue", "red")}
        base = f"http://127.0.0.1:{port}"
        clients = {
            n: httpx.Client(base_url=base, headers={"Authorization": f"Bearer {t}"}, timeout=10)
            for n, t in tokens.items()
        }
        sha = clients["blue"].get("/v1/agreement").json()["sha256"]
        for c in clients.values():
            assert c.post("/v1/agreement/adopt", json={"sha256": sha}).status_code == 200
        blue_id = clients["blue"].get("/v1/parties/me").json()["id"]
        registered = max(
            (e["seq"] for e in clients["blue"].get("/v1/events", headers=JSON).json()), default=0
        )
        r = clients["blue"].put("/v1/parties/me/webhook", json={"url": hook, "secret": SECRET})
        assert r.status_code == 200
        first = sse = SseClient(base, tokens["blue"])
        for k in range(30):
            b, rr = head_on(f"K{k:02d}", lat=35.2 + 0.05 * k)
            assert clients["blue"].post("/v1/states", json={"states": [b]}).status_code == 202
            assert clients["red"].post("/v1/states", json={"states": [rr]}).status_code == 202
            if k == 3:  # this SSE client drops off early and resumes after the restart
                wait_until(lambda: bool(first.events))
                first.close()
        wait_until(lambda: len(rx.events()) >= 1, timeout=10)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        committed = _committed_for(db, blue_id, registered)
        delivered_before = {e["id"] for e in rx.events()}
        assert len(committed - delivered_before) >= 5  # really killed mid-stream
        last_seen = max(e["seq"] for e in first.events)
        for c in clients.values():
            c.close()

        proc = start(db, port, agreement)
        wait_until(lambda: {e["id"] for e in rx.events()} >= committed, timeout=20)
        assert rx.verified()
        # An SSE client resuming from the last id it saw gets the rest, in order.
        rest = committed - seen_ids(last_seen, db)
        assert rest
        resumed = SseClient(base, tokens["blue"], after=last_seen)
        try:
            wait_until(lambda: {e["id"] for e in resumed.events} >= rest)
            seqs = [e["seq"] for e in resumed.events]
            assert seqs == sorted(seqs)
            assert seqs[0] > last_seen
        finally:
            resumed.close()
    finally:
        if sse is not None:
            sse.close()
        rx.stop()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def seen_ids(upto: int, db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT id FROM events WHERE seq <= ?", (upto,))}
