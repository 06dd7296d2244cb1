"""Restrictions: authority-owned volumes nobody may enter, and when they apply.

A restriction is read from an airspace file (OpenAir, GeoJSON, EUROCAE ED-269 / ED-318) and
keeps the file's name for it (``source``), its identifier there (``source_id``, stable so that
re-importing a file updates rather than duplicates) and its class or type. Its ``schedule``
says when it applies: a zone is a restriction only while applicable, so strategic checks turn
it into time-bounded volumes with :func:`expand_schedule`. ``schedule=None`` means always.

Daily windows are wall-clock times in a named time zone (``"Europe/Paris"``) or a fixed UTC
offset (``"+01:00"``), so a window "08:00-17:00 local" follows daylight-saving changes through
:mod:`zoneinfo` (ED-269 §3.2 "DailyPeriod", ED-318 §4.2.4.4).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from skyshare.errors import InvalidInput
from skyshare.model.volume import Volume4D, parse_volume4d, volume_to_json
from skyshare.timefmt import format_rfc3339, parse_rfc3339

__all__ = [
    "DAY_S",
    "WEEKDAYS",
    "DailyWindow",
    "Period",
    "Restriction",
    "Schedule",
    "applicable_volumes",
    "expand_schedule",
    "format_clock",
    "parse_clock",
    "resolve_time_zone",
    "restriction_from_json",
    "restriction_to_json",
    "schedule_from_json",
    "schedule_to_json",
]

DAY_S = 86_400
#: ED-269/ED-318 weekday codes, index = ``date.weekday()`` (0 = Monday, ISO 8601).
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")

_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_CLOCK = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")


@lru_cache(maxsize=256)
def _tz(name: str) -> tzinfo:
    if name in ("UTC", "Z"):
        return UTC
    m = _OFFSET.match(name)
    if m is not None:
        sign = -1 if m.group(1) == "-" else 1
        hours, minutes = int(m.group(2)), int(m.group(3))
        if hours > 23 or minutes > 59:
            raise ValueError(name)
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    return ZoneInfo(name)


def resolve_time_zone(name: str, *, field: str | None = None) -> tzinfo:
    """The tzinfo of an IANA zone name, ``"UTC"`` or a fixed offset ``"+HH:MM"``.

    >>> resolve_time_zone("+01:30").utcoffset(None)
    datetime.timedelta(seconds=5400)
    """
    try:
        return _tz(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInput(
            f"{name!r} is not a known time zone (an IANA name such as 'Europe/Paris', "
            "'UTC' or an offset such as '+01:00').",
            field=field,
        ) from None


def parse_clock(text: object, *, field: str | None = None, end: bool = False) -> int:
    """Seconds after midnight of a clock time ``HH:MM[:SS]``; ``24:00`` only as an end.

    >>> parse_clock("08:30")
    30600
    >>> parse_clock("24:00", end=True)
    86400
    """
    m = _CLOCK.match(text) if isinstance(text, str) else None
    if m is None:
        raise InvalidInput(f"{text!r} is not a clock time HH:MM[:SS].", field=field)
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    value = h * 3600 + mi * 60 + s
    if mi > 59 or s > 59 or value > DAY_S or (value == DAY_S and not end):
        raise InvalidInput(f"{text!r} is not a valid clock time.", field=field)
    return value


def format_clock(seconds: int) -> str:
    """``HH:MM:SS`` of seconds after midnight (86400 gives ``24:00:00``).

    >>> format_clock(30600)
    '08:30:00'
    """
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@dataclass(frozen=True, slots=True)
class DailyWindow:
    """Local clock window on given weekdays; it may run past local midnight.

    ``days`` are ``date.weekday()`` numbers (0 = Monday). A window starts on each listed day at
    ``start_s`` after local midnight and ends at ``end_s``: the same day when ``end_s >
    start_s``, the next day otherwise (``22:00-02:00``); ``start_s == end_s`` is a whole day.
    """

    days: tuple[int, ...]
    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        if not self.days or any(d not in range(7) for d in self.days):
            raise InvalidInput("A daily window needs weekdays between 0 (Monday) and 6 (Sunday).")
        if len(set(self.days)) != len(self.days):
            raise InvalidInput("A daily window lists a weekday twice.")
        if not 0 <= self.start_s < DAY_S or not 0 < self.end_s <= DAY_S:
            raise InvalidInput("A daily window's times must lie within the day.")


@dataclass(frozen=True, slots=True)
class Period:
    """A UTC window (None = unbounded), narrowed to its daily windows when it has any."""

    start_s: float | None = None
    end_s: float | None = None
    daily: tuple[DailyWindow, ...] = ()

    def __post_init__(self) -> None:
        for t in (self.start_s, self.end_s):
            if t is not None and not math.isfinite(t):
                raise InvalidInput("A period's start and end must be finite times.")
        if self.start_s is not None and self.end_s is not None and self.end_s <= self.start_s:
            raise InvalidInput(
                f"A period must end after it starts ({format_rfc3339(self.end_s)} <= "
                f"{format_rfc3339(self.start_s)})."
            )


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a zone applies: the union of its periods, daily windows read in ``time_zone``."""

    periods: tuple[Period, ...]
    time_zone: str = "UTC"

    def __post_init__(self) -> None:
        if not self.periods:
            raise InvalidInput("A schedule needs at least one period.")
        resolve_time_zone(self.time_zone)

    @classmethod
    def always(cls) -> Schedule:
        """The schedule of a permanent zone (ED-269 ``permanent: YES``)."""
        return cls((Period(),))

    @property
    def permanent(self) -> bool:
        return any(p.start_s is None and p.end_s is None and not p.daily for p in self.periods)


@dataclass(frozen=True, slots=True)
class Restriction:
    """An area nobody may enter while its schedule applies (always when it has none)."""

    id: str | None
    name: str
    source: str
    source_id: str
    type: str
    volumes: tuple[Volume4D, ...]
    schedule: Schedule | None = None


def _local_instant(day: date, seconds: int, tz: tzinfo) -> float:
    # Wall-clock arithmetic: an aware datetime plus a timedelta keeps the clock reading, and
    # the offset is looked up afterwards, so 08:00 stays 08:00 across a DST change. A time in
    # the spring-forward gap maps forward by the gap; a repeated autumn time takes its first
    # occurrence (fold=0, PEP 495).
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    return (start + timedelta(seconds=seconds)).timestamp()


def _merge(windows: list[tuple[float, float]]) -> list[tuple[float, float]]:
    windows.sort()
    out: list[tuple[float, float]] = []
    for s, e in windows:
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def expand_schedule(
    schedule: Schedule | None, start_s: float, end_s: float
) -> list[tuple[float, float]]:
    """UTC windows (epoch seconds) when a schedule applies within ``[start_s, end_s)``.

    Windows are sorted, disjoint and clipped to the range; touching windows are merged.
    ``None`` (no schedule) applies throughout.

    >>> s = Schedule((Period(daily=(DailyWindow((0,), 22 * 3600, 2 * 3600),)),))
    >>> t0 = parse_rfc3339("2026-11-23T00:00:00Z")  # a Monday
    >>> [(format_rfc3339(a), format_rfc3339(b)) for a, b in expand_schedule(s, t0, t0 + 2 * DAY_S)]
    [('2026-11-23T22:00:00Z', '2026-11-24T02:00:00Z')]
    """
    if not end_s > start_s:
        return []
    if schedule is None:
        return [(start_s, end_s)]
    tz = resolve_time_zone(schedule.time_zone)
    out: list[tuple[float, float]] = []
    for p in schedule.periods:
        lo = start_s if p.start_s is None else max(start_s, p.start_s)
        hi = end_s if p.end_s is None else min(end_s, p.end_s)
        if hi <= lo:
            continue
        if not p.daily:
            out.append((lo, hi))
            continue
        # A window may start the local day before `lo` and run past midnight into it.
        day = datetime.fromtimestamp(lo, tz).date() - timedelta(days=1)
        last = datetime.fromtimestamp(hi, tz).date()
        while day <= last:
            weekday = day.weekday()
            for w in p.daily:
                if weekday not in w.days:
                    continue
                s = _local_instant(day, w.start_s, tz)
                end_day = day if w.end_s > w.start_s else day + timedelta(days=1)
                e = _local_instant(end_day, w.end_s, tz)
                s, e = max(s, lo), min(e, hi)
                if e > s:
                    out.append((s, e))
            day += timedelta(days=1)
    return _merge(out)


def applicable_volumes(
    restriction: Restriction, start_s: float, end_s: float
) -> tuple[Volume4D, ...]:
    """The restriction's volumes bounded to the windows when it applies in ``[start_s, end_s)``.

    Why: strategic checks compare time-bounded volumes, and a scheduled zone must not block
    the hours when it is not active.
    """
    out: list[Volume4D] = []
    for ws, we in expand_schedule(restriction.schedule, start_s, end_s):
        for v in restriction.volumes:
            s = ws if v.time_start_s is None else max(ws, v.time_start_s)
            e = we if v.time_end_s is None else min(we, v.time_end_s)
            if e > s:
                out.append(Volume4D(v.footprint, v.lower, v.upper, s, e))
    return tuple(out)


# --- JSON for storage and the API (round-trips exactly) ---------------------------------------


def _time_json(t: float | None) -> str | None:
    return None if t is None else format_rfc3339(t)


def schedule_to_json(schedule: Schedule) -> dict[str, Any]:
    """A schedule as JSON: ``{"time_zone", "periods": [{time_start, time_end, daily}]}``."""
    return {
        "time_zone": schedule.time_zone,
        "periods": [
            {
                "time_start": _time_json(p.start_s),
                "time_end": _time_json(p.end_s),
                "daily": [
                    {
                        "days": [WEEKDAYS[d] for d in w.days],
                        "start": format_clock(w.start_s),
                        "end": format_clock(w.end_s),
                    }
                    for w in p.daily
                ],
            }
            for p in schedule.periods
        ],
    }


def restriction_to_json(r: Restriction) -> dict[str, Any]:
    """The stored and served JSON of a restriction; volumes in the F3548 shape, metres."""
    return {
        "id": r.id,
        "name": r.name,
        "source": r.source,
        "source_id": r.source_id,
        "type": r.type,
        "volumes": [volume_to_json(v) for v in r.volumes],
        "schedule": None if r.schedule is None else schedule_to_json(r.schedule),
    }


def _obj(value: Any, path: str, keys: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{path} must be an object.", field=path)
    for k in value:
        if k not in keys:
            raise InvalidInput(f"{path}.{k} is not a known field.", field=f"{path}.{k}")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidInput(f"{path} must be a list.", field=path)
    return value


def _str(value: Any, path: str, *, optional: bool = False) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{path} must be a string.", field=path)
    return value


def _opt_time(value: Any, path: str) -> float | None:
    return None if value is None else parse_rfc3339(value, field=path)


def schedule_from_json(obj: Any, path: str = "schedule") -> Schedule:
    """A schedule from :func:`schedule_to_json`'s shape, refusing anything else by path."""
    m = _obj(obj, path, {"time_zone", "periods"})
    tz = _str(m.get("time_zone", "UTC"), f"{path}.time_zone")
    resolve_time_zone(tz, field=f"{path}.time_zone")
    periods: list[Period] = []
    for i, raw in enumerate(_list(m.get("periods"), f"{path}.periods")):
        pp = f"{path}.periods[{i}]"
        pm = _obj(raw, pp, {"time_start", "time_end", "daily"})
        daily: list[DailyWindow] = []
        for j, rw in enumerate(_list(pm.get("daily", []), f"{pp}.daily")):
            wp = f"{pp}.daily[{j}]"
            wm = _obj(rw, wp, {"days", "start", "end"})
            days: list[int] = []
            for k, d in enumerate(_list(wm.get("days"), f"{wp}.days")):
                if d not in WEEKDAYS:
                    raise InvalidInput(
                        f"{wp}.days[{k}] must be one of {', '.join(WEEKDAYS)}.",
                        field=f"{wp}.days[{k}]",
                    )
                days.append(WEEKDAYS.index(d))
            try:
                daily.append(
                    DailyWindow(
                        tuple(days),
                        parse_clock(wm.get("start"), field=f"{wp}.start"),
                        parse_clock(wm.get("end"), field=f"{wp}.end", end=True),
                    )
                )
            except InvalidInput as exc:
                raise InvalidInput(exc.message, field=exc.field or wp) from None
        try:
            periods.append(
                Period(
                    _opt_time(pm.get("time_start"), f"{pp}.time_start"),
                    _opt_time(pm.get("time_end"), f"{pp}.time_end"),
                    tuple(daily),
                )
            )
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field=exc.field or pp) from None
    if not periods:
        raise InvalidInput(f"{path}.periods needs at least one period.", field=f"{path}.periods")
    return Schedule(tuple(periods), tz)


def restriction_from_json(obj: Any, path: str = "restriction") -> Restriction:
    """A restriction from :func:`restriction_to_json`'s shape (``id`` may be null)."""
    keys = {"id", "name", "source", "source_id", "type", "volumes", "schedule"}
    m = _obj(obj, path, keys)
    rid = m.get("id")
    if rid is not None and not isinstance(rid, str):
        raise InvalidInput(f"{path}.id must be a string or null.", field=f"{path}.id")
    raw_volumes = _list(m.get("volumes"), f"{path}.volumes")
    if not raw_volumes:
        raise InvalidInput(f"{path}.volumes needs at least one volume.", field=f"{path}.volumes")
    volumes = tuple(
        parse_volume4d(v, f"{path}.volumes[{i}]", require_times=False)
        for i, v in enumerate(raw_volumes)
    )
    schedule = None
    if m.get("schedule") is not None:
        schedule = schedule_from_json(m["schedule"], f"{path}.schedule")
    return Restriction(
        id=rid,
        name=_str(m.get("name"), f"{path}.name"),
        source=_str(m.get("source"), f"{path}.source", optional=True),
        source_id=_str(m.get("source_id"), f"{path}.source_id", optional=True),
        type=_str(m.get("type"), f"{path}.type", optional=True),
        volumes=volumes,
        schedule=schedule,
    )
