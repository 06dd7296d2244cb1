"""OpenSky Network state-vector CSV, as in its historical dumps (``states_*.csv``).

Columns ``time, icao24, lat, lon, velocity, heading, vertrate, callsign, onground, alert, spi,
squawk, baroaltitude, geoaltitude, lastposupdate, lastcontact`` (SI units already). A row
without position, velocity or heading is skipped; altitude is geometric where given, else
barometric; the state's time is ``lastposupdate`` where given, else ``time``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from skyshare.errors import InvalidInput
from skyshare.recordings._base import Recording, RowError, build_recording, number, open_text

__all__ = ["REQUIRED", "read_recording"]

REQUIRED = ("time", "icao24", "lat", "lon", "velocity", "heading", "onground")
_TRUE = {"true", "1", "t"}
_FALSE = {"false", "0", "f", ""}


def read_recording(path: Path) -> Recording:
    """All usable state vectors of the file, sorted by time."""
    lines = open_text(path)
    reader = csv.reader(lines)
    header: list[str] | None = None
    col: dict[str, int] = {}
    index: dict[str, int] = {}
    rows: list[tuple[float, int, float, float, float, float, float, float, bool]] = []
    for lineno, fields in enumerate(reader, start=1):
        if not fields or all(not f.strip() for f in fields):
            continue
        if header is None:
            header = [f.strip().lower() for f in fields]
            missing = [c for c in REQUIRED if c not in header]
            if missing or not ({"baroaltitude", "geoaltitude"} & set(header)):
                raise InvalidInput(
                    f"{path}:{lineno}: not an OpenSky state-vector header; it lacks "
                    f"{', '.join(missing) or 'baroaltitude/geoaltitude'}."
                )
            col = {name: k for k, name in enumerate(header)}
            continue
        if len(fields) != len(header):
            raise InvalidInput(
                f"{path}:{lineno}: {len(fields)} fields where the header has {len(header)}."
            )
        try:
            row = _row(fields, col, index)
        except RowError as exc:
            raise InvalidInput(f"{path}:{lineno}: {exc}") from None
        if row is not None:
            rows.append(row)
    if header is None:
        raise InvalidInput(f"{path}:1: empty file; expected an OpenSky state-vector header.")
    return build_recording(list(index), rows)


def _get(fields: list[str], col: dict[str, int], name: str) -> str:
    k = col.get(name)
    return "" if k is None else fields[k].strip()


def _row(
    fields: list[str], col: dict[str, int], index: dict[str, int]
) -> tuple[float, int, float, float, float, float, float, float, bool] | None:
    icao24 = _get(fields, col, "icao24").lower()
    if not icao24:
        raise RowError("icao24 is empty.")
    flag = _get(fields, col, "onground").lower()
    if flag not in _TRUE | _FALSE:
        raise RowError(f"onground must be true or false, not {flag!r}.")
    time_s = number(_get(fields, col, "time"), "time")
    pos_text = _get(fields, col, "lastposupdate")
    if pos_text:
        time_s = number(pos_text, "lastposupdate")
    lat_text, lon_text = _get(fields, col, "lat"), _get(fields, col, "lon")
    vel_text, hdg_text = _get(fields, col, "velocity"), _get(fields, col, "heading")
    geo_text, baro_text = _get(fields, col, "geoaltitude"), _get(fields, col, "baroaltitude")
    alt_text = geo_text or baro_text
    if not (lat_text and lon_text and vel_text and hdg_text) or not (alt_text or flag in _TRUE):
        return None  # no position or velocity yet: nothing to predict from
    vr_text = _get(fields, col, "vertrate")
    return (
        time_s,
        index.setdefault(icao24, len(index)),
        number(lat_text, "lat", low=-90.0, high=90.0),
        number(lon_text, "lon", low=-180.0, high=180.0),
        number(alt_text, "geoaltitude" if geo_text else "baroaltitude") if alt_text else 0.0,
        number(vel_text, "velocity", low=0.0),
        number(hdg_text, "heading", low=-360.0, high=360.0),
        number(vr_text, "vertrate") if vr_text else 0.0,
        flag in _TRUE,
    )
