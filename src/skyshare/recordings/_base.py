"""The shapes every reader returns, and the row-level helpers they share."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from skyshare.errors import InvalidInput

__all__ = ["Recording", "RowError", "Snapshot", "build_recording", "number", "open_text"]

F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The current state of N aircraft: the input of one detection."""

    aircraft_id: list[str]
    lat_deg: F64
    lng_deg: F64
    alt_m: F64
    gs_mps: F64
    trk_deg: F64
    vs_mps: F64


@dataclass(frozen=True, slots=True)
class Recording:
    """Time-stamped states, one row per report, sorted by time (stable for equal times).

    ``aircraft`` indexes ``ids``; ``time_s`` is seconds since the Unix epoch (UTC).
    """

    ids: list[str]
    time_s: F64
    aircraft: NDArray[np.int64]
    lat_deg: F64
    lng_deg: F64
    alt_m: F64
    gs_mps: F64
    trk_deg: F64
    vs_mps: F64
    on_ground: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.time_s.shape[0])


class RowError(Exception):
    """A problem with one row; the reader adds ``file:line:`` and raises ``InvalidInput``."""


def number(text: str, name: str, *, low: float = -math.inf, high: float = math.inf) -> float:
    """A finite number within ``[low, high]`` from a CSV field, or a ``RowError`` naming it."""
    try:
        value = float(text)
    except ValueError:
        raise RowError(f"{name} must be a number, not {text.strip()[:30]!r}.") from None
    if not math.isfinite(value):
        raise RowError(f"{name} must be finite, not {text.strip()!r}.")
    if not low <= value <= high:
        raise RowError(f"{name} must lie in [{low:g}, {high:g}], not {value:g}.")
    return value


def open_text(path: Path) -> list[str]:
    """All lines of a text file (UTF-8, BOM tolerated), CRLF or LF, without line ends."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}).") from exc
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read ({exc.strerror}).") from exc
    return text.splitlines()


def build_recording(
    ids: list[str],
    rows: list[tuple[float, int, float, float, float, float, float, float, bool]],
) -> Recording:
    """Arrays from ``(time, aircraft, lat, lng, alt, gs, trk, vs, on_ground)`` rows, by time."""
    cols: list[tuple[object, ...]] = list(zip(*rows, strict=True)) if rows else [()] * 9
    time_s = np.array(cols[0], dtype=np.float64)
    order = np.argsort(time_s, kind="stable")

    def f(k: int) -> F64:
        return np.array(cols[k], dtype=np.float64)[order]

    return Recording(
        ids=ids,
        time_s=time_s[order],
        aircraft=np.array(cols[1], dtype=np.int64)[order],
        lat_deg=f(2),
        lng_deg=f(3),
        alt_m=f(4),
        gs_mps=f(5),
        trk_deg=f(6),
        vs_mps=f(7),
        on_ground=np.array(cols[8], dtype=np.bool_)[order],
    )
