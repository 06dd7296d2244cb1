"""Keys and signed bodies for hotline tests: each test party gets a fresh Ed25519 key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from skyshare.audit.signing import generate_private_key, public_key_b64, sign_object
from tests.conftest import LiveServer

SENT_AT = "2026-11-24T10:00:00Z"


@dataclass
class Hotline:
    """A live server whose parties have registered keys."""

    live: LiveServer
    keys: dict[str, Ed25519PrivateKey] = field(default_factory=dict)

    def client(self, name: str) -> httpx.Client:
        return self.live.clients[name]

    def body(self, sender: str, to: str, **fields: Any) -> dict[str, Any]:
        """An unsigned message body from ``sender`` to party ``to`` (a name)."""
        out: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "to": self.live.party_ids[to],
            "sent_at": SENT_AT,
        }
        if "text" not in fields and "template" not in fields:
            out |= {"template": "request_climb", "params": {"altitude_m": 3048}}
        return out | fields

    def signed(self, sender: str, body: dict[str, Any]) -> dict[str, Any]:
        return body | {"signature": sign_object(self.keys[sender], body)}

    def send(self, sender: str, to: str, **fields: Any) -> httpx.Response:
        body = self.signed(sender, self.body(sender, to, **fields))
        return self.client(sender).post("/v1/messages", json=body)

    def ack(self, name: str, message_id: str) -> httpx.Response:
        signature = sign_object(self.keys[name], {"type": "ack", "message_id": message_id})
        return self.client(name).post(
            f"/v1/messages/{message_id}/acknowledge", json={"signature": signature}
        )


def with_keys(live: LiveServer, *names: str) -> Hotline:
    """Register a fresh key for each named party (all of them by default)."""
    hot = Hotline(live)
    for name in names or tuple(live.clients):
        key = generate_private_key()
        r = live.clients[name].put("/v1/parties/me/key", json={"public_key": public_key_b64(key)})
        assert r.status_code == 200, r.text
        hot.keys[name] = key
    return hot
