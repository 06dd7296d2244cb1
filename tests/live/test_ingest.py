"""POST /v1/states: validation with field paths, ownership, ordering, and nothing stored."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.live.harness import make_fast_live, state


@pytest.fixture
def srv(tmp_path: Path, db_target: str) -> Iterator[LiveServer]:
    yield from make_fast_live(tmp_path, workers=False, db=db_target)


def _count(srv: LiveServer, table: str) -> int:
    n = srv.sql(f"SELECT count(*) FROM {table}")[0][0]
    assert isinstance(n, int)
    return n


def _post(srv: LiveServer, party: str, states: list[dict[str, Any]]) -> Any:
    return srv.clients[party].post("/v1/states", json={"states": states})


def test_accepts_a_batch_and_lists_own_aircraft(srv: LiveServer) -> None:
    r = _post(srv, "blue", [state("B1", 36.0, 37.0), state("B2", 36.1, 37.1)])
    assert r.status_code == 202, r.text
    assert r.json() == {"accepted": 2, "ignored": 0}
    assert _count(srv, "states") == 2
    mine = srv.clients["blue"].get("/v1/aircraft").json()
    assert [a["id"] for a in mine] == ["B1", "B2"]
    assert set(mine[0]) == {
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
    assert srv.clients["red"].get("/v1/aircraft").json() == []  # no conflict: not shared


BAD_FIELDS: list[tuple[dict[str, Any], str]] = [
    ({"lat": 91.0}, "states[1].lat"),
    ({"lng": -180.5}, "states[1].lng"),
    ({"ground_speed_mps": -1.0}, "states[1].ground_speed_mps"),
    ({"altitude_m": "3000"}, "states[1].altitude_m"),
    ({"track_deg": True}, "states[1].track_deg"),
    ({"callsign": "RED07"}, "states[1].callsign"),
    ({"time": "2026-11-24T10:00:00"}, "states[1].time"),
    ({"aircraft_id": ""}, "states[1].aircraft_id"),
]


def test_bad_state_names_its_field_and_stores_nothing(srv: LiveServer) -> None:
    for bad, field in BAD_FIELDS:
        r = _post(srv, "blue", [state("B1", 36.0, 37.0), {**state("B2", 36.0, 37.0), **bad}])
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert (err["code"], err["field"]) == ("invalid_input", field)
    assert _count(srv, "states") == 0
    assert _count(srv, "aircraft") == 0


def test_missing_field_and_non_finite_numbers(srv: LiveServer) -> None:
    s = state("B1", 36.0, 37.0)
    del s["vertical_rate_mps"]
    r = _post(srv, "blue", [s])
    assert (r.status_code, r.json()["error"]["field"]) == (422, "states[0].vertical_rate_mps")
    body = json.dumps({"states": [state("B1", 36.0, 37.0)]}).replace("3000.0", "NaN")
    r = srv.clients["blue"].post(
        "/v1/states", content=body, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422
    assert "Non-finite" in r.json()["error"]["message"]
    assert _count(srv, "states") == 0


def test_limits_count_size_and_shape(srv: LiveServer) -> None:
    many = [state(f"B{i}", 36.0, 37.0) for i in range(10_001)]
    r = _post(srv, "blue", many)
    assert (r.status_code, r.json()["error"]["field"]) == (422, "states")
    assert r.json()["error"]["details"] == {"limit": 10_000, "count": 10_001}
    huge = b'{"states": [' + b" " * (8 * 1024 * 1024) + b"]}"
    r = srv.clients["blue"].post(
        "/v1/states", content=huge, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413
    r = srv.clients["blue"].post("/v1/states", json={"states": [], "extra": 1})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "extra")
    r = srv.clients["blue"].post(
        "/v1/states", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert (r.status_code, r.json()["error"]["code"]) == (400, "bad_request")
    r = srv.clients["blue"].post("/v1/states", content=b"a,b", headers={"Content-Type": "text/csv"})
    assert r.status_code == 415
    assert _count(srv, "states") == 0


def test_ndjson_and_its_errors(srv: LiveServer) -> None:
    lines = "\n".join(json.dumps(state(f"B{i}", 36.0, 37.0)) for i in range(3)) + "\n"
    r = srv.clients["blue"].post(
        "/v1/states", content=lines, headers={"Content-Type": "application/x-ndjson"}
    )
    assert r.status_code == 202
    assert r.json()["accepted"] == 3
    bad = lines + '{"aircraft_id": "B9", "lat": \n'
    r = srv.clients["blue"].post(
        "/v1/states", content=bad, headers={"Content-Type": "application/x-ndjson"}
    )
    assert r.status_code == 400
    assert r.json()["error"]["details"] == {"line": 4}
    wrong = json.dumps({**state("B7", 36.0, 37.0), "lat": 99})
    r = srv.clients["blue"].post(
        "/v1/states",
        content=lines + wrong,
        headers={"Content-Type": "application/x-ndjson; charset=utf-8"},
    )
    assert (r.status_code, r.json()["error"]["field"]) == (422, "states[3].lat")
    assert _count(srv, "states") == 3


def test_aircraft_belongs_to_its_first_reporter(srv: LiveServer) -> None:
    assert _post(srv, "blue", [state("B1", 36.0, 37.0)]).status_code == 202
    r = _post(srv, "red", [state("R1", 36.0, 37.5), state("B1", 36.0, 37.5)])
    assert r.status_code == 403
    assert r.json()["error"]["field"] == "states[1].aircraft_id"
    assert _count(srv, "states") == 1
    assert _count(srv, "aircraft") == 1
    admin = srv.admin.post("/v1/states", json={"states": [state("A1", 36.0, 37.0)]})
    assert admin.status_code == 403


def test_out_of_order_states_are_ignored(srv: LiveServer) -> None:
    now = time.time()
    # One request may carry a short track; it is stored in time order whatever its order.
    r = _post(srv, "blue", [state("B1", 36.0, 37.0, t=now), state("B1", 35.9, 37.0, t=now - 5)])
    assert r.json() == {"accepted": 2, "ignored": 0}
    r = _post(srv, "blue", [state("B1", 35.8, 37.0, t=now - 1)])
    assert r.json() == {"accepted": 0, "ignored": 1}
    r = _post(srv, "blue", [state("B1", 36.2, 37.0, t=now + 1), state("B1", 36.1, 37.0, t=now)])
    assert r.json() == {"accepted": 1, "ignored": 1}
    (latest,) = srv.clients["blue"].get("/v1/aircraft").json()
    assert latest["lat"] == 36.2
    assert _count(srv, "states") == 3


def test_future_beyond_tolerance_is_refused(srv: LiveServer) -> None:
    now = time.time()
    r = _post(srv, "blue", [state("B1", 36.0, 37.0, t=now), state("B2", 36.0, 37.0, t=now + 60)])
    assert (r.status_code, r.json()["error"]["field"]) == (422, "states[1].time")
    assert _count(srv, "states") == 0
    assert _post(srv, "blue", [state("B2", 36.0, 37.0, t=now + 2)]).status_code == 202


def test_states_need_an_agreement_in_force(tmp_path: Path) -> None:
    from tests.conftest import make_live
    from tests.live.harness import FAST_AGREEMENT

    for srv in make_live(tmp_path, FAST_AGREEMENT, adopt=False):
        r = _post(srv, "blue", [state("B1", 36.0, 37.0)])
        assert (r.status_code, r.json()["error"]["code"]) == (409, "agreement_not_in_force")
