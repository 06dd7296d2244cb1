"""The hotline over HTTP: signed messages, acknowledgement, languages, keys, idempotency."""

from __future__ import annotations

from typing import Any

from skyshare.audit.signing import generate_private_key, public_key_b64, sign_object
from skyshare.hotline import phrases
from skyshare.services.keys import rotation_object
from tests.conftest import LiveServer
from tests.hotline.signer import with_keys


def events_of(live: LiveServer, name: str, type: str) -> list[dict[str, Any]]:
    r = live.clients[name].get("/v1/events", headers={"Accept": "application/json"})
    return [e["data"] for e in r.json() if e["type"] == type]


def test_round_trip_blue_to_red_reads_in_arabic_for_red(live: LiveServer) -> None:
    hot = with_keys(live)
    r = hot.send("blue", "red", template="request_climb", params={"altitude_m": 3048})
    assert r.status_code == 201, r.text
    sent = r.json()
    assert sent["from"] == live.party_ids["blue"]
    assert sent["to"] == live.party_ids["red"]
    assert sent["rendered"] == "Request your aircraft climb to 3,048 metres (10,000 feet)."
    assert sent["acknowledged_at"] is None

    [inbox] = live.clients["red"].get("/v1/messages").json()
    assert inbox["id"] == sent["id"]
    assert inbox["rendered"] == phrases.render("request_climb", {"altitude_m": 3048}, "ar")
    assert "٣٬٠٤٨" in inbox["rendered"]  # Arabic-Indic digits
    assert inbox["acknowledged_at"] is None

    # Each side hears of it once, in its own language.
    [to_red] = events_of(live, "red", "message.received")
    [to_blue] = events_of(live, "blue", "message.received")
    assert to_red["rendered"] == inbox["rendered"]
    assert to_blue["rendered"] == sent["rendered"]

    acked = hot.ack("red", sent["id"])
    assert acked.status_code == 200, acked.text
    assert acked.json()["acknowledged_at"] is not None
    [blue_view] = live.clients["blue"].get("/v1/messages").json()
    assert blue_view["acknowledged_at"] == acked.json()["acknowledged_at"]
    assert len(events_of(live, "blue", "message.acknowledged")) == 1
    assert len(events_of(live, "red", "message.acknowledged")) == 1

    # A repeated acknowledgement changes nothing and announces nothing.
    again = hot.ack("red", sent["id"])
    assert again.status_code == 200
    assert again.json()["acknowledged_at"] == acked.json()["acknowledged_at"]
    assert len(events_of(live, "blue", "message.acknowledged")) == 1


def test_free_text_is_delivered_as_written(live: LiveServer) -> None:
    hot = with_keys(live)
    text = "Two aircraft orbiting at the border.\nPlease confirm — спасибо — شكرا."
    r = hot.send("red", "blue", text=text)
    assert r.status_code == 201, r.text
    [msg] = live.clients["blue"].get("/v1/messages").json()
    assert msg["text"] == text
    assert msg["rendered"] == text
    assert msg["template"] is None


def test_the_stored_message_re_verifies_with_the_senders_key(live: LiveServer) -> None:
    hot = with_keys(live)
    body = hot.body(
        "blue", "red", template="request_turn", params={"direction": "left", "heading_deg": 270}
    )
    signed = hot.signed("blue", body)
    r = hot.client("blue").post("/v1/messages", json=signed)
    assert r.status_code == 201, r.text
    got = r.json()
    parties = {p["id"]: p for p in hot.client("red").get("/v1/parties").json()}
    from skyshare.audit.signing import verify_object

    signed_part = {k: got[k] for k in body}
    verify_object(parties[got["from"]]["public_key"], signed_part, got["signature"])


def test_resending_the_same_message_is_idempotent(live: LiveServer) -> None:
    hot = with_keys(live)
    signed = hot.signed("blue", hot.body("blue", "red"))
    first = hot.client("blue").post("/v1/messages", json=signed)
    second = hot.client("blue").post("/v1/messages", json=signed)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json() == first.json()
    assert len(live.clients["red"].get("/v1/messages").json()) == 1
    assert len(events_of(live, "red", "message.received")) == 1
    sent = live.sql("SELECT count(*) FROM audit WHERE type = 'message.sent'")
    assert sent[0][0] == 1


def test_a_different_body_under_a_used_id_is_refused(live: LiveServer) -> None:
    hot = with_keys(live)
    body = hot.body("blue", "red")
    assert hot.client("blue").post("/v1/messages", json=hot.signed("blue", body)).status_code == 201
    changed = body | {"params": {"altitude_m": 4000}}
    r = hot.client("blue").post("/v1/messages", json=hot.signed("blue", changed))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "already_exists"
    assert r.json()["error"]["field"] == "id"
    # Another party reusing the id is refused too, without seeing the first message.
    stolen = hot.body("red", "blue") | {"id": body["id"]}
    r = hot.client("red").post("/v1/messages", json=hot.signed("red", stolen))
    assert r.status_code == 409
    [stored] = live.clients["red"].get("/v1/messages").json()
    assert stored["params"] == {"altitude_m": 3048}


def test_a_message_about_a_conflict_both_are_in(live: LiveServer) -> None:
    from tests.api.bodies import new_id, notice, volume

    blue, red = live.clients["blue"], live.clients["red"]
    a = blue.put(f"/v1/notices/{new_id()}", json=notice(volume(36.0, 37.0))).json()
    b = red.put(f"/v1/notices/{new_id()}", json=notice(volume(36.0, 37.0), key=[a["ovn"]]))
    [conflict] = b.json()["conflicts"]
    hot = with_keys(live)
    r = hot.send("red", "blue", template="will_comply", params={}, conflict_id=conflict["id"])
    assert r.status_code == 201, r.text
    assert r.json()["conflict_id"] == conflict["id"]


def test_only_the_recipient_acknowledges(live: LiveServer) -> None:
    hot = with_keys(live)
    sent = hot.send("blue", "red").json()
    r = hot.ack("blue", sent["id"])
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    outsider = live.client(live.admin.headers["Authorization"].split()[1])
    assert outsider.get(f"/v1/messages/{sent['id']}").status_code == 200  # the administrator
    assert hot.client("red").get(f"/v1/messages/{sent['id']}").status_code == 200


def test_templates_list_every_phrase_in_three_languages(live: LiveServer) -> None:
    got = live.clients["blue"].get("/v1/templates").json()
    assert [t["id"] for t in got] == [t.id for t in phrases.templates()]
    for t in got:
        assert set(t) == {"id", "params", "text"}
        assert set(t["text"]) == {"en", "ar", "ru"}
    climb = next(t for t in got if t["id"] == "request_climb")
    assert climb["params"] == ["altitude_m"]
    assert {"link_test", "link_test_reply", "aircraft_in_distress"} <= {t["id"] for t in got}


def test_key_registration_then_rotation_signed_by_the_old_key(live: LiveServer) -> None:
    blue = live.clients["blue"]
    me = live.party_ids["blue"]
    old, new, thief = generate_private_key(), generate_private_key(), generate_private_key()
    r = blue.put("/v1/parties/me/key", json={"public_key": public_key_b64(old)})
    assert r.status_code == 200, r.text
    assert r.json() == {"party": me, "public_key": public_key_b64(old)}
    # The same key again changes nothing.
    assert (
        blue.put("/v1/parties/me/key", json={"public_key": public_key_b64(old)}).json() == r.json()
    )

    unsigned = blue.put("/v1/parties/me/key", json={"public_key": public_key_b64(new)})
    assert unsigned.status_code == 422
    assert unsigned.json()["error"]["code"] == "bad_signature"
    forged = {
        "public_key": public_key_b64(new),
        "signature": sign_object(thief, rotation_object(me, public_key_b64(new))),
    }
    assert blue.put("/v1/parties/me/key", json=forged).json()["error"]["code"] == "bad_signature"

    rotation = {
        "public_key": public_key_b64(new),
        "signature": sign_object(old, rotation_object(me, public_key_b64(new))),
    }
    r = blue.put("/v1/parties/me/key", json=rotation)
    assert r.status_code == 200, r.text
    assert r.json()["public_key"] == public_key_b64(new)
    listed = {p["id"]: p for p in live.clients["red"].get("/v1/parties").json()}
    assert listed[me]["public_key"] == public_key_b64(new)

    # Messages now verify with the new key only.
    hot = with_keys(live, "red")
    hot.keys["blue"] = old
    assert hot.send("blue", "red").json()["error"]["code"] == "bad_signature"
    hot.keys["blue"] = new
    assert hot.send("blue", "red").status_code == 201

    types = [e["type"] for e in live.clients["red"].get("/v1/audit").json()]
    assert types.count("party.key_registered") == 2  # blue, then red
    assert types.count("party.key_rotated") == 1


def test_audit_shows_others_entries_with_their_hash_only(live: LiveServer) -> None:
    hot = with_keys(live)
    sent = hot.send("blue", "red").json()
    admin_view = live.admin.get("/v1/audit").json()
    red_view = live.clients["red"].get("/v1/audit").json()
    assert [e["hash"] for e in red_view] == [e["hash"] for e in admin_view]
    message_entry = next(e for e in red_view if e["type"] == "message.sent")
    assert message_entry["record"]["message"] == sent["id"]
    assert message_entry["record"]["body"]["params"] == {"altitude_m": 3048}

    # A third party sees the message's entry, but not its record.
    r = live.admin.post("/v1/parties", json={"name": "green", "language": "ru"})
    green = live.client(r.json()["token"])
    green_view = green.get("/v1/audit").json()
    entry = next(e for e in green_view if e["n"] == message_entry["n"])
    assert entry["record"] is None
    assert entry["hash"] == message_entry["hash"]
    assert set(entry) == {"n", "time", "type", "prev_hash", "hash", "record"}
    assert green.get("/v1/messages").json() == []
    assert green.get(f"/v1/messages/{sent['id']}").status_code == 404

    # Paging with after.
    page = live.clients["red"].get("/v1/audit", params={"after": 2, "limit": 3}).json()
    assert [e["n"] for e in page] == [3, 4, 5]


def test_the_audit_key_and_checkpoints_are_served(live: LiveServer) -> None:
    from skyshare.audit.chain import Checkpoint, verify_checkpoints
    from skyshare.services.audit_log import checkpoint_now

    key = live.clients["blue"].get("/v1/audit/key").json()
    assert set(key) == {"public_key"}
    made = checkpoint_now(live.context)
    assert made is not None
    assert checkpoint_now(live.context) is None  # the head has not moved
    cps = live.clients["red"].get("/v1/audit/checkpoints").json()
    assert cps == [made]
    entries = {e["n"]: e["hash"] for e in live.clients["red"].get("/v1/audit").json()}
    result = verify_checkpoints(
        [Checkpoint.from_json(c) for c in cps], entries.get, key["public_key"]
    )
    assert result.ok, result.message
    assert result.checkpoints == 1


def test_messages_since_a_time(live: LiveServer) -> None:
    hot = with_keys(live)
    first = hot.send("blue", "red").json()
    second = hot.send("blue", "red").json()
    red = live.clients["red"]
    assert [m["id"] for m in red.get("/v1/messages").json()] == [first["id"], second["id"]]
    later = red.get("/v1/messages", params={"since": first["received_at"]}).json()
    assert [m["id"] for m in later] == [second["id"]]
    assert red.get("/v1/messages", params={"since": second["received_at"]}).json() == []
