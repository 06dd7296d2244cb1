"""The agreement: the one written set of rules every listed party adopts.

Its identity is the SHA-256 of the RFC 8785 canonical JSON of its fields with defaults
filled in, so two parties holding the same rules hold the same hash.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

import rfc8785

from skyshare.errors import InvalidInput
from skyshare.model.volume import LatLng, check_polygon

__all__ = ["Agreement", "Policy", "agreement_from_mapping"]


class Policy(StrEnum):
    ADVISORY = "advisory"
    STRICT = "strict"


@dataclass(frozen=True, slots=True)
class Agreement:
    """Separation minima in metres, times in seconds (ICAO Doc 4444 §5.4 names the minima)."""

    name: str
    region: tuple[tuple[float, float], ...]
    parties: tuple[str, ...]
    horizontal_m: float
    vertical_m: float
    lookahead_s: float
    time_buffer_s: float
    min_lead_s: float
    policy: Policy
    cycle_s: float = 1.0
    state_timeout_s: float = 10.0
    ack_timeout_s: float = 30.0
    drill_every_s: float = 0.0
    clock_tolerance_s: float = 5.0

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["region"] = [list(p) for p in self.region]
        d["parties"] = list(self.parties)
        d["policy"] = self.policy.value
        return d

    def sha256(self) -> str:
        return hashlib.sha256(rfc8785.dumps(self.to_json())).hexdigest()


_REQUIRED = (
    "name",
    "region",
    "parties",
    "horizontal_m",
    "vertical_m",
    "lookahead_s",
    "time_buffer_s",
    "min_lead_s",
    "policy",
)
#: field -> (lowest, highest) accepted, both inclusive.
_RANGES: dict[str, tuple[float, float]] = {
    "horizontal_m": (1.0, 200_000.0),
    "vertical_m": (1.0, 10_000.0),
    "lookahead_s": (1.0, 3_600.0),
    "time_buffer_s": (0.0, 86_400.0),
    "min_lead_s": (0.0, 30 * 86_400.0),
    "cycle_s": (0.05, 60.0),
    "state_timeout_s": (1.0, 3_600.0),
    "ack_timeout_s": (1.0, 86_400.0),
    "drill_every_s": (0.0, 30 * 86_400.0),
    "clock_tolerance_s": (0.0, 600.0),
}


def _num(obj: Mapping[str, Any], key: str) -> float:
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(float(v)):
        raise InvalidInput(f"{key} must be a finite number.", field=key)
    lo, hi = _RANGES[key]
    if not lo <= float(v) <= hi:
        raise InvalidInput(f"{key} must be within [{lo:g}, {hi:g}]; got {v}.", field=key)
    return float(v)


def agreement_from_mapping(obj: Mapping[str, Any]) -> Agreement:
    """Validate the agreement fields (from TOML or JSON); unknown fields are errors."""
    if not isinstance(obj, Mapping):
        raise InvalidInput("The agreement must be an object.", field=None)
    known = set(Agreement.__dataclass_fields__)
    for k in obj:
        if k not in known:
            raise InvalidInput(f"{k} is not a known agreement field.", field=k)
    for k in _REQUIRED:
        if k not in obj:
            raise InvalidInput(f"{k} is required in the agreement.", field=k)
    name = obj["name"]
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InvalidInput(
            "name must be a non-empty string of at most 200 characters.", field="name"
        )
    raw_region = obj["region"]
    if not isinstance(raw_region, list):
        raise InvalidInput("region must be a list of [lat, lng] pairs.", field="region")
    region: list[tuple[float, float]] = []
    for i, p in enumerate(raw_region):
        if (
            not isinstance(p, list)
            or len(p) != 2
            or any(isinstance(x, bool) or not isinstance(x, int | float) for x in p)
        ):
            raise InvalidInput(f"region[{i}] must be a [lat, lng] pair.", field=f"region[{i}]")
        lat, lng = float(p[0]), float(p[1])
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise InvalidInput(
                f"region[{i}] is outside lat [-90, 90] / lng [-180, 180].", field=f"region[{i}]"
            )
        region.append((lat, lng))
    check_polygon([LatLng(lat, lng) for lat, lng in region], "region")
    raw_parties = obj["parties"]
    if (
        not isinstance(raw_parties, list)
        or not raw_parties
        or not all(isinstance(p, str) and p for p in raw_parties)
    ):
        raise InvalidInput("parties must be a non-empty list of party names.", field="parties")
    if len(set(raw_parties)) != len(raw_parties):
        raise InvalidInput("parties must not repeat a name.", field="parties")
    try:
        policy = Policy(obj["policy"])
    except ValueError:
        raise InvalidInput("policy must be 'advisory' or 'strict'.", field="policy") from None
    numbers = {k: _num(obj, k) for k in _RANGES if k in obj}
    return Agreement(
        name=name,
        region=tuple(region),
        parties=tuple(raw_parties),
        policy=policy,
        **numbers,
    )
