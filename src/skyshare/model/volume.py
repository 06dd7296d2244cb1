"""4D volumes (ASTM F3548-21 Volume4D): a footprint, an altitude band and a time window.

Footprints are polygons or circles on WGS84. A polygon edge is the short way round in
longitude, so a polygon may cross the antimeridian; a polygon enclosing a pole cannot be
written that way and is refused (use a circle). Altitudes are metres with their datum kept:
``W84`` (above the ellipsoid) or ``AGL`` (above ground; terrain is unknown to skyshare).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import shapely

from skyshare.errors import InvalidInput
from skyshare.timefmt import format_rfc3339, parse_rfc3339, parse_stored_rfc3339
from skyshare.units import fl_to_m, ft_to_m

__all__ = [
    "MAX_VERTICES",
    "Altitude",
    "AltitudeReference",
    "Circle",
    "Footprint",
    "LatLng",
    "Polygon",
    "Volume4D",
    "parse_volume4d",
    "unwrap_longitudes",
    "volume_from_stored",
    "volume_to_json",
]

MAX_VERTICES = 1000
#: Largest circle radius accepted: a quarter of the Earth's circumference would be absurd.
MAX_RADIUS_M = 2_000_000.0


class AltitudeReference(StrEnum):
    W84 = "W84"
    AGL = "AGL"


@dataclass(frozen=True, slots=True)
class LatLng:
    lat: float
    lng: float


@dataclass(frozen=True, slots=True)
class Polygon:
    """A simple polygon, not closed explicitly, 3 to 1000 vertices."""

    vertices: tuple[LatLng, ...]


@dataclass(frozen=True, slots=True)
class Circle:
    center: LatLng
    radius_m: float


Footprint = Polygon | Circle


@dataclass(frozen=True, slots=True)
class Altitude:
    """A vertical limit in metres; ``value_m`` None means unlimited (upper limits only)."""

    value_m: float | None
    reference: AltitudeReference = AltitudeReference.W84


@dataclass(frozen=True, slots=True)
class Volume4D:
    """A footprint between two altitudes during a window; None times are unbounded."""

    footprint: Footprint
    lower: Altitude
    upper: Altitude
    time_start_s: float | None
    time_end_s: float | None


def unwrap_longitudes(lngs: Sequence[float]) -> list[float]:
    """Longitudes made continuous along a ring: each edge is the short way round.

    >>> unwrap_longitudes([179.0, -179.0, -179.0, 179.0])
    [179.0, 181.0, 181.0, 179.0]
    """
    out = [float(lngs[0])]
    for lng in lngs[1:]:
        prev = out[-1]
        d = (lng - prev + 180.0) % 360.0 - 180.0
        out.append(prev + d)
    return out


def _number(obj: Mapping[str, Any], key: str, path: str) -> float:
    if key not in obj:
        raise InvalidInput(f"{path}.{key} is required.", field=f"{path}.{key}")
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise InvalidInput(f"{path}.{key} must be a number.", field=f"{path}.{key}")
    f = float(v)
    if not math.isfinite(f):
        raise InvalidInput(f"{path}.{key} must be finite.", field=f"{path}.{key}")
    return f


def _mapping(obj: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise InvalidInput(f"{path} must be an object.", field=path)
    return obj


def _check_keys(obj: Mapping[str, Any], allowed: set[str], path: str) -> None:
    for k in obj:
        if k not in allowed:
            raise InvalidInput(f"{path}.{k} is not a known field.", field=f"{path}.{k}")


def _latlng(obj: Any, path: str) -> LatLng:
    m = _mapping(obj, path)
    _check_keys(m, {"lat", "lng"}, path)
    lat = _number(m, "lat", path)
    lng = _number(m, "lng", path)
    if not -90.0 <= lat <= 90.0:
        raise InvalidInput(f"{path}.lat must be within [-90, 90]; got {lat}.", field=f"{path}.lat")
    if not -180.0 <= lng <= 180.0:
        raise InvalidInput(
            f"{path}.lng must be within [-180, 180]; got {lng}.", field=f"{path}.lng"
        )
    return LatLng(lat, lng)


def check_polygon(vertices: Sequence[LatLng], path: str) -> Polygon:
    """Validate a polygon: vertex count, not closed explicitly, simple, not degenerate."""
    n = len(vertices)
    if n < 3 or n > MAX_VERTICES:
        raise InvalidInput(
            f"A polygon needs 3 to {MAX_VERTICES} vertices; got {n}.", field=f"{path}.vertices"
        )
    if vertices[0] == vertices[-1]:
        raise InvalidInput(
            "A polygon must not repeat its first vertex at the end (it is closed implicitly).",
            field=f"{path}.vertices",
        )
    for i in range(1, n):
        if vertices[i] == vertices[i - 1]:
            raise InvalidInput(
                f"A polygon must not repeat a vertex; vertices {i - 1} and {i} are the same.",
                field=f"{path}.vertices[{i}]",
            )
    lngs = unwrap_longitudes([v.lng for v in vertices])
    closing = (lngs[0] - lngs[-1] + 180.0) % 360.0 - 180.0
    if abs(lngs[-1] + closing - lngs[0]) > 1e-9:
        raise InvalidInput(
            "A polygon must not encircle a pole; describe such an area with a circle.",
            field=f"{path}.vertices",
        )
    ring = shapely.Polygon([(x, v.lat) for x, v in zip(lngs, vertices, strict=True)])
    if not ring.is_valid:
        reason = shapely.is_valid_reason(ring)
        raise InvalidInput(
            f"A polygon must be simple (no self-intersection, no repeated vertex): {reason}.",
            field=f"{path}.vertices",
        )
    # Collinear vertices leave float noise for an area; a square metre is about 1e-10 deg².
    if ring.area <= 1e-10:
        raise InvalidInput(
            "A polygon must enclose an area (its vertices are collinear or repeated).",
            field=f"{path}.vertices",
        )
    return Polygon(tuple(vertices))


def _altitude(obj: Any, path: str, *, upper: bool) -> Altitude:
    m = _mapping(obj, path)
    _check_keys(m, {"value", "reference", "units"}, path)
    units = m.get("units", "M")
    if units not in ("M", "FT", "FL"):
        raise InvalidInput(f"{path}.units must be 'M', 'FT' or 'FL'.", field=f"{path}.units")
    ref_text = m.get("reference", "W84")
    try:
        ref = AltitudeReference(ref_text)
    except ValueError:
        raise InvalidInput(
            f"{path}.reference must be 'W84' or 'AGL'.", field=f"{path}.reference"
        ) from None
    if m.get("value", 0) is None:
        if not upper:
            raise InvalidInput(
                f"{path}.value is required for a lower limit.", field=f"{path}.value"
            )
        return Altitude(None, ref)
    v = _number(m, "value", path)
    if units == "FT":
        v = ft_to_m(v)
    elif units == "FL":
        v = fl_to_m(v)
    if not -1_000.0 <= v <= 100_000.0:
        raise InvalidInput(
            f"{path}.value must be within [-1000, 100000] m; got {v}.", field=f"{path}.value"
        )
    return Altitude(v, ref)


def _time(obj: Any, path: str) -> float:
    m = _mapping(obj, path)
    _check_keys(m, {"value", "format"}, path)
    if m.get("format", "RFC3339") != "RFC3339":
        raise InvalidInput(f"{path}.format must be 'RFC3339'.", field=f"{path}.format")
    if "value" not in m:
        raise InvalidInput(f"{path}.value is required.", field=f"{path}.value")
    return parse_rfc3339(m["value"], field=f"{path}.value")


def parse_volume4d(obj: Any, path: str = "volume", *, require_times: bool = True) -> Volume4D:
    """A Volume4D from its F3548 JSON shape, refusing anything malformed with its JSON path."""
    m = _mapping(obj, path)
    _check_keys(m, {"volume", "time_start", "time_end"}, path)
    vol = _mapping(m.get("volume"), f"{path}.volume")
    vpath = f"{path}.volume"
    _check_keys(
        vol, {"outline_polygon", "outline_circle", "altitude_lower", "altitude_upper"}, vpath
    )
    has_poly = vol.get("outline_polygon") is not None
    has_circle = vol.get("outline_circle") is not None
    if has_poly == has_circle:
        raise InvalidInput(
            f"{vpath} needs exactly one of outline_polygon and outline_circle.", field=vpath
        )
    footprint: Footprint
    if has_poly:
        ppath = f"{vpath}.outline_polygon"
        poly = _mapping(vol["outline_polygon"], ppath)
        _check_keys(poly, {"vertices"}, ppath)
        raw = poly.get("vertices")
        if not isinstance(raw, list):
            raise InvalidInput(f"{ppath}.vertices must be a list.", field=f"{ppath}.vertices")
        if len(raw) > MAX_VERTICES:
            raise InvalidInput(
                f"A polygon needs 3 to {MAX_VERTICES} vertices; got {len(raw)}.",
                field=f"{ppath}.vertices",
            )
        pts = [_latlng(v, f"{ppath}.vertices[{i}]") for i, v in enumerate(raw)]
        footprint = check_polygon(pts, ppath)
    else:
        cpath = f"{vpath}.outline_circle"
        circ = _mapping(vol["outline_circle"], cpath)
        _check_keys(circ, {"center", "radius"}, cpath)
        center = _latlng(circ.get("center"), f"{cpath}.center")
        rad = _mapping(circ.get("radius"), f"{cpath}.radius")
        _check_keys(rad, {"value", "units"}, f"{cpath}.radius")
        if rad.get("units", "M") != "M":
            raise InvalidInput(f"{cpath}.radius.units must be 'M'.", field=f"{cpath}.radius.units")
        r = _number(rad, "value", f"{cpath}.radius")
        if not 0.0 < r <= MAX_RADIUS_M:
            raise InvalidInput(
                f"{cpath}.radius.value must be in (0, {MAX_RADIUS_M:.0f}] m; got {r}.",
                field=f"{cpath}.radius.value",
            )
        footprint = Circle(center, r)
    if "altitude_lower" not in vol or "altitude_upper" not in vol:
        raise InvalidInput(
            f"{vpath} needs altitude_lower and altitude_upper.", field=f"{vpath}.altitude_lower"
        )
    lower = _altitude(vol["altitude_lower"], f"{vpath}.altitude_lower", upper=False)
    upper = _altitude(vol["altitude_upper"], f"{vpath}.altitude_upper", upper=True)
    if (
        upper.value_m is not None
        and lower.value_m is not None
        and lower.reference == upper.reference
        and upper.value_m <= lower.value_m
    ):
        raise InvalidInput(
            f"{vpath}.altitude_upper must be above altitude_lower "
            f"({upper.value_m} m <= {lower.value_m} m).",
            field=f"{vpath}.altitude_upper",
        )
    t0: float | None = None
    t1: float | None = None
    if m.get("time_start") is not None:
        t0 = _time(m["time_start"], f"{path}.time_start")
    if m.get("time_end") is not None:
        t1 = _time(m["time_end"], f"{path}.time_end")
    if require_times and (t0 is None or t1 is None):
        field = f"{path}.time_start" if t0 is None else f"{path}.time_end"
        raise InvalidInput(f"{field} is required.", field=field)
    if t0 is not None and t1 is not None and t1 <= t0:
        raise InvalidInput(f"{path}.time_end must be after time_start.", field=f"{path}.time_end")
    return Volume4D(footprint, lower, upper, t0, t1)


def _latlng_json(p: LatLng) -> dict[str, float]:
    return {"lat": p.lat, "lng": p.lng}


def _altitude_json(a: Altitude) -> dict[str, Any]:
    return {"value": a.value_m, "reference": a.reference.value, "units": "M"}


def volume_to_json(v: Volume4D) -> dict[str, Any]:
    """The F3548 JSON shape of a volume, in metres."""
    vol: dict[str, Any] = {}
    if isinstance(v.footprint, Polygon):
        vol["outline_polygon"] = {"vertices": [_latlng_json(p) for p in v.footprint.vertices]}
    else:
        vol["outline_circle"] = {
            "center": _latlng_json(v.footprint.center),
            "radius": {"value": v.footprint.radius_m, "units": "M"},
        }
    vol["altitude_lower"] = _altitude_json(v.lower)
    vol["altitude_upper"] = _altitude_json(v.upper)
    return {
        "volume": vol,
        "time_start": None
        if v.time_start_s is None
        else {"value": format_rfc3339(v.time_start_s), "format": "RFC3339"},
        "time_end": None
        if v.time_end_s is None
        else {"value": format_rfc3339(v.time_end_s), "format": "RFC3339"},
    }


_REFERENCES = {r.value: r for r in AltitudeReference}


def volume_from_stored(obj: Mapping[str, Any]) -> Volume4D:
    """A volume from JSON written by :func:`volume_to_json`, already validated: no checks.

    Start-up rebuilds the strategic index from every stored notice, so this path must be
    cheap; anything arriving from outside goes through :func:`parse_volume4d` instead.
    """
    vol = obj["volume"]
    footprint: Footprint
    if "outline_polygon" in vol:
        footprint = Polygon(
            tuple(LatLng(p["lat"], p["lng"]) for p in vol["outline_polygon"]["vertices"])
        )
    else:
        c = vol["outline_circle"]
        footprint = Circle(LatLng(c["center"]["lat"], c["center"]["lng"]), c["radius"]["value"])
    lo, hi = vol["altitude_lower"], vol["altitude_upper"]
    ts, te = obj.get("time_start"), obj.get("time_end")
    return Volume4D(
        footprint,
        Altitude(lo["value"], _REFERENCES[lo["reference"]]),
        Altitude(hi["value"], _REFERENCES[hi["reference"]]),
        None if ts is None else parse_stored_rfc3339(ts["value"]),
        None if te is None else parse_stored_rfc3339(te["value"]),
    )
