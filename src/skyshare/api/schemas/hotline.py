"""Wire models of the hotline: messages, acknowledgements, public keys."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from skyshare.api.schemas.common import Strict

__all__ = ["AckIn", "KeyIn", "MessageIn"]


class MessageIn(Strict):
    """A signed message; ``signature`` covers the RFC 8785 JSON of every other field sent."""

    id: str = Field(max_length=36, examples=["0b5c6a8e-2f0e-4c59-9a55-0c8d7f3e1a42"])
    to: str = Field(max_length=36, description="The recipient's party id.")
    sent_at: str = Field(max_length=40, examples=["2026-11-24T10:00:00Z"])
    conflict_id: str | None = Field(default=None, max_length=36)
    template: str | None = Field(default=None, max_length=64)
    params: dict[str, Any] | None = None
    text: str | None = None
    signature: str = Field(max_length=200)


class AckIn(Strict):
    """The recipient's signature over ``{"type": "ack", "message_id": <id>}``."""

    signature: str = Field(max_length=200)


class KeyIn(Strict):
    """A public key; a rotation also carries the old key's signature (docs/hotline.md)."""

    public_key: str = Field(max_length=100)
    signature: str | None = Field(default=None, max_length=200)
