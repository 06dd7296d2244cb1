"""Live detection end to end: real server, real SQLite, real SSE clients on both sides."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.live.harness import SseClient, head_on, make_fast_live, state, wait_until


@pytest.fixture
def srv(tmp_path: Path, db_target: str) -> Iterator[LiveServer]:
    yield from make_fast_live(tmp_path, db=db_target)


def _post(srv: LiveServer, party: str, states: list[dict[str, Any]]) -> None:
    r = srv.clients[party].post("/v1/states", json={"states": states})
    assert r.status_code == 202, r.text


def _opened(identity_ids: set[str]) -> Any:
    def pred(e: dict[str, Any]) -> bool:
        return (
            e["type"] == "conflict.opened"
            and {s["id"] for s in e["data"]["subjects"]} == identity_ids
        )

    return pred


def _sse(srv: LiveServer, party: str) -> SseClient:
    c = SseClient(srv.base_url, srv.tokens[party])
    time.sleep(0.2)  # the stream is open before anything happens
    return c


def test_encounter_is_told_to_both_parties_fast(srv: LiveServer) -> None:
    blue, red = _sse(srv, "blue"), _sse(srv, "red")
    try:
        b, r = head_on("E1")
        _post(srv, "blue", [b])
        time.sleep(0.3)  # blue's aircraft alone: nothing to tell
        assert "conflict.opened" not in blue.types()
        sent = time.monotonic()
        _post(srv, "red", [r])
        got_b = blue.wait_for(_opened({"E1-B", "E1-R"}), timeout=5)
        got_r = red.wait_for(_opened({"E1-B", "E1-R"}), timeout=5)
        latency = (
            max(
                blue.received_at[blue.events.index(got_b)], red.received_at[red.events.index(got_r)]
            )
            - sent
        )
        assert latency < 1.0, latency
        c = got_b["data"]
        assert got_r["data"]["id"] == c["id"]
        assert c["kind"] == "tactical"
        assert c["status"] == "open"
        assert set(c["parties"]) == {srv.party_ids["blue"], srv.party_ids["red"]}
        assert 90 < c["tcpa_s"] < 101
        assert c["min_horizontal_m"] < 100
        assert c["min_vertical_m"] == 0.0
        assert {a["id"]: a["party"] for a in c["aircraft"]} == {
            "E1-B": srv.party_ids["blue"],
            "E1-R": srv.party_ids["red"],
        }
        for a in c["aircraft"]:
            assert set(a) == {
                "id",
                "party",
                "time",
                "lat",
                "lng",
                "altitude_m",
                "ground_speed_mps",
                "track_deg",
                "vertical_rate_mps",
            }
        # While in conflict, each party sees the other's aircraft.
        seen = {a["id"] for a in srv.clients["red"].get("/v1/aircraft").json()}
        assert seen == {"E1-B", "E1-R"}
    finally:
        blue.close()
        red.close()


def test_same_party_pairs_and_separated_levels_are_not_conflicts(srv: LiveServer) -> None:
    b1, b2 = head_on("S1")
    b2["aircraft_id"] = "S1-B2"
    _post(srv, "blue", [b1, b2])
    r = head_on("S2", lat=36.5)
    r[1]["altitude_m"] = 3000 + 400  # 400 m above: outside the 300 m vertical minimum
    _post(srv, "blue", [r[0]])
    _post(srv, "red", [r[1]])
    time.sleep(1.0)
    assert srv.clients["blue"].get("/v1/conflicts").json() == []


def test_one_conflict_id_across_cycles_then_resolved_with_hysteresis(srv: LiveServer) -> None:
    blue = _sse(srv, "blue")
    try:
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:  # both keep reporting for a dozen cycles
            b, r = head_on("H1")
            _post(srv, "blue", [b])
            _post(srv, "red", [r])
            time.sleep(0.25)
        opened = [e for e in blue.events if e["type"] == "conflict.opened"]
        assert len(opened) == 1
        cid = opened[0]["data"]["id"]
        # Blue turns away: the prediction ends, and resolution waits for three clear cycles.
        b, r = head_on("H1")
        b["track_deg"] = 270.0
        turned = time.monotonic()
        _post(srv, "blue", [b])
        _post(srv, "red", [r])
        resolved = blue.wait_for(
            lambda e: e["type"] == "conflict.resolved" and e["data"]["id"] == cid, timeout=5
        )
        assert resolved["data"]["status"] == "resolved"
        waited = blue.received_at[blue.events.index(resolved)] - turned
        assert waited >= 2 * 0.2, waited  # not on the first clear cycle
        assert [e["type"] for e in blue.events].count("conflict.opened") == 1
        listed = srv.clients["blue"].get(f"/v1/conflicts/{cid}").json()
        assert listed["status"] == "resolved"
    finally:
        blue.close()


def test_unacknowledged_conflict_escalates_once_to_both(srv: LiveServer) -> None:
    blue, red = _sse(srv, "blue"), _sse(srv, "red")
    try:
        b, r = head_on("X1")
        _post(srv, "blue", [b])
        _post(srv, "red", [r])
        cid = blue.wait_for(_opened({"X1-B", "X1-R"}))["data"]["id"]
        # Only blue acknowledges: still escalated after ack_timeout_s (2 s).
        ack = srv.clients["blue"].post(f"/v1/conflicts/{cid}/acknowledge")
        assert ack.status_code == 200
        assert ack.json()["status"] == "open"
        deadline = time.monotonic() + 4.0
        while time.monotonic() < deadline:  # both keep reporting: the encounter stays live
            b, r = head_on("X1")
            _post(srv, "blue", [b])
            _post(srv, "red", [r])
            time.sleep(0.3)
        for side in (blue, red):
            e = side.wait_for(
                lambda e: e["type"] == "conflict.escalated" and e["data"]["id"] == cid, timeout=2
            )
            assert e["data"]["acknowledged_by"] == [srv.party_ids["blue"]]
        assert blue.types().count("conflict.escalated") == 1
        assert "conflict.resolved" not in blue.types()
    finally:
        blue.close()
        red.close()


def test_acknowledged_by_both_does_not_escalate(srv: LiveServer) -> None:
    blue = _sse(srv, "blue")
    try:
        b, r = head_on("K1")
        _post(srv, "blue", [b])
        _post(srv, "red", [r])
        cid = blue.wait_for(_opened({"K1-B", "K1-R"}))["data"]["id"]
        for p in ("blue", "red"):
            srv.clients[p].post(f"/v1/conflicts/{cid}/acknowledge")
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            b, r = head_on("K1")
            _post(srv, "blue", [b])
            _post(srv, "red", [r])
            time.sleep(0.3)
        assert "conflict.escalated" not in blue.types()
        assert srv.clients["red"].get(f"/v1/conflicts/{cid}").json()["status"] == "acknowledged"
    finally:
        blue.close()


def _box_notice(lat: float, lng: float, d: float, lo: float, hi: float) -> dict[str, Any]:
    from skyshare.timefmt import format_rfc3339

    now = time.time()
    return {
        "volumes": [
            {
                "volume": {
                    "outline_polygon": {
                        "vertices": [
                            {"lat": lat - d, "lng": lng - d},
                            {"lat": lat - d, "lng": lng + d},
                            {"lat": lat + d, "lng": lng + d},
                            {"lat": lat + d, "lng": lng - d},
                        ]
                    },
                    "altitude_lower": {"value": lo, "reference": "W84", "units": "M"},
                    "altitude_upper": {"value": hi, "reference": "W84", "units": "M"},
                },
                "time_start": {"value": format_rfc3339(now - 60), "format": "RFC3339"},
                "time_end": {"value": format_rfc3339(now + 3600), "format": "RFC3339"},
            }
        ],
        "state": "activated",
        "priority": 0,
        "key": [],
    }


def test_nonconformance_for_the_owner_only(srv: LiveServer) -> None:
    import uuid

    r = srv.clients["blue"].put(
        f"/v1/notices/{uuid.uuid4()}", json=_box_notice(36.5, 37.5, 0.1, 2000, 4000)
    )
    assert r.status_code == 201, r.text
    blue, red = _sse(srv, "blue"), _sse(srv, "red")
    try:
        # N1 flies inside the notice; N2 is 0.1° outside it; N3 inside but 1,000 m too high
        # (more than the 150 m vertical buffer); red's aircraft has no notice: no judgement.
        _post(
            srv,
            "blue",
            [
                state("N1", 36.5, 37.5, gs=0.0),
                state("N2", 36.5, 37.7, gs=0.0),
                state("N3", 36.5, 37.5, alt=5000.0, gs=0.0),
                state("N4", 36.5, 37.6 + 0.002, gs=0.0),  # ~180 m outside: within the buffer
            ],
        )
        _post(srv, "red", [state("R9", 35.2, 36.2, gs=0.0)])
        got = {blue.wait_for(_opened({a}))["data"]["kind"] for a in ("N2", "N3")}
        assert got == {"nonconformance"}
        time.sleep(0.6)
        flagged = {
            e["data"]["subjects"][0]["id"] for e in blue.events if e["type"] == "conflict.opened"
        }
        assert flagged == {"N2", "N3"}
        assert not [e for e in red.events if e["type"].startswith("conflict.")]
    finally:
        blue.close()
        red.close()


def test_predicted_restriction_entry(srv: LiveServer) -> None:
    r = srv.admin.post(
        "/v1/restrictions",
        json={
            "name": "Test danger area",
            "volumes": [
                {
                    "volume": {
                        "outline_circle": {
                            "center": {"lat": 36.0, "lng": 37.6},
                            "radius": {"value": 5000, "units": "M"},
                        },
                        "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                        "altitude_upper": {"value": 4000, "reference": "W84", "units": "M"},
                    }
                }
            ],
        },
    )
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    blue = _sse(srv, "blue")
    try:
        # 200 m/s east from 37.0: the circle's edge (≈ 49 km away) in ≈ 245 s < 300 s.
        # A parallel track 0.2° north passes 22 km clear; one above 4,000 m passes over.
        _post(
            srv,
            "blue",
            [
                state("Z1", 36.0, 37.0, gs=200.0),
                state("Z2", 36.2, 37.0, gs=200.0),
                state("Z3", 36.0, 37.0, gs=200.0, alt=4500.0),
            ],
        )
        e = blue.wait_for(lambda e: e["type"] == "conflict.opened")
        c = e["data"]
        assert c["kind"] == "restriction"
        assert [s["id"] for s in c["subjects"]] == ["Z1", rid]
        assert 235 < c["tcpa_s"] < 255, c["tcpa_s"]
        time.sleep(0.6)
        assert [e["type"] for e in blue.events].count("conflict.opened") == 1
    finally:
        blue.close()


def test_aircraft_timing_out_resolves_after_hysteresis(srv: LiveServer) -> None:
    blue = _sse(srv, "blue")
    try:
        b, r = head_on("T1")
        _post(srv, "blue", [b])
        _post(srv, "red", [r])
        cid = blue.wait_for(_opened({"T1-B", "T1-R"}))["data"]["id"]
        # No more states: live for state_timeout_s (2 s), then three clear cycles.
        blue.wait_for(
            lambda e: e["type"] == "conflict.resolved" and e["data"]["id"] == cid, timeout=6
        )
        wait_until(lambda: srv.clients["blue"].get("/v1/aircraft").json() == [])
    finally:
        blue.close()
