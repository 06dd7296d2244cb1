"""``skyshare message`` and ``skyshare audit export`` against a live server; ``party add`` keys."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner, Result

from skyshare.audit.signing import read_public_key_file
from skyshare.cli.main import cli
from skyshare.hotline import phrases
from skyshare.services.audit_log import checkpoint_now
from tests.conftest import LiveServer


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def keys_for(live: LiveServer, tmp_path: Path) -> dict[str, Path]:
    """``skyshare keygen`` for blue and red, registered through the API."""
    out = {}
    for name in ("blue", "red"):
        path = tmp_path / f"{name}.key"
        assert run("keygen", "--out", str(path)).exit_code == 0
        public = read_public_key_file(path.with_name(path.name + ".pub"))
        r = live.clients[name].put("/v1/parties/me/key", json={"public_key": public})
        assert r.status_code == 200, r.text
        out[name] = path
    return out


def as_party(live: LiveServer, name: str, *args: str) -> list[str]:
    return [*args, "--url", live.base_url, "--token", live.tokens[name]]


def test_send_list_and_acknowledge_from_the_command_line(live: LiveServer, tmp_path: Path) -> None:
    keys = keys_for(live, tmp_path)
    sent = run(
        *as_party(live, "blue", "message", "send", "--to", "red", "--key", str(keys["blue"])),
        "--template", "request_hold", "--param", "lat=35.5", "--param", "lng=36.25",
        "--param", "until_time=2026-11-24T11:30:00Z",
    )  # fmt: skip
    assert sent.exit_code == 0, sent.output
    message = json.loads(sent.output)
    assert message["params"] == {"lat": 35.5, "lng": 36.25, "until_time": "2026-11-24T11:30:00Z"}

    listed = run(*as_party(live, "red", "message", "list"))
    assert listed.exit_code == 0, listed.output
    arabic = phrases.render("request_hold", message["params"], "ar")
    assert arabic in listed.output
    assert "blue -> red" in listed.output
    assert "[unacknowledged]" in listed.output

    acked = run(*as_party(live, "red", "message", "ack", message["id"], "--key", str(keys["red"])))
    assert acked.exit_code == 0, acked.output
    assert json.loads(acked.output)["acknowledged_at"] is not None
    as_json = run(*as_party(live, "blue", "message", "list", "--json"))
    [seen] = json.loads(as_json.output)
    assert seen["acknowledged_at"] is not None


def test_refusals_exit_2_with_the_service_message(live: LiveServer, tmp_path: Path) -> None:
    keys = keys_for(live, tmp_path)
    base = as_party(live, "blue", "message", "send", "--to", "red", "--key", str(keys["red"]))
    wrong_key = run(*base, "--text", "hello")
    assert wrong_key.exit_code == 2
    assert "bad_signature" in wrong_key.output
    base = as_party(live, "blue", "message", "send", "--to", "red", "--key", str(keys["blue"]))
    missing = run(*base, "--template", "request_climb")
    assert missing.exit_code == 2
    assert "params.altitude_m" in missing.output
    assert run(*base).exit_code == 2  # neither template nor text
    unknown = run(*base[:3], "nobody", *base[4:], "--text", "hi")
    assert unknown.exit_code == 2
    assert "'nobody' is neither the id nor the name of a party" in unknown.output
    assert live.clients["red"].get("/v1/messages").json() == []


def test_a_partys_export_verifies_offline_and_tampering_shows(
    live: LiveServer, tmp_path: Path
) -> None:
    keys = keys_for(live, tmp_path)
    base = as_party(live, "blue", "message", "send", "--to", "red", "--key", str(keys["blue"]))
    assert run(*base, "--text", "first").exit_code == 0
    assert checkpoint_now(live.context) is not None
    assert run(*base, "--text", "second").exit_code == 0
    assert checkpoint_now(live.context) is not None

    out = tmp_path / "red.audit.jsonl"
    exported = run(*as_party(live, "red", "audit", "export", "--out", str(out)))
    assert exported.exit_code == 0, exported.output
    assert "2 signed checkpoints verify" in exported.output
    assert run("audit", "verify", "--export", str(out)).exit_code == 0

    lines = out.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if '"text":"second"' in line.replace(" ", ""))
    entry = json.loads(lines[index])
    entry["record"]["body"]["text"] = "third"
    lines[index] = json.dumps(entry, ensure_ascii=False)
    out.write_text("\n".join(lines) + "\n")
    r = run("audit", "verify", "--export", str(out))
    assert r.exit_code == 1
    assert r.output.startswith(f"entry {entry['n']}: hash does not match its record")


def test_party_add_registers_a_public_key(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    key = tmp_path / "ops.key"
    assert run("keygen", "--out", str(key)).exit_code == 0
    added = run("party", "add", "ops", "--public-key", f"{key}.pub", "--db", str(db))
    assert added.exit_code == 0, added.output
    public = read_public_key_file(Path(f"{key}.pub"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT public_key FROM parties").fetchall() == [(public,)]
        types = [t for (t,) in conn.execute("SELECT type FROM audit ORDER BY n")]
    assert types == ["party.added", "party.key_registered"]
    refused = run("party", "add", "ops2", "--public-key", str(key), "--db", str(db))
    assert refused.exit_code == 2
    assert "private key" in refused.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM parties").fetchone() == (1,)
    assert run("audit", "verify", "--db", str(db)).exit_code == 0
