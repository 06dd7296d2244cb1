"""``skyshare message``: send, list and acknowledge signed hotline messages over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from skyshare.cli._common import reports_errors
from skyshare.cli._http import Api, api_options

__all__ = ["message"]

KEY_OPTION = click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The party's private key file (from `skyshare keygen`) that signs.",
)


@click.group()
def message() -> None:
    """Hotline messages: signed with the party's key, rendered in the reader's language."""


def _param(text: str) -> tuple[str, Any]:
    """``name=value``; the value is JSON where it parses (numbers), else a string."""
    from skyshare.errors import InvalidInput

    name, sep, value = text.partition("=")
    if not sep or not name:
        raise InvalidInput(f"--param {text!r} must be NAME=VALUE.", field="param")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


def _party_id(api: Api, who: str) -> str:
    """A party id from an id or a name (GET /v1/parties)."""
    from skyshare.errors import InvalidInput

    parties = api.call("GET", "/v1/parties")
    for p in parties:
        if who in (p["id"], p["name"]):
            return str(p["id"])
    names = ", ".join(sorted(p["name"] for p in parties))
    raise InvalidInput(f"--to {who!r} is neither the id nor the name of a party ({names}).")


@message.command("send")
@click.option("--to", "to", required=True, help="Recipient party: its id or its name.")
@click.option("--template", help="Standard phrase id (GET /v1/templates).")
@click.option("--param", "params", multiple=True, help="Template parameter NAME=VALUE.")
@click.option("--text", help="Free text instead of a template (at most 4 KiB).")
@click.option("--conflict", "conflict_id", help="The conflict this message is about.")
@click.option("--id", "message_id", help="Message id (a UUID; new by default). Reuse to resend.")
@KEY_OPTION
@api_options
@reports_errors
def send(
    to: str,
    template: str | None,
    params: tuple[str, ...],
    text: str | None,
    conflict_id: str | None,
    message_id: str | None,
    key_file: Path,
    url: str,
    token: str,
) -> None:
    """Sign and send a message; prints the stored message as JSON."""
    import time
    import uuid

    from skyshare.audit.signing import load_private_key, sign_object
    from skyshare.errors import InvalidInput
    from skyshare.timefmt import format_rfc3339

    if (template is None) == (text is None):
        raise InvalidInput("Give either --template (with --param) or --text.")
    if params and template is None:
        raise InvalidInput("--param goes with --template.")
    key = load_private_key(key_file)
    with Api(url, token) as api:
        body: dict[str, Any] = {
            "id": message_id or str(uuid.uuid4()),
            "to": _party_id(api, to),
            "sent_at": format_rfc3339(time.time()),
        }
        if conflict_id is not None:
            body["conflict_id"] = conflict_id
        if template is not None:
            body["template"] = template
            body["params"] = dict(_param(p) for p in params)
        else:
            body["text"] = text
        body["signature"] = sign_object(key, body)
        stored = api.call("POST", "/v1/messages", json=body)
    click.echo(json.dumps(stored, ensure_ascii=False))


@message.command("list")
@click.option("--since", help="Only messages received after this RFC 3339 time.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON array instead of lines.")
@api_options
@reports_errors
def list_(since: str | None, as_json: bool, url: str, token: str) -> None:
    """List messages to or from you, oldest first, in your language."""
    with Api(url, token) as api:
        found = api.call("GET", "/v1/messages", params={} if since is None else {"since": since})
        names = {p["id"]: p["name"] for p in api.call("GET", "/v1/parties")}
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    for m in found:
        sender = "service" if m["from"] is None else names.get(m["from"], m["from"])
        status = (
            "acknowledged"
            if m["acknowledged_at"]
            else "overdue"
            if m["overdue_at"]
            else "unacknowledged"
        )
        click.echo(
            f"{m['received_at']}  {m['id']}  {sender} -> {names.get(m['to'], m['to'])}  "
            f"[{status}]\n    {m['rendered']}"
        )


@message.command("ack")
@click.argument("message_id")
@KEY_OPTION
@api_options
@reports_errors
def ack(message_id: str, key_file: Path, url: str, token: str) -> None:
    """Acknowledge MESSAGE_ID (you must be its recipient); prints the message as JSON."""
    from skyshare.audit.signing import load_private_key, sign_object

    key = load_private_key(key_file)
    signature = sign_object(key, {"type": "ack", "message_id": message_id})
    with Api(url, token) as api:
        done = api.call(
            "POST", f"/v1/messages/{message_id}/acknowledge", json={"signature": signature}
        )
    click.echo(json.dumps(done, ensure_ascii=False))
