"""Strategic coordination over HTTP: version keys, conflicts, redaction, replace, delete."""

from __future__ import annotations

from tests.api.bodies import HOUR, new_id, notice, volume
from tests.conftest import LiveServer


def test_file_a_notice_returns_owner_view(live: LiveServer) -> None:
    nid = new_id()
    r = live.clients["blue"].put(f"/v1/notices/{nid}", json=notice(private={"callsign": "B1"}))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] == nid
    assert body["owner"] == live.party_ids["blue"]
    assert body["private"] == {"callsign": "B1"}
    assert body["conflicts"] == []
    assert body["late"] is False
    assert body["ovn"]


def test_conflicting_notice_needs_the_key_then_opens_one_conflict(live: LiveServer) -> None:
    blue, red = live.clients["blue"], live.clients["red"]
    a = blue.put(f"/v1/notices/{new_id()}", json=notice(volume(36.0, 37.0))).json()
    rid = new_id()
    r = red.put(f"/v1/notices/{rid}", json=notice(volume(36.05, 37.05)))
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "missing_notices"
    assert [m["id"] for m in err["details"]["missing"]] == [a["id"]]
    assert err["details"]["missing"][0]["ovn"] == a["ovn"]
    assert red.get(f"/v1/notices/{rid}").status_code == 404  # nothing stored

    r = red.put(f"/v1/notices/{rid}", json=notice(volume(36.05, 37.05), key=[a["ovn"]]))
    assert r.status_code == 201, r.text
    conflicts = r.json()["conflicts"]
    assert len(conflicts) == 1
    c = conflicts[0]
    assert c["kind"] == "strategic"
    assert c["status"] == "open"
    assert sorted(c["parties"]) == sorted(live.party_ids.values())
    assert {s["id"] for s in c["subjects"]} == {a["id"], rid}
    assert c["min_horizontal_m"] == 0.0
    # Both sides are told.
    for name in ("blue", "red"):
        seen = live.clients[name].get("/v1/conflicts", params={"status": "open"}).json()
        assert [x["id"] for x in seen] == [c["id"]]
        events = live.clients[name].get("/v1/events", headers={"Accept": "application/json"}).json()
        assert [e["data"]["id"] for e in events if e["type"] == "conflict.opened"] == [c["id"]]


def test_far_apart_in_space_time_or_altitude_do_not_conflict(live: LiveServer) -> None:
    blue, red = live.clients["blue"], live.clients["red"]
    blue.put(f"/v1/notices/{new_id()}", json=notice(volume(36.0, 37.0, d=0.05)))
    cases = [
        volume(36.0, 37.2, d=0.05),  # ~8.9 km gap between edges > 5,556 m
        volume(36.0, 37.0, d=0.05, lo=6400, hi=7000),  # 400 m above > 300 m
        volume(36.0, 37.0, d=0.05, start_in_s=3 * HOUR + 400),  # 400 s after > 300 s
    ]
    for v in cases:
        r = red.put(f"/v1/notices/{new_id()}", json=notice(v))
        assert r.status_code == 201, r.text
        assert r.json()["conflicts"] == []


def test_other_party_sees_redacted_notice(live: LiveServer) -> None:
    nid = new_id()
    live.clients["blue"].put(f"/v1/notices/{nid}", json=notice(private={"purpose": "secret"}))
    theirs = live.clients["red"].get(f"/v1/notices/{nid}").json()
    assert set(theirs) == {"id", "owner", "state", "priority", "ovn", "volumes"}
    listed = live.clients["red"].get("/v1/notices").json()
    assert [set(n) for n in listed] == [{"id", "owner", "state", "priority", "ovn", "volumes"}]
    mine = live.clients["blue"].get(f"/v1/notices/{nid}").json()
    assert mine["private"] == {"purpose": "secret"}


def test_replace_needs_current_ovn_and_resolves_vanished_conflicts(live: LiveServer) -> None:
    blue, red = live.clients["blue"], live.clients["red"]
    a = blue.put(f"/v1/notices/{new_id()}", json=notice(volume(36.0, 37.0))).json()
    rid = new_id()
    b = red.put(f"/v1/notices/{rid}", json=notice(volume(36.0, 37.0), key=[a["ovn"]])).json()
    [c] = b["conflicts"]
    stale = red.put(f"/v1/notices/{rid}", json=notice(volume(36.0, 38.0), ovn="nope"))
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale_ovn"
    foreign = blue.put(f"/v1/notices/{rid}", json=notice(volume(36.0, 38.0), ovn=b["ovn"]))
    assert foreign.status_code == 403
    moved = red.put(f"/v1/notices/{rid}", json=notice(volume(36.0, 38.0), ovn=b["ovn"]))
    assert moved.status_code == 200, moved.text
    assert moved.json()["ovn"] != b["ovn"]
    assert moved.json()["conflicts"] == []
    after = blue.get(f"/v1/conflicts/{c['id']}").json()
    assert after["status"] == "resolved"


def test_delete_needs_ovn_and_resolves(live: LiveServer) -> None:
    blue, red = live.clients["blue"], live.clients["red"]
    aid = new_id()
    a = blue.put(f"/v1/notices/{aid}", json=notice()).json()
    b = red.put(f"/v1/notices/{new_id()}", json=notice(key=[a["ovn"]])).json()
    assert blue.delete(f"/v1/notices/{aid}", params={"ovn": "x"}).status_code == 409
    assert red.delete(f"/v1/notices/{aid}", params={"ovn": a["ovn"]}).status_code == 403
    r = blue.delete(f"/v1/notices/{aid}", params={"ovn": a["ovn"]})
    assert r.status_code == 200
    assert blue.get(f"/v1/notices/{aid}").status_code == 404
    c = red.get(f"/v1/conflicts/{b['conflicts'][0]['id']}").json()
    assert c["status"] == "resolved"
    # A new notice over the same place no longer needs the deleted one's ovn.
    r = red.put(f"/v1/notices/{new_id()}", json=notice(key=[b["ovn"]]))
    assert r.status_code == 201


def test_late_notice_is_flagged_and_others_told(live: LiveServer) -> None:
    r = live.clients["blue"].put(f"/v1/notices/{new_id()}", json=notice(volume(start_in_s=600)))
    assert r.json()["late"] is True
    events = live.clients["red"].get("/v1/events", headers={"Accept": "application/json"}).json()
    assert "notice.late" in [e["type"] for e in events]


def test_acknowledge_by_both_parties(live: LiveServer) -> None:
    blue, red = live.clients["blue"], live.clients["red"]
    a = blue.put(f"/v1/notices/{new_id()}", json=notice()).json()
    [c] = red.put(f"/v1/notices/{new_id()}", json=notice(key=[a["ovn"]])).json()["conflicts"]
    one = blue.post(f"/v1/conflicts/{c['id']}/acknowledge")
    assert one.status_code == 200
    assert one.json()["status"] == "open"
    assert one.json()["acknowledged_by"] == [live.party_ids["blue"]]
    two = red.post(f"/v1/conflicts/{c['id']}/acknowledge").json()
    assert two["status"] == "acknowledged"
    assert live.admin.post(f"/v1/conflicts/{c['id']}/acknowledge").status_code == 403


def test_bbox_and_time_queries(live: LiveServer) -> None:
    blue = live.clients["blue"]
    near = blue.put(f"/v1/notices/{new_id()}", json=notice(volume(36.0, 37.0))).json()
    far = blue.put(f"/v1/notices/{new_id()}", json=notice(volume(37.0, 38.0))).json()
    got = blue.get("/v1/notices", params={"bbox": "36.8,35.8,37.2,36.2"}).json()
    assert [n["id"] for n in got] == [near["id"]]
    got = blue.get("/v1/notices", params={"bbox": "36,35,38.5,37.3"}).json()
    assert [n["id"] for n in got] == [near["id"], far["id"]]
    got = blue.get(
        "/v1/notices",
        params={
            "bbox": "36,35,38.5,37.3",
            "from": "2000-01-01T00:00:00Z",
            "to": "2000-01-02T00:00:00Z",
        },
    ).json()
    assert got == []


def test_restriction_conflicts_with_notice(live: LiveServer) -> None:
    v = volume(36.0, 37.0)
    del v["time_start"], v["time_end"]
    r = live.admin.post("/v1/restrictions", json={"name": "R1", "volumes": [v]})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    n = live.clients["blue"].put(f"/v1/notices/{new_id()}", json=notice(volume(36.0, 37.0))).json()
    [c] = n["conflicts"]
    assert c["kind"] == "restriction"
    assert {"type": "restriction", "id": rid, "party": None} in c["subjects"]
    assert (
        live.clients["blue"]
        .post("/v1/restrictions", json={"name": "x", "volumes": [v]})
        .status_code
        == 403
    )
