"""The skyshare state CSV (API.md): a snapshot for ``detect``, plus ``time`` for ``replay``.

Columns ``aircraft_id, lat, lng, altitude_m, ground_speed_mps, track_deg, vertical_rate_mps``
in any order (extra columns are ignored); a recording adds ``time`` (RFC 3339 or epoch
seconds) and may add ``on_ground`` (true/false).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from skyshare.errors import InvalidInput
from skyshare.recordings._base import Recording, RowError, Snapshot, build_recording, number
from skyshare.recordings._base import open_text as _open_text
from skyshare.timefmt import parse_rfc3339

__all__ = ["COLUMNS", "read_recording", "read_snapshot"]

COLUMNS = (
    "aircraft_id",
    "lat",
    "lng",
    "altitude_m",
    "ground_speed_mps",
    "track_deg",
    "vertical_rate_mps",
)
_TRUE = {"true", "1", "yes", "t"}
_FALSE = {"false", "0", "no", "f", ""}


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line number, {column: text})`` per non-blank data row, after checking the header."""
    lines = _open_text(path)
    reader = csv.reader(lines)
    header: list[str] | None = None
    for lineno, fields in enumerate(reader, start=1):
        if not fields or all(not f.strip() for f in fields):
            continue
        if header is None:
            header = [f.strip().lower() for f in fields]
            missing = [c for c in required if c not in header]
            if missing:
                raise InvalidInput(
                    f"{path}:{lineno}: the header lacks column(s) {', '.join(missing)}; "
                    f"expected {', '.join(required)}."
                )
            continue
        if len(fields) != len(header):
            raise InvalidInput(
                f"{path}:{lineno}: {len(fields)} fields where the header has {len(header)}."
            )
        yield lineno, dict(zip(header, fields, strict=True))
    if header is None:
        raise InvalidInput(f"{path}:1: empty file; expected a header with {', '.join(required)}.")


def _state(row: dict[str, str]) -> tuple[str, float, float, float, float, float, float]:
    aircraft_id = row["aircraft_id"].strip()
    if not aircraft_id:
        raise RowError("aircraft_id is empty.")
    return (
        aircraft_id,
        number(row["lat"], "lat", low=-90.0, high=90.0),
        number(row["lng"], "lng", low=-180.0, high=180.0),
        number(row["altitude_m"], "altitude_m"),
        number(row["ground_speed_mps"], "ground_speed_mps", low=0.0),
        number(row["track_deg"], "track_deg", low=-360.0, high=360.0),
        number(row["vertical_rate_mps"], "vertical_rate_mps"),
    )


def read_snapshot(path: Path) -> Snapshot:
    """One state per aircraft; a repeated ``aircraft_id`` is an error."""
    seen: dict[str, int] = {}
    states: list[tuple[str, float, float, float, float, float, float]] = []
    for lineno, row in _rows(path, COLUMNS):
        try:
            state = _state(row)
        except RowError as exc:
            raise InvalidInput(f"{path}:{lineno}: {exc}") from None
        if state[0] in seen:
            raise InvalidInput(
                f"{path}:{lineno}: aircraft {state[0]!r} already has a state on line "
                f"{seen[state[0]]}; a snapshot holds one state per aircraft."
            )
        seen[state[0]] = lineno
        states.append(state)
    cols = list(zip(*states, strict=True)) if states else [()] * 7

    def f(k: int) -> np.ndarray[tuple[int], np.dtype[np.float64]]:
        return np.array(cols[k], dtype=np.float64).reshape(-1)

    return Snapshot(
        aircraft_id=[str(x) for x in cols[0]],
        lat_deg=f(1),
        lng_deg=f(2),
        alt_m=f(3),
        gs_mps=f(4),
        trk_deg=f(5),
        vs_mps=f(6),
    )


def _time(text: str) -> float:
    text = text.strip()
    try:
        return number(text, "time")
    except RowError:
        pass
    try:
        return parse_rfc3339(text)
    except InvalidInput as exc:
        raise RowError(f"time: {exc.message}") from None


def read_recording(path: Path) -> Recording:
    """Time-stamped states: the snapshot columns plus ``time`` (and optional ``on_ground``)."""
    index: dict[str, int] = {}
    rows: list[tuple[float, int, float, float, float, float, float, float, bool]] = []
    for lineno, row in _rows(path, ("time", *COLUMNS)):
        try:
            t = _time(row["time"])
            aircraft_id, lat, lng, alt, gs, trk, vs = _state(row)
            flag = row.get("on_ground", "").strip().lower()
            if flag not in _TRUE | _FALSE:
                raise RowError(f"on_ground must be true or false, not {flag!r}.")
        except RowError as exc:
            raise InvalidInput(f"{path}:{lineno}: {exc}") from None
        k = index.setdefault(aircraft_id, len(index))
        rows.append((t, k, lat, lng, alt, gs, trk, vs, flag in _TRUE))
    return build_recording(list(index), rows)
