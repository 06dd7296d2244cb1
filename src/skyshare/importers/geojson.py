"""GeoJSON airspace files (RFC 7946): a FeatureCollection of Polygon/MultiPolygon features.

Each polygon becomes one volume (a MultiPolygon gives one restriction with several volumes).
Rings with holes are refused: a volume has one outline, and dropping a hole would restrict
the area it frees. Positions are ``[lng, lat]``; the closing position is dropped. Properties
read (all optional):

- ``name`` (else ``title``), ``id`` (else the feature's ``id``, else its index) and
  ``type`` (else ``class``);
- ``lower``/``upper`` (also ``altitude_lower``/``altitude_upper``): a string in OpenAir syntax
  (``"SFC"``, ``"FL95"``, ``"1000 m AGL"``, ``"UNL"``) or an object ``{"value", "reference":
  "W84"|"AMSL"|"MSL"|"AGL"|"SFC", "units": "M"|"FT"|"FL"}``. Missing limits are taken as the
  surface and unlimited, the widest reading, and said so in a warning;
- ``time_start``/``time_end``: RFC 3339 times bounding the volumes.
"""

from __future__ import annotations

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
from skyshare.importers.openair import parse_altitude
from skyshare.model.restriction import Restriction
from skyshare.model.volume import Altitude, AltitudeReference, Polygon, Volume4D

__all__ = ["parse_geojson", "read_geojson"]

_W84_REFS = {"W84": "MSL", "WGS84": "MSL", "AMSL": "MSL", "MSL": "MSL", "STD": "MSL"}
_AGL_REFS = {"AGL": "AGL", "SFC": "AGL", "GND": "AGL"}


def _limit(f: JsonFile, value: Any, path: str, *, upper: bool) -> Altitude:
    try:
        if isinstance(value, str):
            return parse_altitude(value, upper=upper)
        m = f.obj(value, path)
        ref_text = str(m.get("reference", "W84")).upper()
        ref = _W84_REFS.get(ref_text) or _AGL_REFS.get(ref_text)
        if ref is None:
            raise f.error(f"{path}.reference", "must be W84, AMSL, MSL or AGL.")
        units = str(m.get("units", "M")).upper()
        if m.get("value") is None:
            if not upper:
                raise f.error(f"{path}.value", "a lower limit cannot be unlimited.")
            return Altitude(None, AltitudeReference.W84)
        return altitude(f.number(m["value"], f"{path}.value"), units, ref)
    except InvalidInput as exc:
        if "location" in exc.details:
            raise
        raise f.error(path, exc.message) from None


def _polygon(f: JsonFile, rings: Any, path: str, warnings: list[str]) -> Polygon:
    rs = f.array(rings, path)
    if not rs:
        raise f.error(path, "a polygon needs an outer ring.")
    if len(rs) > 1:
        raise f.error(
            path,
            "polygons with holes are not supported; a hole would be restricted too. "
            "Split the area into polygons without holes.",
        )
    pts = f.ring(rs[0], f"{path}[0]")
    try:
        return make_polygon(pts, f"{f.label}:{path}", warnings)
    except InvalidInput as exc:
        raise f.error(f"{path}[0]", exc.message) from None


def _first(props: Any, *keys: str) -> Any:
    for k in keys:
        if props.get(k) is not None:
            return props[k]
    return None


def _feature(
    f: JsonFile, raw: Any, path: str, index: int, warnings: list[str], defaults: list[str]
) -> Restriction:
    feat = f.obj(raw, path)
    props = f.obj(feat.get("properties") or {}, f"{path}.properties")
    geom = f.obj(feat.get("geometry"), f"{path}.geometry")
    gtype = geom.get("type")
    cpath = f"{path}.geometry.coordinates"
    if gtype == "Polygon":
        polygons = [_polygon(f, geom.get("coordinates"), cpath, warnings)]
    elif gtype == "MultiPolygon":
        parts = f.array(geom.get("coordinates"), cpath)
        if not parts:
            raise f.error(cpath, "a MultiPolygon needs at least one polygon.")
        polygons = [_polygon(f, p, f"{cpath}[{j}]", warnings) for j, p in enumerate(parts)]
    else:
        raise f.error(f"{path}.geometry.type", f"must be Polygon or MultiPolygon; got {gtype!r}.")
    ppath = f"{path}.properties"
    lower_raw = _first(props, "lower", "altitude_lower")
    upper_raw = _first(props, "upper", "altitude_upper")
    if lower_raw is None or upper_raw is None:
        defaults.append(path)
    lower = (
        Altitude(0.0, AltitudeReference.AGL)
        if lower_raw is None
        else _limit(f, lower_raw, f"{ppath}.lower", upper=False)
    )
    upper = (
        Altitude(None, AltitudeReference.W84)
        if upper_raw is None
        else _limit(f, upper_raw, f"{ppath}.upper", upper=True)
    )
    try:
        check_band(lower, upper)
    except InvalidInput as exc:
        raise f.error(ppath, exc.message) from None
    t0 = props.get("time_start")
    t1 = props.get("time_end")
    start_s = None if t0 is None else f.time(t0, f"{ppath}.time_start")
    end_s = None if t1 is None else f.time(t1, f"{ppath}.time_end")
    if start_s is not None and end_s is not None and end_s <= start_s:
        raise f.error(f"{ppath}.time_end", "must be after time_start.")
    ident = _first(props, "id", "identifier")
    if ident is None:
        ident = feat.get("id")
    source_id = str(ident) if isinstance(ident, str | int) else f"$.features[{index}]"
    name = _first(props, "name", "title")
    name = name if isinstance(name, str) and name.strip() else source_id
    kind = _first(props, "type", "class")
    volumes = tuple(Volume4D(p, lower, upper, start_s, end_s) for p in polygons)
    return Restriction(
        None, name.strip(), "", source_id, kind if isinstance(kind, str) else "", volumes, None
    )


def parse_geojson(
    doc: Any, source: str, *, label: str | None = None, skip_invalid: bool = False
) -> ImportResult:
    """Restrictions from a parsed GeoJSON FeatureCollection (or a single Feature)."""
    f = JsonFile(label or source)
    out = Collector(skip_invalid=skip_invalid)
    top = f.obj(doc, "$")
    if top.get("type") == "Feature":
        features: list[Any] = [top]
        base = "$"
    elif top.get("type") == "FeatureCollection":
        features = f.array(top.get("features"), "$.features")
        base = "$.features"
    else:
        raise f.error("$.type", "must be FeatureCollection or Feature (RFC 7946 §3.3).")
    defaults: list[str] = []
    for i, raw in enumerate(features):
        path = base if base == "$" else f"{base}[{i}]"

        def build(raw: Any = raw, path: str = path, i: int = i) -> Restriction:
            r = _feature(f, raw, path, i, out.warnings, defaults)
            return Restriction(None, r.name, source, r.source_id, r.type, r.volumes, None)

        r = out.run(f"{f.label}:{path}", build)
        if r is not None:
            out.restrictions.append(r)
    if defaults:
        out.warnings.append(
            f"{f.label}: {len(defaults)} feature(s) without lower/upper limits (first "
            f"{defaults[0]}) were taken from the surface to unlimited."
        )
    if any(r.source_id.startswith("$.") for r in out.restrictions):
        out.warnings.append(
            f"{f.label}: features without an id are identified by their index; "
            "re-importing a reordered file will not match them."
        )
    return out.result()


def read_geojson(path: str | Path, *, skip_invalid: bool = False) -> ImportResult:
    """Restrictions from a GeoJSON file."""
    p = Path(path)
    doc = load_json(p.read_bytes(), str(path))
    return parse_geojson(doc, p.name, label=str(path), skip_invalid=skip_invalid)
