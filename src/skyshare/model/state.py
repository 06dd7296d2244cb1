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

import numpy as np
from numpy.typing import NDArray

from skyshare.errors import InvalidInput
from skyshare.timefmt import format_rfc3339, parse_rfc3339

__all__ = [
    "MAX_STATES",
    "STATE_FIELDS",
    "AircraftState",
    "StateColumns",
    "parse_state",
    "parse_state_columns",
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


F64 = NDArray[np.float64]
#: The numeric fields of a state, in ``AircraftState`` order.
NUMERIC_FIELDS = (
    "time_s",
    "lat",
    "lng",
    "altitude_m",
    "ground_speed_mps",
    "track_deg",
    "vertical_rate_mps",
)


@dataclass(frozen=True, slots=True)
class StateColumns:
    """Many states as columns (one entry per state, request order).

    Why columns: ingest handles tens of thousands of states a second, and one object per
    state costs more than validating, storing and detecting on arrays.
    """

    aircraft_id: list[str]
    time_s: F64
    lat: F64
    lng: F64
    altitude_m: F64
    ground_speed_mps: F64
    track_deg: F64
    vertical_rate_mps: F64

    def __len__(self) -> int:
        return len(self.aircraft_id)

    @classmethod
    def from_states(cls, states: Sequence[AircraftState]) -> StateColumns:
        n = len(states)

        def col(name: str) -> F64:
            return np.fromiter((getattr(s, name) for s in states), dtype=np.float64, count=n)

        return cls([s.aircraft_id for s in states], *(col(f) for f in NUMERIC_FIELDS))

    def take(self, index: NDArray[np.intp]) -> StateColumns:
        """The states at these positions, in that order."""
        ids = self.aircraft_id
        return StateColumns(
            [ids[k] for k in index.tolist()],
            *(getattr(self, f)[index] for f in NUMERIC_FIELDS),
        )

    def states(self) -> list[AircraftState]:
        return [
            AircraftState(*row)
            for row in zip(
                self.aircraft_id,
                *(getattr(self, f).tolist() for f in NUMERIC_FIELDS),
                strict=True,
            )
        ]


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
    """Every state of a request, or the first error; more than ``MAX_STATES`` is refused."""
    return parse_state_columns(items, path).states()


def parse_state_columns(items: Sequence[Any], path: str = "states") -> StateColumns:
    """Every state of a request as columns, or the first error naming its path.

    A columnar fast path checks a well-formed batch with a few numpy comparisons and C-level
    type checks, without one object per state; any doubt falls back to ``parse_state`` item
    by item, which finds and names the first error, so both paths refuse alike.
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
    return StateColumns.from_states(
        [parse_state(item, f"{path}[{i}]") for i, item in enumerate(items)]
    )


_NUMBER_TYPES = frozenset((float, int))


def _parse_fast(items: Sequence[Any]) -> StateColumns | None:
    """The states when every check passes at once, else None (the slow path explains)."""
    if not items:
        return StateColumns.from_states([])
    if set(map(type, items)) != {dict} or not all(o.keys() == _KNOWN for o in items):
        return None
    ids = [o["aircraft_id"] for o in items]
    if (
        set(map(type, ids)) != {str}
        or min(map(len, ids)) == 0
        or max(map(len, ids)) > MAX_ID_LENGTH
        or not "".join(ids).isprintable()
    ):
        return None
    arrays: dict[str, F64] = {}
    for k, (lo, hi) in _RANGES.items():
        values = [o[k] for o in items]
        if not set(map(type, values)) <= _NUMBER_TYPES:  # bool is not int here
            return None
        try:
            a = np.asarray(values, dtype=np.float64)
        except OverflowError:  # an integer beyond float range: the slow path words it
            return None
        if not bool(np.all((a >= lo) & (a <= hi))):  # NaN fails both comparisons
            return None
        arrays[k] = a
    texts = [o["time"] for o in items]
    if set(map(type, texts)) != {str}:
        return None
    seen: dict[str, float] = {}
    for text in set(texts):
        try:
            seen[text] = parse_rfc3339(text)
        except InvalidInput:
            return None
    track = arrays["track_deg"]
    return StateColumns(
        aircraft_id=ids,
        time_s=np.fromiter(map(seen.__getitem__, texts), dtype=np.float64, count=len(texts)),
        lat=arrays["lat"],
        lng=arrays["lng"],
        altitude_m=arrays["altitude_m"],
        ground_speed_mps=arrays["ground_speed_mps"],
        track_deg=np.where(track == 360.0, 0.0, track),
        vertical_rate_mps=arrays["vertical_rate_mps"],
    )


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
