"""Request bodies of the /v1 endpoints."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from skyshare.api.schemas.common import Strict, Volume4DIn

__all__ = ["AdoptIn", "NoticeIn", "PartyIn", "RestrictionIn"]


class PartyIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    language: Literal["en", "ar", "ru"] = "en"


class AdoptIn(Strict):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class NoticeIn(Strict):
    volumes: list[Volume4DIn] = Field(min_length=1, max_length=100)
    state: Literal["accepted", "activated"] = "accepted"
    priority: int = Field(default=0, ge=0, le=1000)
    key: list[str] = Field(default_factory=list, max_length=10_000)
    ovn: str | None = Field(default=None, max_length=64)
    private: dict[str, Any] | None = None


class RestrictionIn(Strict):
    id: str | None = None
    name: str = Field(min_length=1, max_length=200)
    volumes: list[Volume4DIn] = Field(min_length=1, max_length=1000)
    source: str | None = Field(default=None, max_length=200)
    source_id: str | None = Field(default=None, max_length=200)
    type: str | None = Field(default=None, max_length=100)
