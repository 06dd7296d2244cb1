"""Aircraft states (track points) and their strict wire validation.

A state is what a party's surveillance says about one aircraft at one instant: WGS84
position, altitude above the ellipsoid in metres, ground speed in m/s along a true track,
vertical rate in m/s. Validation is hand-written rather than pydantic because ingest runs at
tens of thousands of states a second and every error must name its path (``states[12].lat``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from skyshare.errors import InvalidInput
from skyshare.timefmt import format_rfc3339, parse_rfc3339

__all__ = [
    "MAX_STATES",
    "STATE_FIELDS",
    "AircraftState",
    "parse_state",
    "parse_states",
    "state_to_json",
]

#: Most states one request may carry (API.md).
MAX_STATES = 10_000
#: Longest aircraft id; the ``aircraft.id`` column is 64 characters.
MAX_ID_LENGTH = 64
#: Plausibility limits, inclusive. Altitudes from the Dead Sea shore to the edge of space;
#: speeds up to about Mach 4.4 at altitude; climb rates well beyond any aircraft's.
_RANGES: dict[str, tuple[float, float]] = {
    "lat": (-90.0, 90.0),
    "lng": (-180.0, 180.0),
    "altitude_m": (-1_000.0, 100_000.0),
    "ground_speed_mps": (0.0, 1_500.0),
    "track_deg": (0.0, 360.0),
    "vertical_rate_mps": (-500.0, 500.0),
}
STATE_FIELDS = ("aircraft_id", "time", *_RANGES)
_KNOWN = frozenset(STATE_FIELDS)


@dataclass(frozen=True, slots=True)
class AircraftState:
    """One reported state; ``time_s`` is epoch seconds (UTC); ``track_deg`` is in [0, 360)."""

    aircraft_id: str
    time_s: float
    lat: float
    lng: float
    altitude_m: float
    ground_speed_mps: float
    track_deg: float
    vertical_rate_mps: float


def _number(obj: Mapping[str, Any], key: str, path: str) -> float:
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise InvalidInput(f"{path}.{key} must be a number.", field=f"{path}.{key}")
    f = float(v)
    lo, hi = _RANGES[key]
    if not math.isfinite(f) or not lo <= f <= hi:
        raise InvalidInput(
            f"{path}.{key} must be a finite number within [{lo:g}, {hi:g}]; got {v!r}.",
            field=f"{path}.{key}",
        )
    return f


def parse_state(obj: Any, path: str) -> AircraftState:
    """One state from decoded JSON; unknown or missing fields and wrong types are refused."""
    if not isinstance(obj, dict):
        raise InvalidInput(f"{path} must be an object.", field=path)
    if len(obj) != len(_KNOWN) or obj.keys() != _KNOWN:
        for k in obj:
            if k not in _KNOWN:
                raise InvalidInput(f"{path}.{k} is not a known state field.", field=f"{path}.{k}")
        for k in STATE_FIELDS:
            if k not in obj:
                raise InvalidInput(f"{path}.{k} is required.", field=f"{path}.{k}")
    aid = obj["aircraft_id"]
    if not isinstance(aid, str) or not 0 < len(aid) <= MAX_ID_LENGTH or not aid.isprintable():
        raise InvalidInput(
            f"{path}.aircraft_id must be 1 to {MAX_ID_LENGTH} printable characters.",
            field=f"{path}.aircraft_id",
        )
    track = _number(obj, "track_deg", path)
    return AircraftState(
        aircraft_id=aid,
        time_s=parse_rfc3339(obj["time"], field=f"{path}.time"),
        lat=_number(obj, "lat", path),
        lng=_number(obj, "lng", path),
        altitude_m=_number(obj, "altitude_m", path),
        ground_speed_mps=_number(obj, "ground_speed_mps", path),
        track_deg=0.0 if track == 360.0 else track,
        vertical_rate_mps=_number(obj, "vertical_rate_mps", path),
    )


def parse_states(items: Sequence[Any], path: str = "states") -> list[AircraftState]:
    """Every state of a request, or the first error; more than ``MAX_STATES`` is refused.

    A columnar fast path checks a well-formed batch with a few numpy comparisons; any doubt
    falls back to ``parse_state`` item by item, which finds and names the first error.
    """
    if len(items) > MAX_STATES:
        raise InvalidInput(
            f"A request carries at most {MAX_STATES:,} states; this one has {len(items):,}.",
            field=path,
            details={"limit": MAX_STATES, "count": len(items)},
        )
    fast = _parse_fast(items)
    if fast is not None:
        return fast
    return [parse_state(item, f"{path}[{i}]") for i, item in enumerate(items)]


def _parse_fast(items: Sequence[Any]) -> list[AircraftState] | None:
    """The states when every check passes at once, else None (the slow path explains)."""
    import numpy as np

    if not all(type(o) is dict and o.keys() == _KNOWN for o in items):
        return None
    cols: dict[str, list[Any]] = {k: [o[k] for o in items] for k in _RANGES}
    for values in cols.values():
        if not all(type(v) is float or type(v) is int for v in values):
            return None
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in cols.items()}
    for k, (lo, hi) in _RANGES.items():
        a = arrays[k]
        if not bool(np.all((a >= lo) & (a <= hi))):  # NaN fails both comparisons
            return None
    ids = [o["aircraft_id"] for o in items]
    if not all(type(a) is str and 0 < len(a) <= MAX_ID_LENGTH and a.isprintable() for a in ids):
        return None
    seen: dict[Any, float] = {}
    times: list[float] = []
    for o in items:
        text = o["time"]
        if type(text) is not str:
            return None
        t = seen.get(text)
        if t is None:
            try:
                t = seen[text] = parse_rfc3339(text)
            except InvalidInput:
                return None
        times.append(t)
    track = np.where(arrays["track_deg"] == 360.0, 0.0, arrays["track_deg"])
    return [
        AircraftState(a, t, la, ln, al, gs, tr, vs)
        for a, t, la, ln, al, gs, tr, vs in zip(
            ids,
            times,
            arrays["lat"].tolist(),
            arrays["lng"].tolist(),
            arrays["altitude_m"].tolist(),
            arrays["ground_speed_mps"].tolist(),
            track.tolist(),
            arrays["vertical_rate_mps"].tolist(),
            strict=True,
        )
    ]


def state_to_json(s: AircraftState, party: str) -> dict[str, Any]:
    """The API.md ``aircraft`` entry: position and velocity, nothing private."""
    return {
        "id": s.aircraft_id,
        "party": party,
        "time": format_rfc3339(s.time_s),
        "lat": s.lat,
        "lng": s.lng,
        "altitude_m": s.altitude_m,
        "ground_speed_mps": s.ground_speed_mps,
        "track_deg": s.track_deg,
        "vertical_rate_mps": s.vertical_rate_mps,
    }
