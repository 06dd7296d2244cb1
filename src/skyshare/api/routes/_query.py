"""Query-string parsing shared by list endpoints: bbox and 4D time range."""

from __future__ import annotations

import math

from skyshare.errors import InvalidInput
from skyshare.timefmt import parse_rfc3339

__all__ = ["parse_bbox", "parse_range"]


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``minlng,minlat,maxlng,maxlat``; min_lng > max_lng crosses the antimeridian."""
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) != 4:
        raise InvalidInput("bbox must be minlng,minlat,maxlng,maxlat.", field="bbox")
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        raise InvalidInput("bbox must hold four numbers.", field="bbox") from None
    if not all(math.isfinite(v) for v in vals):
        raise InvalidInput("bbox must hold finite numbers.", field="bbox")
    min_lng, min_lat, max_lng, max_lat = vals
    if not (-180 <= min_lng <= 180 and -180 <= max_lng <= 180):
        raise InvalidInput("bbox longitudes must be within [-180, 180].", field="bbox")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise InvalidInput("bbox latitudes must be within [-90, 90].", field="bbox")
    if min_lat > max_lat:
        raise InvalidInput("bbox minlat must not exceed maxlat.", field="bbox")
    return min_lng, min_lat, max_lng, max_lat


def parse_range(t_from: str | None, t_to: str | None) -> tuple[float | None, float | None]:
    a = None if t_from is None else parse_rfc3339(t_from, field="from")
    b = None if t_to is None else parse_rfc3339(t_to, field="to")
    if a is not None and b is not None and b < a:
        raise InvalidInput("to must not be before from.", field="to")
    return a, b
