"""Every endpoint's error shape, and proof that a rejected request stored nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.api.bodies import new_id, notice, volume
from tests.conftest import LiveServer

TABLES = ("notices", "restrictions", "conflicts", "events", "audit", "parties", "adoptions")


def snapshot(live: LiveServer) -> dict[str, int]:
    return {t: live.sql(f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}


def assert_error(
    r: httpx.Response, status: int, code: str, field: str | None = "?"
) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"code", "message", "field", "details"}
    assert err["code"] == code, err
    assert isinstance(err["message"], str)
    assert err["message"].endswith("."), err
    assert isinstance(err["details"], dict)
    if field != "?":
        assert err["field"] == field, err
    return dict(err)


def poly(vertices: list[tuple[float, float]]) -> dict[str, Any]:
    return {"outline_polygon": {"vertices": [{"lat": a, "lng": b} for a, b in vertices]}}


BAD_NOTICES: list[tuple[str, Any, int, str, str | None]] = [
    ("not an object", [], 422, "invalid_input", None),
    ("no volumes", {"volumes": []}, 422, "invalid_input", "volumes"),
    ("unknown field", {**notice(), "colour": "red"}, 422, "invalid_input", "colour"),
    ("string for number", notice(volume() | {}, priority="1"), 422, "invalid_input", "priority"),
    (
        "lat out of range",
        notice(volume(footprint=poly([(95, 37), (36, 37.1), (36.1, 37.1)]))),
        422,
        "invalid_input",
        "volumes[0].volume.outline_polygon.vertices[0].lat",
    ),
    (
        "lng out of range",
        notice(volume(footprint=poly([(36, 181), (36, 37.1), (36.1, 37.1)]))),
        422,
        "invalid_input",
        "volumes[0].volume.outline_polygon.vertices[0].lng",
    ),
    (
        "self-intersecting",
        notice(volume(footprint=poly([(36, 37), (36.1, 37.1), (36, 37.1), (36.1, 37)]))),
        422,
        "invalid_input",
        "volumes[0].volume.outline_polygon.vertices",
    ),
    (
        "repeated vertex",
        notice(volume(footprint=poly([(36, 37), (36, 37.1), (36, 37.1), (36.1, 37.1)]))),
        422,
        "invalid_input",
        "volumes[0].volume.outline_polygon.vertices[2]",
    ),
    (
        "degenerate",
        notice(volume(footprint=poly([(36, 37), (36.1, 37.1), (36.2, 37.2)]))),
        422,
        "invalid_input",
        "volumes[0].volume.outline_polygon.vertices",
    ),
    (
        "too many vertices",
        notice(
            volume(
                footprint=poly(
                    [
                        (
                            36 + 0.1 * __import__("math").sin(i / 1001 * 6.283),
                            37 + 0.1 * __import__("math").cos(i / 1001 * 6.283),
                        )
                        for i in range(1001)
                    ]
                )
            )
        ),
        422,
        "invalid_input",
        "volumes[0].volume.outline_polygon.vertices",
    ),
    (
        "inverted band",
        notice(volume(lo=5000, hi=4000)),
        422,
        "invalid_input",
        "volumes[0].volume.altitude_upper",
    ),
    (
        "inverted window",
        notice(volume(duration_s=-60)),
        422,
        "invalid_input",
        "volumes[0].time_end",
    ),
    (
        "naive time",
        notice(volume() | {"time_start": {"value": "2030-01-01T00:00:00", "format": "RFC3339"}}),
        422,
        "invalid_input",
        "volumes[0].time_start.value",
    ),
    ("in the past", notice(volume(start_in_s=-7200)), 422, "invalid_input", "volumes[0].time_end"),
    ("bad state", notice(state="flying"), 422, "invalid_input", "state"),
    ("negative priority", notice(priority=-1), 422, "invalid_input", "priority"),
    ("private with NaN", notice(private={"x": float("nan")}), 422, "invalid_input", None),
]


@pytest.mark.parametrize(
    ("case", "body", "status", "code", "field"), BAD_NOTICES, ids=[c[0] for c in BAD_NOTICES]
)
def test_bad_notice_is_refused_and_nothing_stored(
    live: LiveServer, case: str, body: Any, status: int, code: str, field: str | None
) -> None:
    before = snapshot(live)
    content = json.dumps(body, allow_nan=True)
    r = live.clients["blue"].put(
        f"/v1/notices/{new_id()}", content=content, headers={"Content-Type": "application/json"}
    )
    err = assert_error(r, status, code, field if field is not None else "?")
    assert err["message"]
    assert snapshot(live) == before


def test_malformed_json_is_400(live: LiveServer) -> None:
    before = snapshot(live)
    r = live.clients["blue"].put(
        f"/v1/notices/{new_id()}",
        content=b'{"volumes": [',
        headers={"Content-Type": "application/json"},
    )
    assert_error(r, 400, "malformed_json")
    assert snapshot(live) == before


def test_body_over_one_mib_is_413(live: LiveServer) -> None:
    before = snapshot(live)
    big = json.dumps(notice(private={"pad": "x" * (1024 * 1024)}))
    r = live.clients["blue"].put(
        f"/v1/notices/{new_id()}", content=big, headers={"Content-Type": "application/json"}
    )
    assert_error(r, 413, "payload_too_large")

    def chunks() -> Any:
        for _ in range(20):
            yield b" " * 100_000

    r = live.clients["blue"].put(
        f"/v1/notices/{new_id()}", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_error(r, 413, "payload_too_large")
    assert snapshot(live) == before


def test_notice_id_must_be_uuid(live: LiveServer) -> None:
    r = live.clients["blue"].put("/v1/notices/not-a-uuid", json=notice())
    assert_error(r, 422, "invalid_input", "id")


def test_auth_errors(live: LiveServer) -> None:
    anon = live.client(None)
    assert_error(anon.get("/v1/notices"), 401, "unauthorized")
    assert_error(live.client("wrong").get("/v1/notices"), 401, "unauthorized")
    bad_scheme = httpx.get(f"{live.base_url}/v1/notices", headers={"Authorization": "Basic x"})
    assert_error(bad_scheme, 401, "unauthorized")
    assert_error(live.clients["blue"].post("/v1/parties", json={"name": "x"}), 403, "forbidden")
    assert_error(live.admin.put(f"/v1/notices/{new_id()}", json=notice()), 403, "forbidden")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/notices/00000000-0000-0000-0000-000000000000"),
        ("DELETE", "/v1/notices/00000000-0000-0000-0000-000000000000?ovn=x"),
        ("GET", "/v1/conflicts/nope"),
        ("POST", "/v1/conflicts/nope/acknowledge"),
        ("GET", "/v1/restrictions/nope"),
        ("GET", "/v1/nothing-here"),
    ],
)
def test_unknown_ids_are_404(live: LiveServer, method: str, path: str) -> None:
    assert_error(live.clients["blue"].request(method, path), 404, "not_found")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "0,95,1,96"}, "bbox"),
        ({"bbox": "0,10,1,5"}, "bbox"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z"}, "to"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_bad_list_queries(live: LiveServer, params: dict[str, str], field: str) -> None:
    assert_error(
        live.clients["blue"].get("/v1/notices", params=params), 422, "invalid_input", field
    )


def test_bad_conflict_status(live: LiveServer) -> None:
    r = live.clients["blue"].get("/v1/conflicts", params={"status": "closed"})
    assert_error(r, 422, "invalid_input", "status")


def test_party_errors(live: LiveServer) -> None:
    before = snapshot(live)
    assert_error(
        live.admin.post("/v1/parties", json={"name": "blue"}), 409, "already_exists", "name"
    )
    assert_error(
        live.admin.post("/v1/parties", json={"name": "x", "language": "fr"}),
        422,
        "invalid_input",
        "language",
    )
    assert_error(
        live.admin.post("/v1/parties", json={"name": "x", "extra": 1}),
        422,
        "invalid_input",
        "extra",
    )
    assert_error(live.admin.post("/v1/parties", json={"name": ""}), 422, "invalid_input", "name")
    assert snapshot(live) == before
    r = live.admin.post("/v1/parties", json={"name": "green", "language": "ru"})
    assert r.status_code == 201
    assert set(r.json()) == {"id", "name", "language", "token"}


def test_agreement_errors(live: LiveServer) -> None:
    before = snapshot(live)
    assert_error(
        live.clients["blue"].post("/v1/agreement/adopt", json={"sha256": "0" * 64}),
        409,
        "agreement_changed",
        "sha256",
    )
    assert_error(
        live.clients["blue"].post("/v1/agreement/adopt", json={"sha256": "xyz"}),
        422,
        "invalid_input",
        "sha256",
    )
    assert_error(
        live.admin.put("/v1/agreement", json={"name": "x", "colour": 1}),
        422,
        "invalid_input",
        "colour",
    )
    current = live.admin.get("/v1/agreement").json()["agreement"]
    assert_error(
        live.admin.put("/v1/agreement", json={**current, "horizontal_m": -5}),
        422,
        "invalid_input",
        "horizontal_m",
    )
    assert_error(
        live.admin.put("/v1/agreement", json={**current, "vertical_m": "300"}),
        422,
        "invalid_input",
        "vertical_m",
    )
    assert_error(live.clients["blue"].put("/v1/agreement", json=current), 403, "forbidden")
    assert snapshot(live) == before


def test_restriction_errors(live: LiveServer) -> None:
    before = snapshot(live)
    v = volume()
    assert_error(
        live.admin.post("/v1/restrictions", json={"name": "x", "volumes": []}),
        422,
        "invalid_input",
        "volumes",
    )
    assert_error(
        live.admin.post("/v1/restrictions", json={"name": "x", "volumes": [v], "id": "1"}),
        422,
        "invalid_input",
        "id",
    )
    assert_error(
        live.admin.post("/v1/restrictions", json={"volumes": [v]}), 422, "invalid_input", "name"
    )
    assert snapshot(live) == before


def test_method_not_allowed(live: LiveServer) -> None:
    assert_error(live.clients["blue"].patch("/v1/notices"), 405, "method_not_allowed")


def test_openapi_docs_and_health_need_no_token(live: LiveServer) -> None:
    anon = live.client(None)
    assert anon.get("/openapi.json").status_code == 200
    assert anon.get("/docs").status_code == 200
    assert anon.get("/healthz").json()["status"] == "ok"
