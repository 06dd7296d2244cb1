"""Advance notices of flight activity (ASTM F3548-21 operational intents)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from skyshare.model.volume import Volume4D, volume_to_json
from skyshare.timefmt import format_rfc3339

__all__ = ["Notice", "NoticeDocument", "NoticeState", "notice_owner_json", "notice_public_json"]


class NoticeState(StrEnum):
    ACCEPTED = "accepted"
    ACTIVATED = "activated"
    ENDED = "ended"
    NONCONFORMING = "nonconforming"
    CONTINGENT = "contingent"


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice as stored; ``private`` is the owner's alone and never leaves redaction."""

    id: str
    owner: str
    state: NoticeState
    priority: int
    ovn: str
    late: bool
    volumes: tuple[Volume4D, ...]
    private: dict[str, Any] | None
    created_at: float
    updated_at: float

    @property
    def time_start_s(self) -> float:
        return min(v.time_start_s for v in self.volumes if v.time_start_s is not None)


@dataclass(frozen=True, slots=True)
class NoticeDocument:
    """A stored notice to show, its volumes kept as the F3548 JSON they are stored as.

    A listing shows dozens of notices: parsing each volume into engine types only to write
    it back as the same JSON cost most of a bbox read. The stored text is what
    :func:`volume_to_json` wrote, so the documents are the ones a :class:`Notice` gives.
    """

    id: str
    owner: str
    state: NoticeState
    priority: int
    ovn: str
    late: bool
    volumes: list[dict[str, Any]]
    private: dict[str, Any] | None
    created_at: float
    updated_at: float


def notice_public_json(n: Notice | NoticeDocument) -> dict[str, Any]:
    """What every party sees of a notice (API.md): no private fields, no filing details."""
    return {
        "id": n.id,
        "owner": n.owner,
        "state": n.state.value,
        "priority": n.priority,
        "ovn": n.ovn,
        "volumes": (
            n.volumes if isinstance(n, NoticeDocument) else [volume_to_json(v) for v in n.volumes]
        ),
    }


def notice_owner_json(n: Notice | NoticeDocument) -> dict[str, Any]:
    """What the owner sees: everything, ``private`` included."""
    return {
        **notice_public_json(n),
        "late": n.late,
        "private": n.private,
        "created_at": format_rfc3339(n.created_at),
        "updated_at": format_rfc3339(n.updated_at),
    }
