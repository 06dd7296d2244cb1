"""GeoJSON, ED-269 and ED-318: geometry, limits, schedules, and errors located by JSON path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from skyshare.errors import InvalidInput
from skyshare.importers import read_restrictions
from skyshare.importers.detect import detect_json_format
from skyshare.model.restriction import DailyWindow, Period, Restriction, Schedule, expand_schedule
from skyshare.model.volume import Altitude, AltitudeReference, Circle, LatLng, Polygon
from skyshare.timefmt import format_rfc3339, parse_rfc3339

W84 = AltitudeReference.W84
AGL = AltitudeReference.AGL
H = 3600


def ids(rs: list[Restriction]) -> dict[str, Restriction]:
    return {r.source_id: r for r in rs}


def write(tmp_path: Path, name: str, doc: Any) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


# --- GeoJSON ----------------------------------------------------------------------------------


def test_geojson(fixtures: Path) -> None:
    path = fixtures / "zones.geojson"
    result = read_restrictions(path)
    rs = ids(result.restrictions)
    assert list(rs) == ["gj-1", "gj-2", "gj-3"]
    one = rs["gj-1"]
    assert (one.name, one.type, one.source) == ("String limits", "R", "zones.geojson")
    assert (one.volumes[0].lower, one.volumes[0].upper) == (
        Altitude(0.0, AGL),
        Altitude(2895.6, W84),
    )
    fp = one.volumes[0].footprint
    assert isinstance(fp, Polygon)
    assert fp.vertices[0] == LatLng(45.0, 6.0)
    assert len(fp.vertices) == 4
    two = rs["gj-2"]
    assert two.type == "P"
    assert len(two.volumes) == 2
    v = two.volumes[0]
    assert (v.lower, v.upper) == (Altitude(152.4, W84), Altitude(120.0, AGL))
    assert v.time_start_s == parse_rfc3339("2026-11-24T10:00:00Z")
    assert v.time_end_s == parse_rfc3339("2026-11-24T12:00:00Z")
    dateline = v.footprint
    assert isinstance(dateline, Polygon)
    assert dateline.vertices[1] == LatLng(-17.0, -179.9)
    three = rs["gj-3"]
    assert (three.volumes[0].lower, three.volumes[0].upper) == (
        Altitude(0.0, AGL),
        Altitude(None, W84),
    )
    assert result.warnings == [
        f"{path}:$.features[2].geometry.coordinates: repaired a self-intersecting polygon by "
        "removing zero-area spikes (6 -> 4 vertices, area unchanged).",
        f"{path}: 1 feature(s) without lower/upper limits (first $.features[2]) were taken "
        "from the surface to unlimited.",
    ]


def test_geojson_errors_are_located_by_json_path(fixtures: Path) -> None:
    path = fixtures / "bad.geojson"
    with pytest.raises(InvalidInput) as err:
        read_restrictions(path)
    assert err.value.message.startswith(f"{path}:$.features[1].geometry.coordinates: ")
    assert "holes are not supported" in err.value.message
    result = read_restrictions(path, skip_invalid=True)
    assert [r.source_id for r in result.restrictions] == ["ok"]
    assert [s.location.removeprefix(f"{path}:") for s in result.skipped] == [
        "$.features[1].geometry.coordinates",
        "$.features[2].geometry.coordinates[0]",
        "$.features[3].geometry.type",
        "$.features[4].properties",
    ]
    assert "no unambiguous repair" in result.skipped[1].message


@pytest.mark.parametrize(
    ("feature", "where", "message"),
    [
        (
            {"geometry": {"type": "Polygon", "coordinates": [[[200, 1], [1, 2], [2, 2]]]}},
            "$.features[0].geometry.coordinates[0][0][0]",
            "longitude",
        ),
        (
            {"geometry": {"type": "Polygon", "coordinates": [[["a", 1], [1, 2], [2, 2]]]}},
            "$.features[0].geometry.coordinates[0][0][0]",
            "must be a number",
        ),
        ({"geometry": None}, "$.features[0].geometry", "must be an object"),
        (
            {
                "properties": {"lower": {"value": 1, "reference": "XYZ"}},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]},
            },
            "$.features[0].properties.lower.reference",
            "must be W84",
        ),
        (
            {
                "properties": {"time_start": "tomorrow"},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]},
            },
            "$.features[0].properties.time_start",
            "RFC 3339",
        ),
    ],
)
def test_geojson_bad_values(
    tmp_path: Path, feature: dict[str, Any], where: str, message: str
) -> None:
    path = write(
        tmp_path,
        "x.geojson",
        {"type": "FeatureCollection", "features": [{"type": "Feature", **feature}]},
    )
    with pytest.raises(InvalidInput) as err:
        read_restrictions(path)
    assert err.value.message.startswith(f"{path}:{where}: ")
    assert message in err.value.message


def test_json_syntax_error_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "broken.json"
    p.write_text('{\n  "type": "FeatureCollection",\n  "features": [,]\n}\n')
    with pytest.raises(InvalidInput) as err:
        read_restrictions(p)
    assert err.value.message.startswith(f"{p}:3: not valid JSON")


# --- ED-269 -----------------------------------------------------------------------------------


def test_ed269(fixtures: Path) -> None:
    result = read_restrictions(fixtures / "zones.ed269.json", time_zone="Europe/Paris")
    assert result.skipped == []
    assert result.warnings == []
    rs = ids(result.restrictions)
    assert list(rs) == ["PERM1", "NIGHT2", "LOCAL3", "WIN4"]
    assert [r.type for r in rs.values()] == [
        "PROHIBITED",
        "REQ_AUTHORISATION",
        "CONDITIONAL",
        "PROHIBITED",
    ]
    perm = rs["PERM1"]
    assert perm.schedule is not None
    assert perm.schedule.permanent
    assert (perm.volumes[0].lower, perm.volumes[0].upper) == (
        Altitude(0.0, AGL),
        Altitude(120.0, AGL),
    )
    night = rs["NIGHT2"]
    c = night.volumes[0].footprint
    assert isinstance(c, Circle)
    assert c.center == LatLng(48.85, 2.35)
    assert c.radius_m == pytest.approx(500.0, abs=1e-3)  # radius in uomDimensions (ft)
    assert (night.volumes[0].lower, night.volumes[0].upper) == (
        Altitude(152.4, W84),
        Altitude(914.4, W84),
    )
    assert night.schedule == Schedule(
        (
            Period(
                parse_rfc3339("2026-11-20T00:00:00Z"),
                parse_rfc3339("2026-12-01T00:00:00Z"),
                (DailyWindow((4, 5), 22 * H, 2 * H),),
            ),
        ),
        "UTC",  # explicit Z wins over the reader's default zone
    )
    got = expand_schedule(
        night.schedule, parse_rfc3339("2026-11-20T00:00:00Z"), parse_rfc3339("2026-11-23T00:00:00Z")
    )
    assert [(format_rfc3339(a), format_rfc3339(b)) for a, b in got] == [
        ("2026-11-20T22:00:00Z", "2026-11-21T02:00:00Z"),
        ("2026-11-21T22:00:00Z", "2026-11-22T02:00:00Z"),
    ]
    local = rs["LOCAL3"]
    assert local.schedule == Schedule(
        (Period(daily=(DailyWindow((0, 1, 2, 3, 4), 8 * H, 17 * H),)),), "Europe/Paris"
    )
    assert len(local.volumes) == 2
    assert isinstance(local.volumes[0].footprint, Polygon)  # the outer ring written alone
    assert local.volumes[1].upper == Altitude(None, W84)  # no upperLimit: unlimited
    win = rs["WIN4"]
    assert win.schedule is not None
    assert [
        (format_rfc3339(p.start_s or 0), format_rfc3339(p.end_s or 0)) for p in win.schedule.periods
    ] == [
        ("2026-07-14T08:00:00Z", "2026-07-14T12:00:00Z"),
        ("2026-07-14T18:00:00Z", "2026-07-14T21:30:00Z"),
    ]


def _ed269(**zone: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "identifier": "Z1",
        "name": "z",
        "restriction": "PROHIBITED",
        "applicability": [{"permanent": "YES"}],
        "geometry": [
            {
                "uomDimensions": "M",
                "lowerLimit": 0,
                "lowerVerticalReference": "AGL",
                "upperLimit": 120,
                "upperVerticalReference": "AGL",
                "horizontalProjection": {"type": "Circle", "center": [2.0, 48.0], "radius": 100},
            }
        ],
    }
    base.update(zone)
    return {"features": [base]}


@pytest.mark.parametrize(
    ("zone", "where", "message"),
    [
        ({"identifier": 3.5}, "$.features[0].identifier", "must be a string"),
        ({"geometry": []}, "$.features[0].geometry", "at least one volume"),
        (
            {"applicability": [{"permanent": "MAYBE"}]},
            "$.features[0].applicability[0].permanent",
            "YES or NO",
        ),
        (
            {"applicability": [{"permanent": "NO"}]},
            "$.features[0].applicability[0]",
            "gives no time",
        ),
        (
            {
                "applicability": [
                    {
                        "permanent": "YES",
                        "schedule": [{"day": ["FUN"], "startTime": "08:00", "endTime": "09:00"}],
                    }
                ]
            },
            "$.features[0].applicability[0].schedule[0].day[0]",
            "MON..SUN",
        ),
        (
            {
                "applicability": [
                    {
                        "permanent": "YES",
                        "schedule": [{"day": "ANY", "startTime": "8h", "endTime": "09:00"}],
                    }
                ]
            },
            "$.features[0].applicability[0].schedule[0].startTime",
            "time of day",
        ),
        (
            {
                "applicability": [
                    {
                        "permanent": "YES",
                        "schedule": [
                            {"day": "ANY", "startTime": "08:00Z", "endTime": "09:00+01:00"}
                        ],
                    }
                ]
            },
            "$.features[0].applicability",
            "different time zones",
        ),
        (
            {
                "applicability": [
                    {
                        "permanent": "NO",
                        "startDateTime": "2026-01-02T00:00:00Z",
                        "endDateTime": "2026-01-01T00:00:00Z",
                    }
                ]
            },
            "$.features[0].applicability[0].endDateTime",
            "after",
        ),
    ],
)
def test_ed269_bad_zones(tmp_path: Path, zone: dict[str, Any], where: str, message: str) -> None:
    path = write(tmp_path, "z.json", _ed269(**zone))
    with pytest.raises(InvalidInput) as err:
        read_restrictions(path, "ed269")
    assert err.value.message.startswith(f"{path}:{where}: ")
    assert message in err.value.message


def test_ed269_bad_geometry(tmp_path: Path) -> None:
    doc = _ed269()
    g = doc["features"][0]["geometry"][0]
    g["horizontalProjection"] = {"type": "Circle", "center": [2.0, 48.0], "radius": -1}
    g2 = dict(g, horizontalProjection={"type": "Corridor"}, upperVerticalReference="QNH")
    doc["features"].append(dict(doc["features"][0], identifier="Z2", geometry=[g2]))
    path = write(tmp_path, "z.json", doc)
    result = read_restrictions(path, skip_invalid=True)
    assert result.restrictions == []
    assert [(s.location.removeprefix(f"{path}:"), s.message[:20]) for s in result.skipped] == [
        ("$.features[0].geometry[0].horizontalProjection.radius", "a radius must be in "),
        ("$.features[1].geometry[0].upperVerticalReference", "must be AGL, AMSL or"),
    ]


def test_uaszonelist_and_unknown_time_zone(tmp_path: Path) -> None:
    doc = {"UASZoneList": _ed269()["features"]}
    path = write(tmp_path, "z.json", doc)
    assert [r.source_id for r in read_restrictions(path).restrictions] == ["Z1"]
    with pytest.raises(InvalidInput, match="not a known time zone"):
        read_restrictions(path, time_zone="Europe/Atlantis")


# --- ED-318 -----------------------------------------------------------------------------------


def test_ed318(fixtures: Path) -> None:
    result = read_restrictions(fixtures / "zones.ed318.json", time_zone="Europe/Berlin")
    assert result.skipped == []
    assert result.warnings == []
    rs = ids(result.restrictions)
    assert list(rs) == ["E318A", "E318B", "E318C"]
    a = rs["E318A"]
    assert (a.name, a.type) == ("Weekend polygon", "PROHIBITED")
    assert (a.volumes[0].lower, a.volumes[0].upper) == (Altitude(0.0, AGL), Altitude(121.92, AGL))
    assert a.schedule == Schedule(
        (
            Period(
                parse_rfc3339("2026-03-01T00:00:00Z"), None, (DailyWindow((5, 6), 6 * H, 20 * H),)
            ),
        ),
        "Europe/Berlin",
    )
    # Saturday 2026-03-28 is CET, Sunday 2026-03-29 is CEST.
    got = expand_schedule(
        a.schedule, parse_rfc3339("2026-03-28T00:00:00Z"), parse_rfc3339("2026-03-30T00:00:00Z")
    )
    assert [(format_rfc3339(x), format_rfc3339(y)) for x, y in got] == [
        ("2026-03-28T05:00:00Z", "2026-03-28T19:00:00Z"),
        ("2026-03-29T04:00:00Z", "2026-03-29T18:00:00Z"),
    ]
    b = rs["E318B"]
    assert b.volumes[0].footprint == Circle(LatLng(50.5, 8.5), 1500.0)
    assert (b.volumes[0].lower, b.volumes[0].upper) == (Altitude(100.0, W84), Altitude(1000.0, W84))
    assert b.schedule is not None
    assert b.schedule.permanent
    c = rs["E318C"]
    assert c.type == "CONDITIONAL"
    assert len(c.volumes) == 2
    assert all(v.upper == Altitude(120.0, AGL) for v in c.volumes)


def test_ed318_daylight_events_are_refused(tmp_path: Path) -> None:
    doc = json.loads((Path(__file__).parent / "fixtures" / "zones.ed318.json").read_text())
    doc["features"][0]["properties"]["limitedApplicability"]["schedule"] = {
        "day": "ANY",
        "startEvent": "SR",
        "endEvent": "SS",
    }
    path = write(tmp_path, "z.json", doc)
    with pytest.raises(InvalidInput) as err:
        read_restrictions(path)
    assert err.value.message.startswith(
        f"{path}:$.features[0].properties.limitedApplicability[0].schedule[0].startEvent: "
    )


# --- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("zones.geojson", "geojson"),
        ("zones.ed269.json", "ed269"),
        ("zones.ed318.json", "ed318"),
    ],
)
def test_detect(fixtures: Path, name: str, fmt: str) -> None:
    assert detect_json_format(json.loads((fixtures / name).read_text())) == fmt
    auto = read_restrictions(fixtures / name)
    explicit = read_restrictions(fixtures / name, fmt)
    assert auto == explicit


def test_unknown_json_and_format(tmp_path: Path) -> None:
    path = write(tmp_path, "x.json", {"hello": "world"})
    with pytest.raises(InvalidInput, match="give the format with --format"):
        read_restrictions(path)
    with pytest.raises(InvalidInput, match="Unknown format"):
        read_restrictions(path, "kml")


def test_empty_file_warns(tmp_path: Path) -> None:
    p = tmp_path / "empty.txt"
    p.write_text("* nothing here\n")
    result = read_restrictions(p)
    assert result.restrictions == []
    assert result.warnings == [f"{p}: no airspace found (read as openair)."]
