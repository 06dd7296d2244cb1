"""Webhooks against a real receiver on localhost: signatures, retries, slow receivers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.live.harness import Receiver, head_on, make_fast_live, state, wait_until

SECRET = "a-secret-of-some-length"


@pytest.fixture
def srv(tmp_path: Path, db_target: str) -> Iterator[LiveServer]:
    yield from make_fast_live(tmp_path, db=db_target)


def _register(srv: LiveServer, party: str, url: str, secret: str = SECRET) -> None:
    r = srv.clients[party].put("/v1/parties/me/webhook", json={"url": url, "secret": secret})
    assert r.status_code == 200, r.text
    assert r.json() == {"url": url}


def _deliveries(srv: LiveServer, party: str, status: str | None = None) -> list[dict[str, Any]]:
    q = "" if status is None else f"?status={status}"
    r = srv.clients[party].get(f"/v1/webhook/deliveries{q}")
    assert r.status_code == 200, r.text
    out: list[dict[str, Any]] = r.json()
    return out


def _encounter(srv: LiveServer, prefix: str) -> None:
    b, r = head_on(prefix)
    assert srv.clients["blue"].post("/v1/states", json={"states": [b]}).status_code == 202
    assert srv.clients["red"].post("/v1/states", json={"states": [r]}).status_code == 202


def test_signed_deliveries_match_the_event_stream(srv: LiveServer) -> None:
    rx = Receiver(SECRET)
    _register(srv, "blue", rx.start())
    try:
        _encounter(srv, "W1")
        wait_until(lambda: any(e["type"] == "conflict.opened" for e in rx.events()))
        assert rx.verified()
        got = next(e for e in rx.events() if e["type"] == "conflict.opened")
        stream = (
            srv.clients["blue"].get("/v1/events", headers={"Accept": "application/json"}).json()
        )
        same = next(e for e in stream if e["id"] == got["id"])
        assert same == got  # the body is the event as GET /v1/events shows it
        (_, headers) = rx.received[[e["id"] for e in rx.events()].index(got["id"])]
        assert headers["X-Skyshare-Event-Id"] == got["id"]
        wait_until(lambda: _deliveries(srv, "blue", "pending") == [])
        done = _deliveries(srv, "blue", "delivered")
        assert {d["event_id"] for d in done} >= {got["id"]}
        assert all(d["attempts"] == 1 and d["last_status"] == 200 for d in done)
        assert _deliveries(srv, "red") == []  # red has no webhook
    finally:
        rx.stop()


def test_a_tampered_body_fails_verification(srv: LiveServer) -> None:
    rx = Receiver("another-secret-entirely")
    _register(srv, "blue", rx.start())
    try:
        _encounter(srv, "W2")
        wait_until(lambda: bool(rx.events()))
        assert not rx.verified()  # signed with the party's secret, not this one
    finally:
        rx.stop()


def test_retry_after_500_with_backoff(srv: LiveServer) -> None:
    rx = Receiver(SECRET, script=[500, 500])
    _register(srv, "blue", rx.start())
    try:
        _encounter(srv, "W3")
        wait_until(lambda: bool(_deliveries(srv, "blue", "failing")), timeout=5)
        failing = _deliveries(srv, "blue", "failing")[0]
        assert failing["last_error"] == "HTTP 500"
        assert failing["last_status"] == 500
        assert failing["next_attempt_at"] is not None
        wait_until(lambda: any(e["type"] == "conflict.opened" for e in rx.events()))
        d = next(x for x in _deliveries(srv, "blue") if x["id"] == failing["id"])
        wait_until(
            lambda: (
                next(x for x in _deliveries(srv, "blue") if x["id"] == d["id"])["status"]
                == "delivered"
            )
        )
        final = next(x for x in _deliveries(srv, "blue") if x["id"] == d["id"])
        assert final["attempts"] == 3
        assert final["last_error"] is None
        assert rx.verified()
    finally:
        rx.stop()


def test_slow_or_down_receivers_block_neither_ingest_nor_detection(srv: LiveServer) -> None:
    slow = Receiver(SECRET, delay_s=3.0)  # longer than the 1 s delivery timeout
    _register(srv, "blue", slow.start())
    _register(srv, "red", "http://127.0.0.1:9/down")  # nothing listens on the discard port
    try:
        for k in range(5):
            _encounter(srv, f"SL{k}")
        t0 = time.monotonic()
        for k in range(10):
            r = srv.clients["blue"].post(
                "/v1/states", json={"states": [state(f"Q{k}", 35.5, 36.5)]}
            )
            assert r.status_code == 202
        # Blocked behind the receivers, ten POSTs would take at least ten delivery timeouts.
        assert time.monotonic() - t0 < 5.0
        # Detection goes on: a new encounter is still announced over SSE at once.
        before = time.monotonic()
        _encounter(srv, "SLX")
        events = srv.clients["red"].get("/v1/events", headers={"Accept": "application/json"})
        wait_until(
            lambda: any(
                e["type"] == "conflict.opened"
                and {s["id"] for s in e["data"]["subjects"]} == {"SLX-B", "SLX-R"}
                for e in srv.clients["red"]
                .get("/v1/events", headers={"Accept": "application/json"})
                .json()
            ),
            timeout=3,
        )
        assert events.status_code == 200
        assert time.monotonic() - before < 3.0
        wait_until(
            lambda: any(
                d["last_error"] and "timed out" in d["last_error"]
                for d in _deliveries(srv, "blue", "failing")
            ),
            timeout=5,
        )
        wait_until(lambda: bool(_deliveries(srv, "red", "failing")), timeout=5)
        assert "ConnectError" in _deliveries(srv, "red", "failing")[0]["last_error"]
    finally:
        slow.stop()


def test_register_validation_and_delete_cancels(srv: LiveServer) -> None:
    bad = srv.clients["blue"].put(
        "/v1/parties/me/webhook", json={"url": "ftp://x", "secret": SECRET}
    )
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "url")
    short = srv.clients["blue"].put(
        "/v1/parties/me/webhook", json={"url": "http://127.0.0.1:9/", "secret": "short"}
    )
    assert (short.status_code, short.json()["error"]["field"]) == (422, "secret")
    extra = srv.clients["blue"].put(
        "/v1/parties/me/webhook", json={"url": "http://127.0.0.1:9/", "secret": SECRET, "x": 1}
    )
    assert extra.status_code == 422
    _register(srv, "blue", "http://127.0.0.1:9/down")
    _encounter(srv, "D1")
    wait_until(lambda: bool(_deliveries(srv, "blue", "pending,failing")))
    assert srv.clients["blue"].delete("/v1/parties/me/webhook").status_code == 200
    assert _deliveries(srv, "blue", "pending,failing") == []
    assert _deliveries(srv, "blue", "cancelled")
    r = srv.clients["blue"].get("/v1/webhook/deliveries?status=lost")
    assert (r.status_code, r.json()["error"]["field"]) == (422, "status")


def test_deliveries_start_at_the_first_registration(srv: LiveServer) -> None:
    """Events from before any webhook existed are not delivered; later ones are."""
    _encounter(srv, "W9")  # nobody has a webhook: the relay must not take the writer for it
    before = srv.clients["blue"].get("/v1/events", headers={"Accept": "application/json"}).json()
    assert before
    rx = Receiver(SECRET)
    _register(srv, "blue", rx.start())
    try:
        time.sleep(1.0)  # let the relay run over what was there
        _encounter(srv, "W10")
        wait_until(lambda: any(e["type"] == "conflict.opened" for e in rx.events()))
        old = {e["id"] for e in before}
        assert not old & {e["id"] for e in rx.events()}
    finally:
        rx.stop()
