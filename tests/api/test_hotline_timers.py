"""Background loops with short timeouts: overdue messages, link-test drills, checkpoints."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from skyshare.api.app import Settings
from skyshare.audit.chain import Checkpoint, verify_checkpoints
from skyshare.audit.signing import verify_object
from skyshare.hotline import phrases
from skyshare.services.hotline_workers import hotline_workers
from tests.conftest import AGREEMENT, LiveServer, make_live
from tests.hotline.signer import with_keys

T = TypeVar("T")
FAST = Settings(workers=hotline_workers(checkpoint_every_s=0.2, tick_s=0.05))


def wait_for(probe: Callable[[], T | None], timeout_s: float = 10.0) -> T:
    """Poll until ``probe`` returns something truthy; fail loudly after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = probe()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"nothing after {timeout_s} s")


@pytest.fixture
def quick(tmp_path: Path, db_target: str) -> Iterator[LiveServer]:
    """Messages go overdue after 1 s; no drills."""
    yield from make_live(tmp_path, AGREEMENT | {"ack_timeout_s": 1}, settings=FAST, db=db_target)


@pytest.fixture
def drilled(tmp_path: Path, db_target: str) -> Iterator[LiveServer]:
    """One drill round at once (the next only after an hour); 2 s to acknowledge."""
    agreement = AGREEMENT | {"ack_timeout_s": 2, "drill_every_s": 3600}
    yield from make_live(tmp_path, agreement, settings=FAST, db=db_target)


def events(live: LiveServer, name: str, type: str) -> list[dict[str, Any]]:
    r = live.clients[name].get("/v1/events", headers={"Accept": "application/json"})
    return [e["data"] for e in r.json() if e["type"] == type]


def test_an_unacknowledged_message_goes_overdue_for_both_sides(quick: LiveServer) -> None:
    hot = with_keys(quick)
    late = hot.send("blue", "red").json()
    answered = hot.send("blue", "red").json()
    assert hot.ack("red", answered["id"]).status_code == 200
    assert events(quick, "blue", "message.overdue") == []  # not before ack_timeout_s

    overdue = wait_for(lambda: events(quick, "blue", "message.overdue"))
    assert [m["id"] for m in overdue] == [late["id"]]
    [to_red] = wait_for(lambda: events(quick, "red", "message.overdue"))
    assert to_red["id"] == late["id"]
    assert to_red["rendered"] != overdue[0]["rendered"]  # Arabic for red, English for blue
    listed = {m["id"]: m for m in quick.clients["blue"].get("/v1/messages").json()}
    assert listed[late["id"]]["overdue_at"] is not None
    assert listed[answered["id"]]["overdue_at"] is None
    time.sleep(0.3)
    assert len(events(quick, "blue", "message.overdue")) == 1  # announced once


def test_checkpoints_are_signed_as_the_chain_grows(quick: LiveServer) -> None:
    hot = with_keys(quick)
    key = quick.clients["red"].get("/v1/audit/key").json()["public_key"]
    first = wait_for(lambda: quick.clients["red"].get("/v1/audit/checkpoints").json())
    hot.send("blue", "red")
    head = quick.clients["red"].get("/v1/audit").json()[-1]
    cps = wait_for(
        lambda: [
            c
            for c in quick.clients["red"].get("/v1/audit/checkpoints").json()
            if c["n"] >= head["n"]
        ]
    )
    every = quick.clients["red"].get("/v1/audit/checkpoints").json()
    assert len(every) > len(first)
    hashes = {e["n"]: e["hash"] for e in quick.clients["red"].get("/v1/audit").json()}
    result = verify_checkpoints([Checkpoint.from_json(c) for c in every], hashes.get, key)
    assert result.ok, result.message
    assert cps[0]["hash"] == hashes[cps[0]["n"]]


def test_drills_are_sent_signed_acknowledged_or_missed(drilled: LiveServer) -> None:
    hot = with_keys(drilled)
    ids = drilled.party_ids
    drills = wait_for(lambda: drilled.clients["red"].get("/v1/drills").json())
    assert {d["party"] for d in drills} == {ids["blue"], ids["red"]}
    assert all(d["status"] == "pending" for d in drills)

    [red_test] = drilled.clients["red"].get("/v1/messages").json()
    assert red_test["from"] is None  # sent by the service
    assert red_test["template"] == "link_test"
    assert red_test["rendered"] == phrases.render("link_test", red_test["params"], "ar")
    service_key = drilled.clients["red"].get("/v1/audit/key").json()["public_key"]
    signed = {k: red_test[k] for k in ("id", "to", "sent_at", "template", "params")}
    verify_object(service_key, signed, red_test["signature"])

    assert hot.ack("red", red_test["id"]).status_code == 200
    done = wait_for(
        lambda: [d for d in drilled.clients["blue"].get("/v1/drills").json() if d["missed"]]
    )
    by_party = {d["party"]: d for d in drilled.clients["blue"].get("/v1/drills").json()}
    assert [d["party"] for d in done] == [ids["blue"]]
    assert by_party[ids["blue"]]["status"] == "missed"
    assert by_party[ids["blue"]]["acknowledged_at"] is None
    assert by_party[ids["red"]]["status"] == "acknowledged"
    latency = by_party[ids["red"]]["latency_s"]
    assert isinstance(latency, float)
    assert 0 <= latency < 2
    assert len(drills) == 2  # one round only: the next is an hour away
    types = [e["type"] for e in drilled.clients["red"].get("/v1/audit").json()]
    assert types.count("drill.sent") == 2
    assert types.count("drill.missed") == 1


def test_the_head_is_signed_once_more_at_shutdown(tmp_path: Path) -> None:
    import sqlite3

    hourly = Settings(workers=hotline_workers(checkpoint_every_s=3600, tick_s=0.05))
    server = make_live(tmp_path, AGREEMENT, settings=hourly)
    live = next(server)
    hot = with_keys(live)
    assert hot.send("blue", "red").status_code == 201
    for _ in server:  # stops the server
        pass
    with sqlite3.connect(live.db_path) as conn:
        (head,) = conn.execute("SELECT max(n) FROM audit").fetchone()
        signed = [n for (n,) in conn.execute("SELECT n FROM checkpoints ORDER BY n")]
    assert signed[-1] == head  # the message and everything before it is covered
