"""Reading JSON airspace files with errors located by JSON path (``file:$.features[3].x: ``)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from skyshare.errors import InvalidInput
from skyshare.model.volume import LatLng
from skyshare.timefmt import parse_rfc3339

__all__ = ["JsonFile", "load_json"]


def load_json(data: bytes, label: str) -> Any:
    """The parsed document; a syntax error is reported as ``file:line: ``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{label}:1: JSON must be UTF-8 (RFC 8259 §8.1); byte {exc.start} is not.",
            details={"location": f"{label}:1"},
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{label}:{exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno}).",
            details={"location": f"{label}:{exc.lineno}"},
        ) from None


@dataclass(frozen=True, slots=True)
class JsonFile:
    """Typed getters that fail with the file name and JSON path of the offending value."""

    label: str

    def error(self, path: str, message: str) -> InvalidInput:
        where = f"{self.label}:{path}"
        return InvalidInput(f"{where}: {message}", field=path, details={"location": where})

    def obj(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.error(path, "must be an object.")
        return value

    def array(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(path, "must be a list.")
        return value

    def list_or_one(self, value: Any) -> list[Any]:
        """ED-318 lets a one-element list be written as its element."""
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.error(path, "must be a string.")
        return value

    def number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(path, "must be a number.")
        f = float(value)
        if not math.isfinite(f):
            raise self.error(path, "must be finite.")
        return f

    def time(self, value: Any, path: str) -> float:
        """Epoch seconds of an RFC 3339 time with its zone."""
        try:
            return parse_rfc3339(value, field=path)
        except InvalidInput as exc:
            raise self.error(path, exc.message) from None

    def position(self, value: Any, path: str) -> LatLng:
        """A GeoJSON position ``[lng, lat(, alt)]`` (RFC 7946 §3.1.1)."""
        pos = self.array(value, path)
        if not 2 <= len(pos) <= 3:
            raise self.error(path, "a position is [longitude, latitude] (RFC 7946 §3.1.1).")
        lng = self.number(pos[0], f"{path}[0]")
        lat = self.number(pos[1], f"{path}[1]")
        if not -90.0 <= lat <= 90.0:
            raise self.error(f"{path}[1]", f"latitude must be within [-90, 90]; got {lat}.")
        if not -180.0 <= lng <= 180.0:
            raise self.error(f"{path}[0]", f"longitude must be within [-180, 180]; got {lng}.")
        return LatLng(lat, lng)

    def ring(self, value: Any, path: str) -> list[LatLng]:
        return [self.position(p, f"{path}[{i}]") for i, p in enumerate(self.array(value, path))]
