"""Shared wire shapes: the ASTM F3548-21 Volume4D and helpers."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from skyshare.errors import InvalidInput
from skyshare.model.volume import Volume4D, parse_volume4d

__all__ = ["Strict", "Volume4DIn", "check_finite_json", "volumes_to_model"]


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class LatLngIn(Strict):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class PolygonIn(Strict):
    vertices: list[LatLngIn] = Field(min_length=3, max_length=1000)


class RadiusIn(Strict):
    value: float = Field(gt=0)
    units: Literal["M"] = "M"


class CircleIn(Strict):
    center: LatLngIn
    radius: RadiusIn


class AltitudeIn(Strict):
    value: float | None
    reference: Literal["W84", "AGL"] = "W84"
    units: Literal["M", "FT", "FL"] = "M"


class VolumeIn(Strict):
    outline_polygon: PolygonIn | None = None
    outline_circle: CircleIn | None = None
    altitude_lower: AltitudeIn
    altitude_upper: AltitudeIn


class TimeIn(Strict):
    value: str = Field(examples=["2026-11-24T10:00:00Z"])
    format: Literal["RFC3339"] = "RFC3339"


class Volume4DIn(Strict):
    """ASTM F3548-21 Volume4D; altitudes in metres (``W84`` or ``AGL``)."""

    volume: VolumeIn
    time_start: TimeIn | None = None
    time_end: TimeIn | None = None


def volumes_to_model(
    volumes: list[Volume4DIn], path: str = "volumes", *, require_times: bool = True
) -> tuple[Volume4D, ...]:
    """The domain volumes, with the semantic checks (simple polygons, bands, windows)."""
    return tuple(
        parse_volume4d(
            v.model_dump(exclude_none=False), f"{path}[{i}]", require_times=require_times
        )
        for i, v in enumerate(volumes)
    )


def check_finite_json(obj: Any, path: str) -> None:
    """Refuse NaN and infinities anywhere in a free-form JSON value."""
    if isinstance(obj, float) and not math.isfinite(obj):
        raise InvalidInput(f"{path} must not contain non-finite numbers.", field=path)
    if isinstance(obj, dict):
        for k, v in obj.items():
            check_finite_json(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            check_finite_json(v, f"{path}[{i}]")
