"""A head-on encounter recorded at 1 Hz, written in each recording format replay reads.

A and B fly head-on along the equator from 4° apart at 250 m/s each and pass at
``T0 + 889.6 s``; C flies far away. With the default minima the pair first alerts at the step
``T0 + 575`` (when the conflict starts inside 300 s) and loses separation at about
``T0 + 872``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from skyshare.timefmt import format_rfc3339, to_datetime
from skyshare.units import EARTH_RADIUS_M, FT_M, KT_MPS

__all__ = ["T0", "Report", "reports", "write_csv", "write_opensky", "write_sbs1"]

#: 2026-11-24T10:00:00Z, a multiple of every step used in the tests.
T0 = 1795514400.0
_DEG_PER_M = 180.0 / (math.pi * EARTH_RADIUS_M)


@dataclass(frozen=True, slots=True)
class Report:
    time_s: float
    aircraft: str
    lat: float
    lng: float
    alt_m: float
    gs_mps: float
    trk_deg: float
    vs_mps: float
    on_ground: bool = False


def reports(duration_s: int = 1000, *, ground_c: bool = False) -> list[Report]:
    out = []
    for k in range(duration_s + 1):
        t = T0 + k
        moved = 250.0 * k * _DEG_PER_M
        out.append(Report(t, "AAA111", 0.0, -2.0 + moved, 10000.0, 250.0, 90.0, 0.0))
        out.append(Report(t, "BBB222", 0.0, 2.0 - moved, 10000.0, 250.0, 270.0, 0.0))
        out.append(
            Report(t, "CCC333", 30.0, 30.0, 10000.0, 0.0 if ground_c else 200.0, 0.0, 0.0, ground_c)
        )
    return out


def write_csv(path: Path, rows: list[Report], *, newline: str = "\n") -> Path:
    lines = [
        "time,aircraft_id,lat,lng,altitude_m,ground_speed_mps,track_deg,vertical_rate_mps,on_ground"
    ]
    for r in rows:
        lines.append(
            f"{format_rfc3339(r.time_s)},{r.aircraft},{r.lat!r},{r.lng!r},{r.alt_m},"
            f"{r.gs_mps},{r.trk_deg},{r.vs_mps},{str(r.on_ground).lower()}"
        )
    path.write_bytes((newline.join(lines) + newline).encode())
    return path


def write_opensky(path: Path, rows: list[Report]) -> Path:
    lines = [
        "time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,"
        "baroaltitude,geoaltitude,lastposupdate,lastcontact"
    ]
    for r in rows:
        # Geometric altitude given, barometric 100 m off: the reader must prefer geometric.
        lines.append(
            f"{int(r.time_s)},{r.aircraft.lower()},{r.lat!r},{r.lng!r},{r.gs_mps},{r.trk_deg},"
            f"{r.vs_mps},CALL{r.aircraft[:3]},{r.on_ground},False,False,1000,"
            f"{r.alt_m + 100.0},{r.alt_m},{r.time_s},{r.time_s}"
        )
    # A receiver's row without position: skipped, not refused.
    lines.append(f"{int(T0)},abcdef,,,,,,,False,False,False,,,,,{T0}")
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def write_sbs1(path: Path, rows: list[Report]) -> Path:
    lines = []
    for r in rows:
        dt = to_datetime(r.time_s)
        date = dt.strftime("%Y/%m/%d")
        clock = dt.strftime("%H:%M:%S.") + f"{dt.microsecond // 1000:03d}"
        head = f"1,1,{r.aircraft},1,{date},{clock},{date},{clock}"
        ground = "-1" if r.on_ground else "0"
        lines.append(
            f"MSG,4,{head},,,{r.gs_mps / KT_MPS!r},{r.trk_deg},,,{r.vs_mps / FT_M * 60.0!r},,,,,0"
        )
        lines.append(f"MSG,3,{head},,{r.alt_m / FT_M!r},,,{r.lat!r},{r.lng!r},,,0,0,0,{ground}")
        lines.append(f"MSG,1,{head},CALL{r.aircraft[:3]},,,,,,,,,,,")
    path.write_text("\n".join(lines) + "\n")
    return path
