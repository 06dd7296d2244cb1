"""Several API processes on one PostgreSQL database behave as one service."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from skyshare.services import leadership
from skyshare.store.database import plain_url
from tests.api.bodies import new_id, notice, volume
from tests.conftest import ADMIN_TOKEN
from tests.scale.harness import Cluster, Process, make_cluster

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster(pg_target: str, tmp_path: Path) -> Iterator[Cluster]:
    yield from make_cluster(pg_target, tmp_path)


def file_with_key(client: httpx.Client, nid: str, body: dict[str, Any]) -> httpx.Response:
    """The F3548 dance: file, and on ``missing_notices`` add what was missing to the key."""
    key: set[str] = set()
    for _ in range(50):
        r = client.put(f"/v1/notices/{nid}", json={**body, "key": sorted(key)})
        if r.status_code != 409 or r.json()["error"]["code"] != "missing_notices":
            return r
        key |= {m["ovn"] for m in r.json()["error"]["details"]["missing"]}
    raise AssertionError("the key never caught up")


CELLS = 12


def cell_notice(cell: int) -> dict[str, Any]:
    """Notices in one cell all overlap; cells lie about 110 km apart, far beyond the minima."""
    return notice(volume(35.2 + 0.2 * (cell % 3), 36.2 + (cell // 3) * 0.5, d=0.02))


def test_concurrent_filers_on_two_processes_never_miss_each_other(cluster: Cluster) -> None:
    """2 processes x 50 concurrent clients: every stored cross-party pair that conflicts has
    its conflict, so each later notice's key covered the earlier one (the F3548 race)."""
    procs = [cluster.start(), cluster.start()]
    start = threading.Barrier(100)

    def filer(k: int) -> list[tuple[str, str, int]]:
        party = ("blue", "red")[k % 2]
        client = cluster.client(procs[k % 2], party)
        start.wait()
        stored = []
        for j in range(2):
            cell = (k * 7 + j * 5) % CELLS
            nid = new_id()
            r = file_with_key(client, nid, cell_notice(cell))
            assert r.status_code == 201, r.text
            stored.append((nid, party, cell))
        return stored

    with ThreadPoolExecutor(100) as pool:
        filed = [n for batch in pool.map(filer, range(100)) for n in batch]
    assert len(filed) == 200

    pairs: set[frozenset[str]] = set()
    for party in ("blue", "red"):
        c = cluster.client(procs[0], party)
        for conflict in c.get("/v1/conflicts", params={"limit": 100000}).json():
            if conflict["kind"] == "strategic" and conflict["status"] != "resolved":
                pairs.add(frozenset(s["id"] for s in conflict["subjects"]))
    expected = {
        frozenset((a, b))
        for i, (a, pa, ca) in enumerate(filed)
        for b, pb, cb in filed[i + 1 :]
        if ca == cb and pa != pb
    }
    assert expected, "the scenario must produce conflicts"
    assert expected - pairs == set(), "stored notices that never saw each other"
    assert pairs - expected == set()


def sse_events(
    process: Process, token: str | None, seen: list[tuple[float, dict[str, Any]]]
) -> None:
    """Read an SSE stream forever, recording (arrival time, event) pairs."""
    headers = {"Authorization": f"Bearer {token or ADMIN_TOKEN}", "Accept": "text/event-stream"}
    with (
        httpx.Client(base_url=process.base_url, timeout=None) as c,
        c.stream("GET", "/v1/events", headers=headers) as r,
    ):
        for line in r.iter_lines():
            if line.startswith("data:"):
                seen.append((time.monotonic(), json.loads(line[5:])))


def test_an_sse_client_on_one_process_hears_events_committed_by_another(
    cluster: Cluster,
) -> None:
    writer, reader = cluster.start(), cluster.start()
    seen: list[tuple[float, dict[str, Any]]] = []
    everything: list[tuple[float, dict[str, Any]]] = []
    for token, into in ((cluster.tokens["red"], seen), (None, everything)):
        threading.Thread(target=sse_events, args=(reader, token, into), daemon=True).start()
    time.sleep(0.5)
    blue_w = cluster.client(writer, "blue")
    red_w = cluster.client(writer, "red")
    assert file_with_key(red_w, new_id(), cell_notice(0)).status_code == 201
    sent = time.monotonic()
    assert file_with_key(blue_w, new_id(), cell_notice(0)).status_code == 201
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(
        e["data"].get("kind") == "strategic" for _, e in seen
    ):
        time.sleep(0.01)
    arrivals = [t for t, e in seen if e["type"] == "conflict.opened"]
    assert arrivals, f"no conflict.opened reached the other process: {seen}"
    assert arrivals[0] - sent < 1.0  # NOTIFY, not a poll, brought it
    wait_for(lambda: len(everything) >= seen[-1][1]["seq"], 5)
    seqs = [e["seq"] for _, e in everything]
    assert seqs == list(range(1, len(seqs) + 1))  # gap-free and in order, as all see it


def leader_of(cluster: Cluster) -> str | None:
    ctx = cluster.context()
    try:
        return leadership.holder(ctx)
    finally:
        ctx.db.dispose()


def wait_for(cond: Any, timeout: float) -> float:
    """Seconds until ``cond()`` is true; fails after ``timeout``."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if cond():
            return time.monotonic() - t0
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_one_leader_and_a_standby_takes_over_within_five_seconds(cluster: Cluster) -> None:
    a = cluster.start()
    wait_for(lambda: leader_of(cluster) is not None, 10)
    first = leader_of(cluster)
    b = cluster.start()
    time.sleep(1.5)
    assert leader_of(cluster) == first  # the second process stands by
    assert first is not None
    assert first.split(":")[1] == str(a.proc.pid)
    a.kill()
    took = wait_for(lambda: leader_of(cluster) not in (None, first), 8)
    assert took <= 5.0
    second = leader_of(cluster)
    assert second is not None
    assert second.split(":")[1] == str(b.proc.pid)


def test_serve_with_workers_runs_processes_with_one_leader(cluster: Cluster) -> None:
    p = cluster.start("--workers", "3")
    blue, red = cluster.client(p, "blue"), cluster.client(p, "red")
    for _ in range(20):  # connections spread over the workers; each must serve
        assert file_with_key(blue, new_id(), cell_notice(1)).status_code == 201
    assert file_with_key(red, new_id(), cell_notice(1)).status_code == 201
    listed = red.get("/v1/conflicts", params={"limit": 1000}).json()
    assert len(listed) == 20
    wait_for(lambda: leader_of(cluster) is not None, 10)
    with psycopg.connect(plain_url(cluster.db)) as conn:
        (apps,) = conn.execute(
            "SELECT count(DISTINCT pid) FROM pg_stat_activity WHERE application_name = 'skyshare'"
        ).fetchone() or (0,)
    assert apps >= 3


def test_sigkill_during_writes_loses_nothing_acknowledged(cluster: Cluster) -> None:
    victim, survivor = cluster.start(), cluster.start()
    acked: list[str] = []
    errors: list[str] = []
    stop = threading.Event()

    def writer(process: Process, party: str, cell: int) -> None:
        client = cluster.client(process, party, timeout=5)
        while not stop.is_set():
            nid = new_id()
            try:
                r = file_with_key(client, nid, cell_notice(cell))
            except httpx.TransportError:
                continue  # the victim died mid-request: not acknowledged
            if r.status_code == 201:
                acked.append(nid)
            else:
                errors.append(r.text)

    threads = [
        threading.Thread(target=writer, args=(p, party, cell))
        for p in (victim, survivor)
        for party, cell in (("blue", 2), ("red", 2), ("blue", 3), ("red", 4))
    ]
    for t in threads:
        t.start()
    time.sleep(2.0)
    victim.kill()
    before = len(acked)
    time.sleep(2.0)
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert len(acked) > before  # the survivor kept serving after the kill
    reader = cluster.client(survivor, None)
    for nid in acked:
        r = reader.get(f"/v1/notices/{nid}")
        assert r.status_code == 200, nid
        assert r.json()["volumes"]
    ctx = cluster.context()
    with ctx.db.read() as conn:
        rows = conn.exec_driver_sql("SELECT id, volumes FROM notices").fetchall()
    ctx.db.dispose()
    assert len(rows) >= len(acked)
    for _, volumes in rows:  # nothing half-written is visible
        assert json.loads(volumes)


def test_losing_the_database_gives_503_then_reconnects(cluster: Cluster) -> None:
    p = cluster.start()
    blue = cluster.client(p, "blue")
    assert blue.get("/v1/notices").status_code == 200
    name = cluster.db.rsplit("/", 1)[1]
    admin_url = plain_url(cluster.db).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        try:
            for path in ("/v1/notices", "/v1/conflicts"):
                r = blue.get(path)
                assert r.status_code == 503, r.text
                assert r.json()["error"]["code"] == "unavailable"
            r = blue.put(f"/v1/notices/{new_id()}", json=cell_notice(5))
            assert r.status_code == 503, r.text
        finally:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    assert wait_for(lambda: blue.get("/v1/notices").status_code == 200, 10) < 10
    assert file_with_key(blue, new_id(), cell_notice(5)).status_code == 201
    assert p.proc.poll() is None  # never crashed


def test_aircraft_reported_to_different_processes_meet_in_one_detector(
    pg_target: str, tmp_path: Path
) -> None:
    """Blue reports to one process, red to another: the leader still sees both and tells both."""
    from tests.live.harness import FAST_AGREEMENT, head_on

    for cluster in make_cluster(pg_target, tmp_path, FAST_AGREEMENT):
        a, b = cluster.start(), cluster.start()
        wait_for(lambda c=cluster: leader_of(c) is not None, 10)
        seen: dict[str, list[tuple[float, dict[str, Any]]]] = {"blue": [], "red": []}
        for party, process in (("blue", a), ("red", b)):
            threading.Thread(
                target=sse_events,
                args=(process, cluster.tokens[party], seen[party]),
                daemon=True,
            ).start()
        time.sleep(0.5)
        blue_ac, red_ac = head_on("X1")
        stop = time.monotonic() + 3
        while time.monotonic() < stop:
            blue_ac, red_ac = head_on("X1")  # fresh times: the aircraft stay live
            r1 = cluster.client(a, "blue").post("/v1/states", json={"states": [blue_ac]})
            r2 = cluster.client(b, "red").post("/v1/states", json={"states": [red_ac]})
            assert (r1.status_code, r2.status_code) == (202, 202)
            if all(
                any(e["type"] == "conflict.opened" for _, e in events) for events in seen.values()
            ):
                break
            time.sleep(0.2)
        for party in ("blue", "red"):
            opened = [e for _, e in seen[party] if e["type"] == "conflict.opened"]
            assert opened, f"{party} heard of no conflict"
            assert {s["id"] for s in opened[0]["data"]["subjects"]} == {"X1-B", "X1-R"}
