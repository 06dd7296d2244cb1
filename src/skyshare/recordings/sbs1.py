"""SBS-1 / BaseStation messages (port 30003 text): MSG,3 positions merged with MSG,4 velocity.

``MSG,type,session,aircraft,hexident,flight,date_gen,time_gen,date_log,time_log,callsign,
altitude_ft,ground_speed_kt,track_deg,lat,lon,vertical_rate_fpm,squawk,alert,emergency,spi,
is_on_ground``. Each position (MSG,3) becomes a state with the latest velocity (MSG,4) of the
same aircraft; positions before any velocity are skipped. Times are UTC; other message types
are ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from skyshare.errors import InvalidInput
from skyshare.recordings._base import Recording, RowError, build_recording, number, open_text
from skyshare.units import ft_to_m, kt_to_mps

__all__ = ["looks_like_sbs1", "read_recording"]

_TYPES = ("MSG", "SEL", "ID", "AIR", "STA", "CLK")
_TRUE = {"-1", "1", "true"}


def looks_like_sbs1(line: str) -> bool:
    return line.split(",", 1)[0].strip().upper() in _TYPES


def _time(date: str, clock: str) -> float:
    """``2026/11/24`` and ``10:00:00.123`` (UTC) as epoch seconds."""
    try:
        y, mo, d = (int(p) for p in date.strip().split("/"))
        hh, mm, ss = clock.strip().split(":")
        seconds = float(ss)
        if not 0.0 <= seconds < 61.0:
            raise ValueError(ss)
        return datetime(y, mo, d, int(hh), int(mm), tzinfo=UTC).timestamp() + seconds
    except ValueError:
        raise RowError(
            f"date and time {date!r} {clock!r} are not YYYY/MM/DD HH:MM:SS.fff."
        ) from None


def read_recording(path: Path) -> Recording:
    """States at every position report that follows a velocity report of the same aircraft."""
    index: dict[str, int] = {}
    velocity: dict[str, tuple[float, float, float]] = {}
    rows: list[tuple[float, int, float, float, float, float, float, float, bool]] = []
    for lineno, line in enumerate(open_text(path), start=1):
        if not line.strip():
            continue
        fields = line.split(",")
        kind = fields[0].strip().upper()
        if kind not in _TYPES:
            raise InvalidInput(
                f"{path}:{lineno}: not an SBS-1 message (expected MSG, SEL, ID, AIR, STA or CLK)."
            )
        if kind != "MSG":
            continue
        if len(fields) < 22:
            raise InvalidInput(
                f"{path}:{lineno}: an SBS-1 MSG line has 22 fields, not {len(fields)}."
            )
        hexident = fields[4].strip().lower()
        try:
            if not hexident:
                raise RowError("the hex ident (field 5) is empty.")
            mtype = fields[1].strip()
            if mtype == "4":
                gs, trk, vr = fields[12].strip(), fields[13].strip(), fields[16].strip()
                if gs and trk:
                    velocity[hexident] = (
                        kt_to_mps(number(gs, "ground speed", low=0.0)),
                        number(trk, "track", low=-360.0, high=360.0),
                        ft_to_m(number(vr, "vertical rate")) / 60.0 if vr else 0.0,
                    )
            elif mtype == "3":
                alt, lat, lon = fields[11].strip(), fields[14].strip(), fields[15].strip()
                if not (alt and lat and lon) or hexident not in velocity:
                    continue
                t = _time(fields[6], fields[7])
                gs_mps, trk_deg, vs_mps = velocity[hexident]
                rows.append(
                    (
                        t,
                        index.setdefault(hexident, len(index)),
                        number(lat, "latitude", low=-90.0, high=90.0),
                        number(lon, "longitude", low=-180.0, high=180.0),
                        ft_to_m(number(alt, "altitude")),
                        gs_mps,
                        trk_deg,
                        vs_mps,
                        fields[21].strip().lower() in _TRUE,
                    )
                )
        except RowError as exc:
            raise InvalidInput(f"{path}:{lineno}: {exc}") from None
    return build_recording(list(index), rows)
