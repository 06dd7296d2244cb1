"""Conflicts: a predicted loss of separation between two subjects, with a stable identity."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from skyshare.timefmt import format_rfc3339

__all__ = ["Conflict", "ConflictKind", "ConflictStatus", "Subject", "conflict_to_json"]


class ConflictKind(StrEnum):
    STRATEGIC = "strategic"
    TACTICAL = "tactical"
    RESTRICTION = "restriction"
    NONCONFORMANCE = "nonconformance"


class ConflictStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Subject:
    """One side of a conflict: a notice, an aircraft or a restriction (party None)."""

    type: str
    id: str
    party: str | None

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "id": self.id, "party": self.party}


@dataclass(frozen=True, slots=True)
class Conflict:
    id: str
    kind: ConflictKind
    identity: str
    parties: tuple[str, ...]
    subjects: tuple[Subject, ...]
    time_start_s: float | None
    time_end_s: float | None
    tcpa_s: float | None
    min_horizontal_m: float | None
    min_vertical_m: float | None
    severity: str
    status: ConflictStatus
    acknowledged_by: tuple[str, ...] = ()
    aircraft: tuple[dict[str, Any], ...] = field(default=())
    created_at: float = 0.0
    updated_at: float = 0.0


def conflict_to_json(c: Conflict) -> dict[str, Any]:
    """The API.md Conflict object."""
    return {
        "id": c.id,
        "kind": c.kind.value,
        "parties": list(c.parties),
        "subjects": [s.to_json() for s in c.subjects],
        "time_start": None if c.time_start_s is None else format_rfc3339(c.time_start_s),
        "time_end": None if c.time_end_s is None else format_rfc3339(c.time_end_s),
        "tcpa_s": c.tcpa_s,
        "min_horizontal_m": c.min_horizontal_m,
        "min_vertical_m": c.min_vertical_m,
        "severity": c.severity,
        "status": c.status.value,
        "acknowledged_by": list(c.acknowledged_by),
        "aircraft": list(c.aircraft),
        "created_at": format_rfc3339(c.created_at),
        "updated_at": format_rfc3339(c.updated_at),
    }
