"""The agreement: in force only once every listed party adopts the current version."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.bodies import new_id, notice
from tests.conftest import AGREEMENT, LiveServer, make_live


@pytest.fixture
def unadopted(tmp_path: Path, db_target: str) -> Iterator[LiveServer]:
    yield from make_live(tmp_path, AGREEMENT, adopt=False, db=db_target)


def test_notices_refused_until_all_adopt(unadopted: LiveServer) -> None:
    blue, red = unadopted.clients["blue"], unadopted.clients["red"]
    r = blue.put(f"/v1/notices/{new_id()}", json=notice())
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "agreement_not_in_force"
    assert r.json()["error"]["details"]["not_adopted_by"] == ["blue", "red"]
    sha = blue.get("/v1/agreement").json()["sha256"]
    assert blue.post("/v1/agreement/adopt", json={"sha256": sha}).json()["in_force"] is False
    assert blue.put(f"/v1/notices/{new_id()}", json=notice()).status_code == 409
    got = red.post("/v1/agreement/adopt", json={"sha256": sha}).json()
    assert got["in_force"] is True
    assert got["adopted_by"] == ["blue", "red"]
    assert blue.put(f"/v1/notices/{new_id()}", json=notice()).status_code == 201


def test_new_version_needs_adoption_again(live: LiveServer) -> None:
    current = live.admin.get("/v1/agreement").json()
    assert current["in_force"] is True
    changed = {**current["agreement"], "horizontal_m": 9260}
    body = live.admin.put("/v1/agreement", json=changed).json()
    assert body["version"] == current["version"] + 1
    assert body["in_force"] is False
    r = live.clients["blue"].post("/v1/agreement/adopt", json={"sha256": current["sha256"]})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "agreement_changed"
    # The same rules again make no new version.
    assert live.admin.put("/v1/agreement", json=changed).json()["version"] == body["version"]


def test_unlisted_party_cannot_adopt_or_file(live: LiveServer) -> None:
    token = live.admin.post("/v1/parties", json={"name": "green"}).json()["token"]
    green = live.client(token)
    sha = green.get("/v1/agreement").json()["sha256"]
    assert green.post("/v1/agreement/adopt", json={"sha256": sha}).status_code == 403
    assert green.put(f"/v1/notices/{new_id()}", json=notice()).status_code == 403


def test_strict_policy_refuses_unless_higher_priority(tmp_path: Path, db_target: str) -> None:
    for ls in make_live(tmp_path, {**AGREEMENT, "policy": "strict"}, db=db_target):
        blue, red = ls.clients["blue"], ls.clients["red"]
        a = blue.put(f"/v1/notices/{new_id()}", json=notice(priority=5)).json()
        r = red.put(f"/v1/notices/{new_id()}", json=notice(priority=5, key=[a["ovn"]]))
        assert r.status_code == 409
        assert r.json()["error"]["code"] == "conflict"
        assert r.json()["error"]["details"]["notices"] == [a["id"]]
        r = red.put(f"/v1/notices/{new_id()}", json=notice(priority=6, key=[a["ovn"]]))
        assert r.status_code == 201
        assert len(r.json()["conflicts"]) == 1
