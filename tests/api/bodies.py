"""Builders of request bodies for the API tests."""

from __future__ import annotations

import time
import uuid
from typing import Any

from skyshare.timefmt import format_rfc3339

HOUR = 3600.0


def box(lat: float, lng: float, d: float = 0.1) -> dict[str, Any]:
    return {
        "outline_polygon": {
            "vertices": [
                {"lat": lat - d, "lng": lng - d},
                {"lat": lat - d, "lng": lng + d},
                {"lat": lat + d, "lng": lng + d},
                {"lat": lat + d, "lng": lng - d},
            ]
        }
    }


def volume(
    lat: float = 36.0,
    lng: float = 37.0,
    *,
    d: float = 0.1,
    lo: float = 3000,
    hi: float = 6000,
    start_in_s: float = 2 * HOUR,
    duration_s: float = HOUR,
    footprint: dict[str, Any] | None = None,
) -> dict[str, Any]:
    t0 = time.time() + start_in_s
    return {
        "volume": {
            **(footprint or box(lat, lng, d)),
            "altitude_lower": {"value": lo, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": hi, "reference": "W84", "units": "M"},
        },
        "time_start": {"value": format_rfc3339(t0), "format": "RFC3339"},
        "time_end": {"value": format_rfc3339(t0 + duration_s), "format": "RFC3339"},
    }


def notice(*volumes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"volumes": list(volumes) or [volume()], "state": "accepted", "priority": 0, **extra}


def new_id() -> str:
    return str(uuid.uuid4())
