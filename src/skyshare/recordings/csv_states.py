"""The skyshare state CSV (API.md): a snapshot for ``detect``, plus ``time`` for ``replay``.

Columns ``aircraft_id, lat, lng, altitude_m, ground_speed_mps, track_deg, vertical_rate_mps``
in any order (extra columns are ignored); a recording adds ``time`` (RFC 3339 or epoch
seconds) and may add ``on_ground`` (true/false).
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from skyshare.errors import InvalidInput
from skyshare.recordings._base import F64, Recording, RowError, Snapshot, number
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


_RANGES: dict[str, tuple[float, float]] = {
    "lat": (-90.0, 90.0),
    "lng": (-180.0, 180.0),
    "altitude_m": (-math.inf, math.inf),
    "ground_speed_mps": (0.0, math.inf),
    "track_deg": (-360.0, 360.0),
    "vertical_rate_mps": (-math.inf, math.inf),
}


@dataclass(frozen=True, slots=True)
class _Table:
    """The data rows of a CSV file as text columns, with each row's line number."""

    path: Path
    lineno: list[int]
    columns: dict[str, list[str]]

    def fail(self, row: int, message: str) -> InvalidInput:
        return InvalidInput(f"{self.path}:{self.lineno[row]}: {message}")


def _table(path: Path, required: tuple[str, ...]) -> _Table:
    """Read and check the header and the field count of every row, streaming into columns."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return _read_table(path, fh, required)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}).") from exc
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read ({exc.strerror}).") from exc
    except csv.Error as exc:
        raise InvalidInput(f"{path}: not readable as CSV ({exc}).") from exc


def _read_table(path: Path, fh: TextIO, required: tuple[str, ...]) -> _Table:
    reader = csv.reader(fh)
    header: list[str] | None = None
    linenos: list[int] = []
    columns: list[list[str]] = []
    for fields in reader:
        lineno = reader.line_num
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
            columns = [[] for _ in header]
            continue
        if len(fields) != len(header):
            raise InvalidInput(
                f"{path}:{lineno}: {len(fields)} fields where the header has {len(header)}."
            )
        linenos.append(lineno)
        for column, text in zip(columns, fields, strict=True):
            column.append(text)
    if header is None:
        raise InvalidInput(f"{path}:1: empty file; expected a header with {', '.join(required)}.")
    return _Table(path, linenos, dict(zip(header, columns, strict=True)))


def _floats(table: _Table, name: str) -> F64:
    """A numeric column, parsed at C speed; on any bad value, the first bad row is named."""
    low, high = _RANGES[name]
    texts = table.columns[name]
    try:
        values = np.array(texts, dtype=np.float64).reshape(-1)
        ok = bool(np.all(np.isfinite(values) & (values >= low) & (values <= high)))
    except ValueError:
        ok = False
    if not ok:
        for row, text in enumerate(texts):
            try:
                number(text, name, low=low, high=high)
            except RowError as exc:
                raise table.fail(row, str(exc)) from None
    return values


def _ids(table: _Table) -> list[str]:
    ids = [text.strip() for text in table.columns["aircraft_id"]]
    for row, aircraft_id in enumerate(ids):
        if not aircraft_id:
            raise table.fail(row, "aircraft_id is empty.")
    return ids


def read_snapshot(path: Path) -> Snapshot:
    """One state per aircraft; a repeated ``aircraft_id`` is an error."""
    table = _table(path, COLUMNS)
    arrays = {name: _floats(table, name) for name in COLUMNS[1:]}
    ids = _ids(table)
    seen: dict[str, int] = {}
    for row, aircraft_id in enumerate(ids):
        if aircraft_id in seen:
            raise table.fail(
                row,
                f"aircraft {aircraft_id!r} already has a state on line "
                f"{table.lineno[seen[aircraft_id]]}; a snapshot holds one state per aircraft.",
            )
        seen[aircraft_id] = row
    return Snapshot(
        aircraft_id=ids,
        lat_deg=arrays["lat"],
        lng_deg=arrays["lng"],
        alt_m=arrays["altitude_m"],
        gs_mps=arrays["ground_speed_mps"],
        trk_deg=arrays["track_deg"],
        vs_mps=arrays["vertical_rate_mps"],
    )


@functools.lru_cache(maxsize=4096)
def _time(text: str) -> float:
    """Epoch seconds from a number or RFC 3339; cached since many rows share one time."""
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
    table = _table(path, ("time", *COLUMNS))
    times: list[float] = []
    for row, text in enumerate(table.columns["time"]):
        try:
            times.append(_time(text))
        except RowError as exc:
            raise table.fail(row, str(exc)) from None
    arrays = {name: _floats(table, name) for name in COLUMNS[1:]}
    ids = _ids(table)
    index: dict[str, int] = {}
    aircraft = np.array([index.setdefault(a, len(index)) for a in ids], dtype=np.int64)
    flags = [f.strip().lower() for f in table.columns.get("on_ground", [""] * len(ids))]
    for row, flag in enumerate(flags):
        if flag not in _TRUE and flag not in _FALSE:
            raise table.fail(row, f"on_ground must be true or false, not {flag!r}.")
    time_s = np.array(times, dtype=np.float64).reshape(-1)
    order = np.argsort(time_s, kind="stable")
    return Recording(
        ids=list(index),
        time_s=time_s[order],
        aircraft=aircraft[order],
        lat_deg=arrays["lat"][order],
        lng_deg=arrays["lng"][order],
        alt_m=arrays["altitude_m"][order],
        gs_mps=arrays["ground_speed_mps"][order],
        trk_deg=arrays["track_deg"][order],
        vs_mps=arrays["vertical_rate_mps"][order],
        on_ground=np.array([f in _TRUE for f in flags], dtype=np.bool_).reshape(-1)[order],
    )
