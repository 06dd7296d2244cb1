"""Parties: the operators sharing the airspace."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LANGUAGES", "Party"]

#: Languages the hotline renders (ISO 639-1).
LANGUAGES = ("en", "ar", "ru")


@dataclass(frozen=True, slots=True)
class Party:
    id: str
    name: str
    language: str
    public_key: str | None = None
    webhook_url: str | None = None
