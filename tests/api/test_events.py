"""Events from the outbox: JSON pages, Server-Sent Events, resumption, audience."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx

from tests.api.bodies import new_id, notice
from tests.conftest import LiveServer


def read_sse(
    client: httpx.Client,
    n: int,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    timeout_s: float = 10,
) -> list[dict[str, Any]]:
    """The first ``n`` events of a stream, parsed from the SSE wire format."""
    out: list[dict[str, Any]] = []
    current: dict[str, str] = {}
    deadline = time.monotonic() + timeout_s
    with client.stream(
        "GET", "/v1/events", headers=headers or {}, params=params, timeout=timeout_s
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if time.monotonic() > deadline:
                break
            if not line.strip():
                if "data" in current:
                    out.append(
                        {
                            "id": current.get("id"),
                            "event": current.get("event"),
                            "data": json.loads(current["data"]),
                        }
                    )
                    if len(out) >= n:
                        break
                current = {}
                continue
            if line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            current[key] = value[1:] if value.startswith(" ") else value
    return out


def test_json_page_has_the_event_shape(live: LiveServer) -> None:
    live.clients["blue"].put(f"/v1/notices/{new_id()}", json=notice())
    events = live.clients["blue"].get("/v1/events", headers={"Accept": "application/json"}).json()
    assert events
    e = events[-1]
    assert set(e) == {"seq", "id", "type", "time", "data"}
    assert e["type"] == "notice.created"
    assert e["time"].endswith("Z")
    seqs = [x["seq"] for x in events]
    assert seqs == sorted(seqs)
    later = (
        live.clients["blue"]
        .get("/v1/events", params={"after": seqs[-1]}, headers={"Accept": "application/json"})
        .json()
    )
    assert later == []


def test_sse_delivers_live_and_resumes(live: LiveServer) -> None:
    blue = live.clients["blue"]
    start = blue.get("/v1/events", headers={"Accept": "application/json"}).json()
    after = start[-1]["seq"] if start else 0
    got: list[dict[str, Any]] = []

    def listen() -> None:
        got.extend(read_sse(live.client(live.tokens["red"]), 2, params={"after": after}))

    t = threading.Thread(target=listen)
    t.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    blue.put(f"/v1/notices/{new_id()}", json=notice())
    blue.put(f"/v1/notices/{new_id()}", json=notice())
    t.join(timeout=10)
    assert time.monotonic() - t0 < 5
    assert [e["event"] for e in got] == ["notice.created", "notice.created"]
    assert all(e["data"]["type"] == "notice.created" for e in got)
    assert "private" not in got[0]["data"]["data"]  # red sees blue's notice redacted
    first = int(got[0]["id"])
    resumed = read_sse(live.client(live.tokens["red"]), 1, headers={"Last-Event-ID": str(first)})
    assert resumed[0]["id"] == got[1]["id"]


def test_events_are_only_for_their_audience(live: LiveServer) -> None:
    live.clients["blue"].put(f"/v1/notices/{new_id()}", json=notice(private={"p": 1}))
    red = live.clients["red"].get("/v1/events", headers={"Accept": "application/json"}).json()
    blue = live.clients["blue"].get("/v1/events", headers={"Accept": "application/json"}).json()
    assert next(e for e in red if e["type"] == "notice.created")["data"].get("private") is None
    assert next(e for e in blue if e["type"] == "notice.created")["data"]["private"] == {"p": 1}
    assert not {e["seq"] for e in red} & {e["seq"] for e in blue if e["type"] == "notice.created"}


def test_bad_last_event_id(live: LiveServer) -> None:
    r = live.clients["blue"].get("/v1/events", headers={"Last-Event-ID": "abc"})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "Last-Event-ID"
