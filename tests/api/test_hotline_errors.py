"""Every hotline and audit endpoint refuses bad input in the API.md envelope, storing nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from skyshare.audit.signing import generate_private_key, public_key_b64, sign_object
from tests.api.bodies import new_id, notice, volume
from tests.api.test_errors import assert_error
from tests.conftest import AGREEMENT, BACKENDS, LiveServer, fresh_database, make_live
from tests.hotline.signer import Hotline, with_keys

TABLES = ("messages", "audit", "events", "event_audience", "drills", "checkpoints")


@pytest.fixture(scope="module", params=BACKENDS)
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hotline]:
    """One server per backend for the module: refused requests store nothing."""
    folder = tmp_path_factory.mktemp("hotline-errors")
    for db in fresh_database(request.param, folder):
        for live in make_live(folder, AGREEMENT, db=db):
            yield with_keys(live)


@pytest.fixture
def hot(shared: Hotline) -> Hotline:
    """The shared server with a private copy of the keys a test may swap."""
    return Hotline(shared.live, dict(shared.keys))


@pytest.fixture
def live(hot: Hotline) -> LiveServer:
    return hot.live


def fresh_party(live: LiveServer) -> httpx.Client:
    """A client of a new party with no key registered."""
    r = live.admin.post("/v1/parties", json={"name": f"p-{uuid.uuid4().hex[:12]}"})
    return live.client(r.json()["token"])


def snapshot(live: LiveServer) -> dict[str, Any]:
    """Row counts of the hotline tables, and every party's key."""
    counts: dict[str, Any] = {t: live.sql(f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}
    counts["keys"] = live.sql("SELECT id, public_key FROM parties ORDER BY id")
    counts["acks"] = live.sql("SELECT id, acknowledged_at, ack_signature FROM messages ORDER BY id")
    return counts


Change = Callable[[Hotline, dict[str, Any]], dict[str, Any]]


def resign(hot: Hotline, body: dict[str, Any]) -> dict[str, Any]:
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    return hot.signed("blue", unsigned)


BAD_MESSAGES: list[tuple[str, Change, int, str, str | None]] = [
    (
        "signed by another key",
        lambda hot, b: b | {"signature": sign_object(generate_private_key(), b)},
        422,
        "bad_signature",
        "signature",
    ),
    (
        "changed after signing",
        lambda hot, b: b | {"params": {"altitude_m": 9000}},
        422,
        "bad_signature",
        "signature",
    ),
    (
        "signature not base64",
        lambda hot, b: b | {"signature": "not base64!"},
        422,
        "bad_signature",
        "signature",
    ),
    (
        "signature too short",
        lambda hot, b: b | {"signature": "AAAA"},
        422,
        "bad_signature",
        "signature",
    ),
    (
        "no signature",
        lambda hot, b: {k: v for k, v in b.items() if k != "signature"},
        422,
        "invalid_input",
        "signature",
    ),
    (
        "unknown field",
        lambda hot, b: resign(hot, b | {"priority": 1}),
        422,
        "invalid_input",
        "priority",
    ),
    (
        "sent_at a number",
        lambda hot, b: resign(hot, b | {"sent_at": 12}),
        422,
        "invalid_input",
        "sent_at",
    ),
    (
        "sent_at not RFC 3339",
        lambda hot, b: resign(hot, b | {"sent_at": "yesterday"}),
        422,
        "invalid_input",
        "sent_at",
    ),
    (
        "id not a UUID",
        lambda hot, b: resign(hot, b | {"id": "message-1"}),
        422,
        "invalid_input",
        "id",
    ),
    (
        "unknown template",
        lambda hot, b: resign(hot, b | {"template": "request_loop"}),
        422,
        "unknown_template",
        "template",
    ),
    (
        "missing param",
        lambda hot, b: resign(hot, b | {"params": {}}),
        422,
        "invalid_input",
        "params.altitude_m",
    ),
    (
        "unknown param",
        lambda hot, b: resign(hot, b | {"params": {"altitude_m": 3048, "x": 1}}),
        422,
        "invalid_input",
        "params.x",
    ),
    (
        "param out of range",
        lambda hot, b: resign(hot, b | {"params": {"altitude_m": 99999}}),
        422,
        "invalid_input",
        "params.altitude_m",
    ),
    (
        "param of the wrong type",
        lambda hot, b: resign(hot, b | {"params": {"altitude_m": "3"}}),
        422,
        "invalid_input",
        "params.altitude_m",
    ),
    (
        "template and text",
        lambda hot, b: resign(hot, b | {"text": "Climb."}),
        422,
        "invalid_input",
        "text",
    ),
    (
        "neither template nor text",
        lambda hot, b: resign(
            hot, {k: v for k, v in b.items() if k not in ("template", "params", "signature")}
        ),
        422,
        "invalid_input",
        "template",
    ),
    (
        "text over 4 KiB",
        lambda hot, b: resign(
            hot,
            {k: v for k, v in b.items() if k not in ("template", "params")} | {"text": "é" * 2049},
        ),
        422,
        "invalid_input",
        "text",
    ),
    (
        "text with a control character",
        lambda hot, b: resign(
            hot,
            {k: v for k, v in b.items() if k not in ("template", "params")}
            | {"text": "stop\x1b[2J"},
        ),
        422,
        "invalid_input",
        "text",
    ),
    (
        "unknown recipient",
        lambda hot, b: resign(hot, b | {"to": str(uuid.uuid4())}),
        422,
        "invalid_input",
        "to",
    ),
    (
        "recipient by name",
        lambda hot, b: resign(hot, b | {"to": "red"}),
        422,
        "invalid_input",
        "to",
    ),
    (
        "to oneself",
        lambda hot, b: resign(hot, b | {"to": hot.live.party_ids["blue"]}),
        422,
        "invalid_input",
        "to",
    ),
    (
        "unknown conflict",
        lambda hot, b: resign(hot, b | {"conflict_id": str(uuid.uuid4())}),
        403,
        "forbidden",
        "conflict_id",
    ),
]


@pytest.mark.parametrize(
    ("case", "change", "status", "code", "field"), BAD_MESSAGES, ids=[c[0] for c in BAD_MESSAGES]
)
def test_bad_message_is_refused_and_nothing_stored(
    hot: Hotline, case: str, change: Change, status: int, code: str, field: str | None
) -> None:
    live = hot.live
    body = change(hot, hot.signed("blue", hot.body("blue", "red")))
    before = snapshot(live)
    r = hot.client("blue").post("/v1/messages", json=body)
    assert_error(r, status, code, field)
    assert snapshot(live) == before


def test_text_of_exactly_4_kib_is_accepted(hot: Hotline) -> None:
    r = hot.send("blue", "red", text="é" * 2048)
    assert r.status_code == 201, r.text


def test_non_finite_params_are_refused(hot: Hotline) -> None:
    live = hot.live
    before = snapshot(live)
    head = f'{{"id": "{uuid.uuid4()}", "to": "{live.party_ids["red"]}", '
    raw = (
        head + '"sent_at": "2026-11-24T10:00:00Z", "template": "request_climb", '
        '"params": {"altitude_m": NaN}, "signature": "' + "A" * 86 + '=="}'
    )
    r = hot.client("blue").post(
        "/v1/messages", content=raw, headers={"Content-Type": "application/json"}
    )
    assert_error(r, 422, "invalid_input", "params.altitude_m")
    assert snapshot(live) == before


def test_sender_without_a_key_cannot_send(hot: Hotline) -> None:
    live = hot.live
    keyless = fresh_party(live)
    body = hot.body("blue", "red")
    body = body | {"signature": sign_object(generate_private_key(), body)}
    before = snapshot(live)
    err = assert_error(keyless.post("/v1/messages", json=body), 422, "bad_signature", "signature")
    assert "no public key registered" in err["message"]
    assert snapshot(live) == before


def test_conflict_the_sender_is_not_party_to(hot: Hotline) -> None:
    live = hot.live
    blue, red = live.clients["blue"], live.clients["red"]
    a = blue.put(f"/v1/notices/{new_id()}", json=notice(volume(36.0, 37.0))).json()
    b = red.put(f"/v1/notices/{new_id()}", json=notice(volume(36.0, 37.0), key=[a["ovn"]]))
    [conflict] = b.json()["conflicts"]
    token = live.admin.post("/v1/parties", json={"name": "green"}).json()["token"]
    green = live.client(token)
    green_key = generate_private_key()
    green.put("/v1/parties/me/key", json={"public_key": public_key_b64(green_key)})
    green_id = green.get("/v1/parties/me").json()["id"]
    hot.live.clients["green"] = green
    hot.live.party_ids["green"] = green_id
    hot.keys["green"] = green_key

    before = snapshot(live)
    r = hot.send("green", "blue", conflict_id=conflict["id"])
    assert_error(r, 403, "forbidden", "conflict_id")
    r = hot.send("blue", "green", conflict_id=conflict["id"])  # green is not involved
    assert_error(r, 422, "invalid_input", "to")
    assert snapshot(live) == before


def test_messages_need_a_party_token(hot: Hotline) -> None:
    live = hot.live
    body = hot.signed("blue", hot.body("blue", "red"))
    before = snapshot(live)
    assert_error(live.admin.post("/v1/messages", json=body), 403, "forbidden")
    assert_error(live.client(None).post("/v1/messages", json=body), 401, "unauthorized")
    assert_error(live.client("wrong").post("/v1/messages", json=body), 401, "unauthorized")
    r = hot.client("blue").post(
        "/v1/messages", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(r, 400, "malformed_json", None)
    assert snapshot(live) == before


def test_bad_acknowledgements_change_nothing(hot: Hotline) -> None:
    live = hot.live
    sent = hot.send("blue", "red").json()
    red = hot.client("red")
    path = f"/v1/messages/{sent['id']}/acknowledge"
    before = snapshot(live)
    forged = sign_object(generate_private_key(), {"type": "ack", "message_id": sent["id"]})
    assert_error(red.post(path, json={"signature": forged}), 422, "bad_signature", "signature")
    other = sign_object(hot.keys["red"], {"type": "ack", "message_id": str(uuid.uuid4())})
    assert_error(red.post(path, json={"signature": other}), 422, "bad_signature", "signature")
    assert_error(red.post(path, json={}), 422, "invalid_input", "signature")
    assert_error(red.post(path, json={"signature": forged, "x": 1}), 422, "invalid_input", "x")
    assert_error(hot.ack("blue", sent["id"]), 403, "forbidden")
    assert_error(hot.ack("red", str(uuid.uuid4())), 404, "not_found")
    assert_error(live.admin.post(path, json={"signature": forged}), 403, "forbidden")
    assert_error(live.client(None).post(path, json={"signature": forged}), 401, "unauthorized")
    assert snapshot(live) == before


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"public_key": "short"}, "invalid_input", "public_key"),
        ({"public_key": "A" * 42 + "B="}, "invalid_input", "public_key"),  # bad padding bits
        ({"public_key": "AAAA"}, "invalid_input", "public_key"),  # 3 bytes
        ({"public_key": 5}, "invalid_input", "public_key"),
        ({}, "invalid_input", "public_key"),
        (
            {"public_key": public_key_b64(generate_private_key()), "colour": 1},
            "invalid_input",
            "colour",
        ),
        (
            {"public_key": public_key_b64(generate_private_key()), "signature": "AAAA"},
            "invalid_input",
            "signature",
        ),  # nothing to rotate from yet
    ],
)
def test_bad_key_registration_is_refused(
    live: LiveServer, body: dict[str, Any], code: str, field: str
) -> None:
    party = fresh_party(live)
    before = snapshot(live)
    assert_error(party.put("/v1/parties/me/key", json=body), 422, code, field)
    assert snapshot(live) == before


def test_key_registration_needs_a_party(live: LiveServer) -> None:
    body = {"public_key": public_key_b64(generate_private_key())}
    before = snapshot(live)
    assert_error(live.admin.put("/v1/parties/me/key", json=body), 403, "forbidden")
    assert_error(live.client(None).put("/v1/parties/me/key", json=body), 401, "unauthorized")
    assert snapshot(live) == before


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/audit", {"after": -1}, "after"),
        ("/v1/audit", {"after": "x"}, "after"),
        ("/v1/audit", {"limit": 0}, "limit"),
        ("/v1/audit/checkpoints", {"after": -1}, "after"),
        ("/v1/messages", {"since": "yesterday"}, "since"),
        ("/v1/messages", {"limit": 100_000}, "limit"),
        ("/v1/drills", {"limit": 0}, "limit"),
    ],
)
def test_bad_queries_name_the_parameter(
    live: LiveServer, path: str, params: dict[str, Any], field: str
) -> None:
    assert_error(live.clients["blue"].get(path, params=params), 422, "invalid_input", field)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/messages",
        "/v1/templates",
        "/v1/drills",
        "/v1/audit",
        "/v1/audit/checkpoints",
        "/v1/audit/key",
        "/v1/messages/00000000-0000-4000-8000-000000000000",
    ],
)
def test_reads_need_a_token(live: LiveServer, path: str) -> None:
    assert_error(live.client(None).get(path), 401, "unauthorized")
