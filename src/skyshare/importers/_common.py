"""What every airspace reader shares: the result, located errors, polygons and altitudes.

Errors name where they are: ``file:line: `` for text formats, ``file:$.json.path: `` for JSON,
so a user can open the file at the right place (the CLI prints them and exits 2).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

import shapely

from skyshare.errors import InvalidInput
from skyshare.model.restriction import Restriction
from skyshare.model.volume import (
    Altitude,
    AltitudeReference,
    LatLng,
    Polygon,
    check_polygon,
    unwrap_longitudes,
)
from skyshare.units import fl_to_m, ft_to_m

__all__ = [
    "MAX_ALTITUDE_M",
    "MIN_ALTITUDE_M",
    "Collector",
    "ImportResult",
    "Skipped",
    "altitude",
    "check_band",
    "decode_text",
    "located",
    "make_polygon",
    "wrap_lng",
]

#: Same bounds as the API's Volume4D altitudes.
MIN_ALTITUDE_M = -1_000.0
MAX_ALTITUDE_M = 100_000.0
#: Two vertices closer than this (degrees, about 1 cm) are the same vertex.
_SAME_DEG = 1e-7

T = TypeVar("T")


class Skipped(NamedTuple):
    """An item left out under ``skip_invalid``: where it is and why."""

    location: str
    message: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Restrictions read from one file, what was skipped, and what was changed on the way."""

    restrictions: list[Restriction]
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def located(where: str, exc: InvalidInput) -> InvalidInput:
    """The same error with its location in front; an error located already is kept.

    The location also goes to ``details["location"]`` so that callers need not parse it.
    """
    if "location" in exc.details:
        return exc
    return InvalidInput(
        f"{where}: {exc.message}", field=exc.field, details={**exc.details, "location": where}
    )


class Collector:
    """Gathers restrictions; an invalid item raises, or is skipped under ``skip_invalid``."""

    def __init__(self, *, skip_invalid: bool) -> None:
        self.skip_invalid = skip_invalid
        self.restrictions: list[Restriction] = []
        self.skipped: list[Skipped] = []
        self.warnings: list[str] = []

    def run(self, where: str, build: Callable[[], T]) -> T | None:
        """``build()``, with its error located at ``where``; None when skipped."""
        try:
            return build()
        except InvalidInput as exc:
            err = located(where, exc)
            if not self.skip_invalid:
                raise err from None
            location = str(err.details["location"])
            self.skipped.append(Skipped(location, err.message.removeprefix(f"{location}: ")))
            return None

    def result(self) -> ImportResult:
        return ImportResult(self.restrictions, self.skipped, self.warnings)


def decode_text(data: bytes) -> str:
    """Text of a file in UTF-8 (with or without BOM), else Latin-1, with LF line ends.

    Why Latin-1: older OpenAir files come from Windows tools; every byte decodes, so a file
    never fails on encoding alone.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def wrap_lng(lng: float) -> float:
    """Longitude in [-180, 180].

    >>> wrap_lng(181.5), wrap_lng(-180.0), wrap_lng(180.0)
    (-178.5, -180.0, 180.0)
    """
    if -180.0 <= lng <= 180.0:
        return lng
    return (lng + 180.0) % 360.0 - 180.0


def _clean(points: Sequence[LatLng]) -> list[LatLng]:
    out: list[LatLng] = []
    for p in points:
        if out and _same(out[-1], p):
            continue
        out.append(p)
    while len(out) > 1 and _same(out[0], out[-1]):
        out.pop()
    return out


def _same(a: LatLng, b: LatLng) -> bool:
    dlng = abs((a.lng - b.lng + 180.0) % 360.0 - 180.0)
    return abs(a.lat - b.lat) < _SAME_DEG and dlng < _SAME_DEG


def make_polygon(points: Sequence[LatLng], where: str, warnings: list[str]) -> Polygon:
    """A valid polygon from a ring as files write it, repaired only when unambiguous.

    Repeated vertices and an explicit closing vertex are dropped silently. A self-intersecting
    ring is repaired only when the repair removes zero-area parts (spikes, back-tracking
    edges) and leaves one polygon of the same area; a warning says so. Any other
    self-intersection (a bow-tie, a loop) has no single reading and is refused.
    """
    pts = _clean(points)
    try:
        return check_polygon(pts, "polygon")
    except InvalidInput as exc:
        first = exc
    if len(pts) < 3 or "simple" not in first.message:
        raise first
    lngs = unwrap_longitudes([p.lng for p in pts])
    ring = shapely.Polygon([(x, p.lat) for x, p in zip(lngs, pts, strict=True)])
    fixed = shapely.make_valid(ring, method="structure", keep_collapsed=False)
    area = ring.area
    if (
        isinstance(fixed, shapely.Polygon)
        and not fixed.interiors
        and area > 0.0
        and math.isclose(fixed.area, area, rel_tol=1e-9)
    ):
        coords = list(fixed.exterior.coords)[:-1]
        repaired = _clean([LatLng(lat, wrap_lng(x)) for x, lat in coords])
        poly = check_polygon(repaired, "polygon")
        warnings.append(
            f"{where}: repaired a self-intersecting polygon by removing zero-area spikes "
            f"({len(pts)} -> {len(repaired)} vertices, area unchanged)."
        )
        return poly
    raise InvalidInput(
        f"{first.message[:-1]}; no unambiguous repair exists (it would split or change the area).",
        field=first.field,
    )


def altitude(value: float, unit: str, reference: str) -> Altitude:
    """A limit in metres from a value, a unit (``M``, ``FT``, ``FL``) and a datum.

    MSL/AMSL and flight levels become ``W84``: skyshare has no geoid model, so mean sea level
    stands for the ellipsoid (an error of up to about ±100 m, EGM96) and a flight level for
    its pressure altitude in the standard atmosphere. GND/SFC/AGL stay ``AGL``.

    >>> altitude(95, "FL", "STD")
    Altitude(value_m=2895.6, reference=<AltitudeReference.W84: 'W84'>)
    """
    if unit == "FT":
        value_m = ft_to_m(value)
    elif unit == "FL":
        value_m = fl_to_m(value)
    elif unit == "M":
        value_m = float(value)
    else:
        raise InvalidInput(f"Unknown altitude unit {unit!r}; use M, FT or FL.")
    if not (math.isfinite(value_m) and MIN_ALTITUDE_M <= value_m <= MAX_ALTITUDE_M):
        raise InvalidInput(
            f"An altitude must be within [{MIN_ALTITUDE_M:.0f}, {MAX_ALTITUDE_M:.0f}] m; "
            f"got {value_m} m."
        )
    ref = AltitudeReference.AGL if reference in ("AGL", "GND", "SFC") else AltitudeReference.W84
    return Altitude(round(value_m, 6), ref)


def check_band(lower: Altitude, upper: Altitude) -> None:
    """Refuse a band whose upper limit is not above its lower one (same datum only)."""
    if lower.value_m is None:
        raise InvalidInput("A lower limit cannot be unlimited.")
    if (
        upper.value_m is not None
        and lower.reference == upper.reference
        and upper.value_m <= lower.value_m
    ):
        raise InvalidInput(
            f"The upper limit ({upper.value_m} m {upper.reference.value}) must be above the "
            f"lower limit ({lower.value_m} m {lower.reference.value})."
        )
