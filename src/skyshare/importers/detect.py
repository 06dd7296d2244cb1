"""One entry point for every airspace format: :func:`read_restrictions` (format detection).

Detection looks at the content, not the file name: JSON that is a FeatureCollection whose
zones carry ED-318 members (``identifier`` with ``zoneAuthority``/``variant``, or a geometry
``layer``) is ED-318; other FeatureCollections are GeoJSON; JSON with ``UASZoneList`` or
zones whose ``geometry`` is a list is ED-269; anything that is not JSON is OpenAir.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from skyshare.errors import InvalidInput
from skyshare.importers._common import ImportResult, decode_text
from skyshare.importers._json import load_json
from skyshare.importers.ed269 import parse_ed269, parse_ed318
from skyshare.importers.geojson import parse_geojson
from skyshare.importers.openair import parse_openair
from skyshare.model.restriction import resolve_time_zone

__all__ = ["FORMATS", "detect_json_format", "read_restrictions", "read_restrictions_bytes"]

FORMATS: Final = ("auto", "openair", "geojson", "ed269", "ed318")
_ED318_KEYS = {"zoneAuthority", "variant", "limitedApplicability", "UASZone", "verticalLayer"}


def detect_json_format(doc: Any) -> str | None:
    """``geojson``, ``ed269`` or ``ed318`` for a parsed document; None when it is none of them.

    >>> detect_json_format({"type": "FeatureCollection", "features": []})
    'geojson'
    >>> detect_json_format({"UASZoneList": []})
    'ed269'
    """
    if isinstance(doc, list):
        return "ed269"
    if not isinstance(doc, Mapping):
        return None
    if "UASZoneList" in doc:
        return "ed269"
    features = doc.get("features")
    if not isinstance(features, list):
        return "geojson" if doc.get("type") == "Feature" else None
    sample = [f for f in features if isinstance(f, Mapping)]
    if doc.get("type") != "FeatureCollection":
        return "ed269" if sample and isinstance(sample[0].get("geometry"), list) else None
    for feat in sample[:20]:
        props = feat.get("properties")
        geom = feat.get("geometry")
        if isinstance(props, Mapping) and "identifier" in props and _ED318_KEYS & props.keys():
            return "ed318"
        if isinstance(props, Mapping) and "UASZone" in props:
            return "ed318"
        if isinstance(geom, Mapping) and "layer" in geom:
            return "ed318"
    return "geojson"


def read_restrictions(
    path: str | Path,
    format: str = "auto",
    *,
    skip_invalid: bool = False,
    time_zone: str = "UTC",
) -> ImportResult:
    """Restrictions read from an airspace file; all or nothing unless ``skip_invalid``.

    ``format`` is one of :data:`FORMATS`. ``time_zone`` reads ED-269/ED-318 schedule clock
    times written without a zone. A malformed item raises :class:`InvalidInput` whose message
    starts with ``file:line: `` (OpenAir) or ``file:$.json.path: `` (JSON formats); with
    ``skip_invalid`` it is listed in ``skipped`` instead and the rest is kept.
    """
    p = Path(path)
    label = str(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{label}: cannot read the file: {exc.strerror}.") from None
    return read_restrictions_bytes(
        data, p.name, format, label=label, skip_invalid=skip_invalid, time_zone=time_zone
    )


def read_restrictions_bytes(
    data: bytes,
    name: str,
    format: str = "auto",
    *,
    label: str | None = None,
    skip_invalid: bool = False,
    time_zone: str = "UTC",
) -> ImportResult:
    """:func:`read_restrictions` for a file's content (an upload); ``name`` is its source."""
    if format not in FORMATS:
        raise InvalidInput(
            f"Unknown format {format!r}; use one of {', '.join(FORMATS)}.", field="format"
        )
    resolve_time_zone(time_zone, field="time_zone")
    label = label or name
    fmt = format
    doc: Any = None
    if fmt == "auto":
        head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if head in (b"{", b"["):
            doc = load_json(data, label)
            detected = detect_json_format(doc)
            if detected is None:
                raise InvalidInput(
                    f"{label}: JSON that is neither GeoJSON, ED-269 nor ED-318; "
                    "give the format with --format."
                )
            fmt = detected
        else:
            fmt = "openair"
    if fmt == "openair":
        result = parse_openair(decode_text(data), name, label=label, skip_invalid=skip_invalid)
    else:
        if doc is None:
            doc = load_json(data, label)
        if fmt == "geojson":
            result = parse_geojson(doc, name, label=label, skip_invalid=skip_invalid)
        elif fmt == "ed269":
            result = parse_ed269(
                doc, name, label=label, skip_invalid=skip_invalid, time_zone=time_zone
            )
        else:
            result = parse_ed318(
                doc, name, label=label, skip_invalid=skip_invalid, time_zone=time_zone
            )
    if not result.restrictions and not result.skipped:
        result.warnings.append(f"{label}: no airspace found (read as {fmt}).")
    return result
