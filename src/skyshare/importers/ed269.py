"""EUROCAE ED-269 and ED-318 UAS geographical zone files (JSON).

ED-269 (2020) writes ``{"title", "description", "features": [UASZoneVersion, ...]}`` (some
producers say ``UASZoneList``): each zone has ``identifier``, ``name``, ``restriction``
(``PROHIBITED``, ``REQ_AUTHORISATION``, ``CONDITIONAL``, ``NO_RESTRICTION``), ``geometry``
(a list of volumes: ``uomDimensions`` M|FT, ``lowerLimit``/``upperLimit`` with
``lowerVerticalReference``/``upperVerticalReference`` AGL|AMSL|WGS84, and a
``horizontalProjection`` Polygon or Circle ``{center: [lng, lat], radius}``), and
``applicability`` (``permanent`` YES|NO, ``startDateTime``/``endDateTime``, ``schedule`` of
``{day: [MON..SUN|ANY], startTime, endTime}``).

ED-318 (2023) is GeoJSON: a FeatureCollection whose features carry the zone in
``properties`` (``identifier``, ``name``, ``type`` PROHIBITED|REQ_AUTHORIZATION|...,
``limitedApplicability`` of ``{startDateTime, endDateTime, schedule}``; absent = permanent)
and the vertical extent in ``geometry.layer`` (``lower``/``upper``, ``lowerReference``/
``upperReference``, ``uom`` m|ft; §4.2.3.2). A ``Point`` with ``extent: {subType: "Circle",
radius}`` is a circle (§4.2.3.1). Both formats share the limit and schedule readers below.

Schedule clock times may carry a zone (``08:00Z``, ``08:00+01:00``); times without one are
read in the ``time_zone`` given to the reader (an IANA name, so DST is followed). Sunrise and
sunset events (ED-318 ``startEvent``/``endEvent``) are refused: skyshare has no ephemeris.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from skyshare.errors import InvalidInput
from skyshare.importers._common import (
    Collector,
    ImportResult,
    altitude,
    check_band,
    make_polygon,
)
from skyshare.importers._json import JsonFile, load_json
from skyshare.model.restriction import (
    WEEKDAYS,
    DailyWindow,
    Period,
    Restriction,
    Schedule,
    parse_clock,
    resolve_time_zone,
)
from skyshare.model.volume import MAX_RADIUS_M, Altitude, Circle, Footprint, Volume4D

__all__ = ["parse_ed269", "parse_ed318", "read_ed269", "read_ed318"]

_TIME = re.compile(r"^(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|z|[+-]\d{2}:?\d{2})?$")
_REFS = {"AGL": "AGL", "SFC": "AGL", "AMSL": "MSL", "MSL": "MSL", "WGS84": "MSL", "W84": "MSL"}


class _Zone:
    """Reads one zone; remembers the time zone its clock times are in."""

    def __init__(self, f: JsonFile, default_tz: str) -> None:
        self.f = f
        self.default_tz = default_tz
        self.zones: set[str | None] = set()

    # --- vertical limits ------------------------------------------------------------------

    def limit(
        self, value: Any, ref: Any, uom: str, path: str, ref_path: str, *, upper: bool
    ) -> Altitude:
        f = self.f
        ref_text = f.string(ref, ref_path).upper() if ref is not None else "AGL"
        datum = _REFS.get(ref_text)
        if datum is None:
            raise f.error(ref_path, f"must be AGL, AMSL or WGS84; got {ref_text!r}.")
        if value is None:
            if not upper:
                return altitude(0.0, "M", "AGL")
            return Altitude(None)
        try:
            return altitude(f.number(value, path), uom, datum)
        except InvalidInput as exc:
            if "location" in exc.details:
                raise
            raise f.error(path, exc.message) from None

    def limits(
        self,
        obj: Mapping[str, Any],
        path: str,
        uom: str,
        lower_keys: tuple[str, str],
        upper_keys: tuple[str, str],
    ) -> tuple[Altitude, Altitude]:
        """Lower and upper limits of ``obj`` under the given (value, reference) keys, checked
        as a band; ED-269 and ED-318 name the same fields differently."""
        (lv, lr), (uv, ur) = lower_keys, upper_keys
        lower = self.limit(
            obj.get(lv), obj.get(lr), uom, f"{path}.{lv}", f"{path}.{lr}", upper=False
        )
        upper = self.limit(
            obj.get(uv), obj.get(ur), uom, f"{path}.{uv}", f"{path}.{ur}", upper=True
        )
        self.band(lower, upper, path)
        return lower, upper

    def band(self, lower: Altitude, upper: Altitude, path: str) -> None:
        try:
            check_band(lower, upper)
        except InvalidInput as exc:
            raise self.f.error(path, exc.message) from None

    def uom(self, value: Any, path: str, default: str) -> str:
        text = default if value is None else self.f.string(value, path).upper()
        if text not in ("M", "FT"):
            raise self.f.error(path, f"must be M or FT; got {text!r}.")
        return text

    # --- geometry -------------------------------------------------------------------------

    def polygon(self, coords: Any, path: str, warnings: list[str]) -> Footprint:
        f = self.f
        rings = f.array(coords, path)
        if rings and isinstance(rings[0], list) and rings[0] and isinstance(rings[0][0], list):
            if len(rings) > 1:
                raise f.error(path, "polygons with holes are not supported; split the zone.")
            ring_path, raw = f"{path}[0]", rings[0]
        else:  # ED-269 producers also write the outer ring alone
            ring_path, raw = path, rings
        pts = f.ring(raw, ring_path)
        try:
            return make_polygon(pts, f"{f.label}:{ring_path}", warnings)
        except InvalidInput as exc:
            raise f.error(ring_path, exc.message) from None

    def circle(self, center: Any, radius: Any, uom: str, path: str, rpath: str) -> Circle:
        c = self.f.position(center, path)
        r = self.f.number(radius, rpath)
        r_m = altitude(r, uom, "MSL").value_m if uom == "FT" else r
        assert r_m is not None
        if not 0.0 < r_m <= MAX_RADIUS_M:
            raise self.f.error(rpath, f"a radius must be in (0, {MAX_RADIUS_M:.0f}] m; got {r_m}.")
        return Circle(c, r_m)

    # --- schedules ------------------------------------------------------------------------

    def clock(self, value: Any, path: str, *, end: bool) -> int:
        text = self.f.string(value, path).strip()
        m = _TIME.match(text)
        if m is None:
            raise self.f.error(path, f"{text!r} is not a time of day (e.g. 08:00, 08:00:00Z).")
        zone = m.group(2)
        if zone is not None:
            zone = zone.upper()
            if zone in ("Z", "+00:00", "-00:00", "+0000", "-0000"):
                zone = "UTC"
            elif ":" not in zone:
                zone = f"{zone[:3]}:{zone[3:]}"
        self.zones.add(zone)
        try:
            return parse_clock(m.group(1), end=end)
        except InvalidInput as exc:
            raise self.f.error(path, exc.message) from None

    def daily(self, raw: Any, path: str) -> DailyWindow:
        f = self.f
        m = f.obj(raw, path)
        for event in ("startEvent", "endEvent"):
            if m.get(event) is not None:
                raise f.error(
                    f"{path}.{event}",
                    "sunrise/sunset events are not supported; give startTime/endTime.",
                )
        days: list[int] = []
        for k, d in enumerate(f.list_or_one(m.get("day"))):
            code = f.string(d, f"{path}.day[{k}]").upper()
            if code == "ANY":
                days.extend(range(7))
            elif code in WEEKDAYS:
                days.append(WEEKDAYS.index(code))
            else:
                raise f.error(f"{path}.day[{k}]", f"must be MON..SUN or ANY; got {code!r}.")
        if not days:
            raise f.error(f"{path}.day", "needs at least one day.")
        start = self.clock(m.get("startTime", "00:00"), f"{path}.startTime", end=False)
        end = self.clock(m.get("endTime", "24:00"), f"{path}.endTime", end=True)
        # "00:00" as an end is the midnight that ends the day (DailyWindow wants (0, 86400]).
        return DailyWindow(tuple(sorted(set(days))), start, end or 86_400)

    def period(self, raw: Any, path: str, *, ed269: bool) -> Period:
        f = self.f
        m = f.obj(raw, path)
        permanent = False
        if ed269 and m.get("permanent") is not None:
            flag = f.string(m["permanent"], f"{path}.permanent").upper()
            if flag not in ("YES", "NO"):
                raise f.error(f"{path}.permanent", "must be YES or NO.")
            permanent = flag == "YES"
        start = end = None
        if not permanent:
            if m.get("startDateTime") is not None:
                start = f.time(m["startDateTime"], f"{path}.startDateTime")
            if m.get("endDateTime") is not None:
                end = f.time(m["endDateTime"], f"{path}.endDateTime")
        daily = tuple(
            self.daily(d, f"{path}.schedule[{j}]")
            for j, d in enumerate(f.list_or_one(m.get("schedule")))
        )
        if start is not None and end is not None and end <= start:
            raise f.error(f"{path}.endDateTime", "must be after startDateTime.")
        if ed269 and not permanent and start is None and end is None and not daily:
            raise f.error(path, "is not permanent but gives no time (startDateTime, schedule).")
        return Period(start, end, daily)

    def schedule(self, periods: list[Period], path: str) -> Schedule:
        if not periods:
            return Schedule.always()
        if len(self.zones) > 1:
            raise self.f.error(
                path, "mixes clock times in different time zones (or with and without one)."
            )
        zone = next(iter(self.zones), None) or self.default_tz
        return Schedule(tuple(periods), zone)


def _name(f: JsonFile, value: Any, path: str, fallback: str) -> str:
    """ED-318 names are a string or a list of ``{text, lang}``; the first one is kept."""
    for i, item in enumerate(f.list_or_one(value)):
        if isinstance(item, str) and item.strip():
            return item.strip()
        if isinstance(item, Mapping):
            return f.string(item.get("text"), f"{path}[{i}].text").strip() or fallback
    return fallback


def _identifier(f: JsonFile, value: Any, path: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = f.string(value, path).strip()
    if not text:
        raise f.error(path, "must not be empty.")
    return text


def _ed269_zone(f: JsonFile, raw: Any, path: str, tz: str, warnings: list[str]) -> Restriction:
    m = f.obj(raw, path)
    zone = _Zone(f, tz)
    ident = _identifier(f, m.get("identifier"), f"{path}.identifier")
    kind = m.get("restriction")
    kind = f.string(kind, f"{path}.restriction").upper() if kind is not None else ""
    volumes: list[Volume4D] = []
    geoms = f.array(m.get("geometry"), f"{path}.geometry")
    if not geoms:
        raise f.error(f"{path}.geometry", "needs at least one volume.")
    for j, g in enumerate(geoms):
        gp = f"{path}.geometry[{j}]"
        gm = f.obj(g, gp)
        uom = zone.uom(gm.get("uomDimensions"), f"{gp}.uomDimensions", "M")
        lower, upper = zone.limits(
            gm,
            gp,
            uom,
            ("lowerLimit", "lowerVerticalReference"),
            ("upperLimit", "upperVerticalReference"),
        )
        hp_path = f"{gp}.horizontalProjection"
        hp = f.obj(gm.get("horizontalProjection"), hp_path)
        htype = hp.get("type")
        footprint: Footprint
        if htype == "Polygon":
            footprint = zone.polygon(hp.get("coordinates"), f"{hp_path}.coordinates", warnings)
        elif htype == "Circle":
            footprint = zone.circle(
                hp.get("center"), hp.get("radius"), uom, f"{hp_path}.center", f"{hp_path}.radius"
            )
        else:
            raise f.error(f"{hp_path}.type", f"must be Polygon or Circle; got {htype!r}.")
        volumes.append(Volume4D(footprint, lower, upper, None, None))
    periods = [
        zone.period(p, f"{path}.applicability[{k}]", ed269=True)
        for k, p in enumerate(f.list_or_one(m.get("applicability")))
    ]
    schedule = zone.schedule(periods, f"{path}.applicability")
    name = _name(f, m.get("name"), f"{path}.name", ident)
    return Restriction(None, name, "", ident, kind, tuple(volumes), schedule)


def _ed318_geometry(
    zone: _Zone, geom: Mapping[str, Any], layer: Any, path: str, warnings: list[str]
) -> list[Volume4D]:
    f = zone.f
    gtype = geom.get("type")
    if gtype == "GeometryCollection":
        out: list[Volume4D] = []
        for j, g in enumerate(f.array(geom.get("geometries"), f"{path}.geometries")):
            gp = f"{path}.geometries[{j}]"
            out.extend(_ed318_geometry(zone, f.obj(g, gp), layer, gp, warnings))
        return out
    lay_raw = geom.get("layer", layer)
    lp = f"{path}.layer"
    lay = f.obj(lay_raw, lp)
    uom = zone.uom(lay.get("uom"), f"{lp}.uom", "M")
    lower, upper = zone.limits(
        lay, lp, uom, ("lower", "lowerReference"), ("upper", "upperReference")
    )
    cpath = f"{path}.coordinates"
    footprints: list[Footprint]
    if gtype == "Polygon":
        footprints = [zone.polygon(geom.get("coordinates"), cpath, warnings)]
    elif gtype == "MultiPolygon":
        parts = f.array(geom.get("coordinates"), cpath)
        footprints = [zone.polygon(p, f"{cpath}[{k}]", warnings) for k, p in enumerate(parts)]
    elif gtype == "Point":
        ext = f.obj(geom.get("extent"), f"{path}.extent")
        if ext.get("subType") != "Circle":
            raise f.error(f"{path}.extent.subType", "must be Circle.")
        footprints = [
            zone.circle(
                geom.get("coordinates"), ext.get("radius"), "M", cpath, f"{path}.extent.radius"
            )
        ]
    else:
        raise f.error(
            f"{path}.type",
            f"must be Polygon, MultiPolygon, Point (circle) or GeometryCollection; got {gtype!r}.",
        )
    return [Volume4D(fp, lower, upper, None, None) for fp in footprints]


def _ed318_zone(f: JsonFile, raw: Any, path: str, tz: str, warnings: list[str]) -> Restriction:
    feat = f.obj(raw, path)
    ppath = f"{path}.properties"
    props = dict(f.obj(feat.get("properties"), ppath))
    nested = props.pop("UASZone", None)
    if nested is not None:
        props.update(f.obj(nested, f"{ppath}.UASZone"))
    zone = _Zone(f, tz)
    ident = _identifier(f, props.get("identifier"), f"{ppath}.identifier")
    kind = props.get("type")
    kind = f.string(kind, f"{ppath}.type").upper() if kind is not None else ""
    gpath = f"{path}.geometry"
    volumes = _ed318_geometry(
        zone, f.obj(feat.get("geometry"), gpath), props.get("verticalLayer"), gpath, warnings
    )
    periods = [
        zone.period(p, f"{ppath}.limitedApplicability[{k}]", ed269=False)
        for k, p in enumerate(f.list_or_one(props.get("limitedApplicability")))
    ]
    schedule = zone.schedule(periods, f"{ppath}.limitedApplicability")
    name = _name(f, props.get("name"), f"{ppath}.name", ident)
    return Restriction(None, name, "", ident, kind, tuple(volumes), schedule)


_Reader = Callable[[JsonFile, Any, str, str, list[str]], Restriction]


def _run(
    features: list[Any],
    base: str,
    f: JsonFile,
    source: str,
    tz: str,
    skip_invalid: bool,
    reader: _Reader,
) -> ImportResult:
    out = Collector(skip_invalid=skip_invalid)
    for i, raw in enumerate(features):
        path = f"{base}[{i}]"

        def build(raw: Any = raw, path: str = path) -> Restriction:
            r = reader(f, raw, path, tz, out.warnings)
            return Restriction(None, r.name, source, r.source_id, r.type, r.volumes, r.schedule)

        r = out.run(f"{f.label}:{path}", build)
        if r is not None:
            out.restrictions.append(r)
    return out.result()


def parse_ed269(
    doc: Any,
    source: str,
    *,
    label: str | None = None,
    skip_invalid: bool = False,
    time_zone: str = "UTC",
) -> ImportResult:
    """Restrictions from a parsed ED-269 document; ``time_zone`` reads zone-less clock times."""
    f = JsonFile(label or source)
    resolve_time_zone(time_zone)
    if isinstance(doc, list):
        features, base = doc, "$"
    else:
        top = f.obj(doc, "$")
        key = "features" if "features" in top else "UASZoneList"
        features, base = f.array(top.get(key), f"$.{key}"), f"$.{key}"
    return _run(features, base, f, source, time_zone, skip_invalid, _ed269_zone)


def parse_ed318(
    doc: Any,
    source: str,
    *,
    label: str | None = None,
    skip_invalid: bool = False,
    time_zone: str = "UTC",
) -> ImportResult:
    """Restrictions from a parsed ED-318 FeatureCollection."""
    f = JsonFile(label or source)
    resolve_time_zone(time_zone)
    top = f.obj(doc, "$")
    if top.get("type") != "FeatureCollection":
        raise f.error("$.type", "an ED-318 file is a GeoJSON FeatureCollection.")
    features = f.array(top.get("features"), "$.features")
    return _run(features, "$.features", f, source, time_zone, skip_invalid, _ed318_zone)


def read_ed269(
    path: str | Path, *, skip_invalid: bool = False, time_zone: str = "UTC"
) -> ImportResult:
    """Restrictions from an ED-269 file."""
    p = Path(path)
    doc = load_json(p.read_bytes(), str(path))
    return parse_ed269(doc, p.name, label=str(path), skip_invalid=skip_invalid, time_zone=time_zone)


def read_ed318(
    path: str | Path, *, skip_invalid: bool = False, time_zone: str = "UTC"
) -> ImportResult:
    """Restrictions from an ED-318 file."""
    p = Path(path)
    doc = load_json(p.read_bytes(), str(path))
    return parse_ed318(doc, p.name, label=str(path), skip_invalid=skip_invalid, time_zone=time_zone)
