"""OpenAir: every record, limits and coordinate form, arcs checked against pyproj geodesics."""

from __future__ import annotations

import itertools
from pathlib import Path

import pyproj
import pytest

from skyshare.errors import InvalidInput
from skyshare.importers import read_restrictions
from skyshare.importers._arc import CHORD_TOLERANCE_M, arc_points
from skyshare.importers.openair import parse_altitude, parse_coordinate, parse_openair
from skyshare.model.restriction import Restriction
from skyshare.model.volume import Altitude, AltitudeReference, Circle, LatLng, Polygon
from skyshare.units import nm_to_m

GEOD = pyproj.Geod(ellps="WGS84")
W84 = AltitudeReference.W84
AGL = AltitudeReference.AGL


def by_name(rs: list[Restriction]) -> dict[str, Restriction]:
    return {r.source_id: r for r in rs}


def polygon(r: Restriction) -> Polygon:
    fp = r.volumes[0].footprint
    assert isinstance(fp, Polygon)
    return fp


def distances_m(center: LatLng, pts: list[LatLng]) -> list[float]:
    _, _, d = GEOD.inv(
        [center.lng] * len(pts), [center.lat] * len(pts), [p.lng for p in pts], [p.lat for p in pts]
    )
    return [float(x) for x in d]


@pytest.mark.parametrize(
    ("text", "upper", "expected"),
    [
        ("GND", False, Altitude(0.0, AGL)),
        ("SFC", False, Altitude(0.0, AGL)),
        ("AGND", False, Altitude(0.0, AGL)),
        ("MSL", False, Altitude(0.0, W84)),
        ("FL95", True, Altitude(2895.6, W84)),
        ("FL 115", True, Altitude(3505.2, W84)),
        ("fl100", True, Altitude(3048.0, W84)),
        ("3500ft", True, Altitude(1066.8, W84)),
        ("3500 FT MSL", True, Altitude(1066.8, W84)),
        ("3500ft AMSL", True, Altitude(1066.8, W84)),
        ("1500 ft AGL", True, Altitude(457.2, AGL)),
        ("1500ft AGND", True, Altitude(457.2, AGL)),
        ("2000 F SFC", True, Altitude(609.6, AGL)),
        ("1000m", True, Altitude(1000.0, W84)),
        ("1000 M AGL", True, Altitude(1000.0, AGL)),
        ("5000", True, Altitude(1524.0, W84)),
        ("6500 ft STD", True, Altitude(1981.2, W84)),
        ("UNL", True, Altitude(None, W84)),
        ("unlim", True, Altitude(None, W84)),
    ],
)
def test_altitudes(text: str, upper: bool, expected: Altitude) -> None:
    assert parse_altitude(text, upper=upper) == expected


@pytest.mark.parametrize("text", ["lots", "FL", "12 parsecs", "-FL95", ""])
def test_bad_altitudes(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not an altitude"):
        parse_altitude(text, upper=True)


def test_unlimited_lower_is_refused() -> None:
    with pytest.raises(InvalidInput, match="lower limit cannot be unlimited"):
        parse_altitude("UNL", upper=False)


@pytest.mark.parametrize(
    ("text", "lat", "lng"),
    [
        ("45:30:00 N 006:15:00 E", 45.5, 6.25),
        ("45:30:00N 006:15:00E", 45.5, 6.25),
        ("45:30:00.0 S 006:15:36 W", -45.5, -6.26),
        ("45:30.5 N 6:15 E", 45 + 30.5 / 60, 6.25),
        ("45.5 N 006.25 E", 45.5, 6.25),
        ("45.5S 179.9W", -45.5, -179.9),
        ("45 : 30 : 00 n 006 : 15 : 00 e", 45.5, 6.25),
        ("45:30:00 N, 006:15:00 E", 45.5, 6.25),
    ],
)
def test_coordinates(text: str, lat: float, lng: float) -> None:
    p = parse_coordinate(text)
    assert p.lat == pytest.approx(lat, abs=1e-12)
    assert p.lng == pytest.approx(lng, abs=1e-12)


@pytest.mark.parametrize(
    "text",
    [
        "45:60:00 N 006:00:00 E",
        "91:00:00 N 006:00:00 E",
        "45:00:00 N 181:00:00 E",
        "45 6",
        "45:00:00 E 006:00:00 N",
    ],
)
def test_bad_coordinates(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_coordinate(text)


def test_constructs(fixtures: Path) -> None:
    result = read_restrictions(fixtures / "constructs.txt")
    assert result.skipped == []
    assert result.warnings == []
    rs = by_name(result.restrictions)
    assert list(rs) == [
        "R1 Polygon DMS",
        "Q2 Decimal and odd spacing",
        "P3 DA arc clockwise",
        "C4 DA arc counter-clockwise",
        "D5 DB arc by end points",
        "CTR6 Circle",
        "R1 Polygon DMS#2",  # same name again: a distinct, stable id
    ]
    assert {r.source for r in rs.values()} == {"constructs.txt"}
    assert [r.type for r in rs.values()] == ["R", "Q", "P", "C", "D", "CTR", "R"]
    r1 = rs["R1 Polygon DMS"]
    # The explicit closing point is dropped.
    assert polygon(r1).vertices == (
        LatLng(45.0, 6.0),
        LatLng(45.0 + 10 / 60, 6.0),
        LatLng(45.0 + 10 / 60, 6.0 + 10 / 60),
        LatLng(45.0, 6.0 + 10 / 60),
    )
    assert (r1.volumes[0].lower, r1.volumes[0].upper) == (Altitude(0.0, AGL), Altitude(2895.6, W84))
    q2 = rs["Q2 Decimal and odd spacing"]
    assert (q2.volumes[0].lower, q2.volumes[0].upper) == (
        Altitude(1066.8, W84),
        Altitude(1000.0, AGL),
    )
    assert len(polygon(q2).vertices) == 4
    ctr = rs["CTR6 Circle"].volumes[0]
    assert ctr.footprint == Circle(LatLng(48.0, 9.0), nm_to_m(5))
    assert ctr.upper == Altitude(609.6, AGL)
    assert all(
        v.time_start_s is None and v.time_end_s is None for r in rs.values() for v in r.volumes
    )
    assert all(r.schedule is None and r.id is None for r in rs.values())


def _check_arc(
    pts: list[LatLng], center: LatLng, radius_m: float, start: float, end: float, clockwise: bool
) -> None:
    d = distances_m(center, pts)
    assert max(abs(x - radius_m) for x in d) < 0.01
    az, _, _ = GEOD.inv(
        [center.lng] * len(pts), [center.lat] * len(pts), [p.lng for p in pts], [p.lat for p in pts]
    )
    assert float(az[0]) % 360 == pytest.approx(start % 360, abs=1e-6)
    assert float(az[-1]) % 360 == pytest.approx(end % 360, abs=1e-6)
    sweep = [((b - a) if clockwise else (a - b)) % 360 for a, b in itertools.pairwise(az)]
    assert all(0 < s < 11 for s in sweep)  # always the stated direction, small steps
    # Chord midpoints stay within the tolerance of the arc.
    for a, b in itertools.pairwise(pts):
        f_az, _, dist = GEOD.inv(a.lng, a.lat, b.lng, b.lat)
        mlng, mlat, _ = GEOD.fwd(a.lng, a.lat, f_az, dist / 2)
        (dm,) = distances_m(center, [LatLng(mlat, mlng)])
        assert radius_m - CHORD_TOLERANCE_M - 0.05 <= dm <= radius_m


def test_da_arcs_lie_on_the_geodesic_circle(fixtures: Path) -> None:
    rs = by_name(read_restrictions(fixtures / "constructs.txt").restrictions)
    cw = list(polygon(rs["P3 DA arc clockwise"]).vertices)
    # DP, arc..., DP: the arc is everything between the two points.
    _check_arc(cw[1:-1], LatLng(46.0, 7.0 + 10 / 60), nm_to_m(7.5), 270, 90, clockwise=True)
    ccw = list(polygon(rs["C4 DA arc counter-clockwise"]).vertices)
    _check_arc(ccw[:-1], LatLng(46.5, 7.0), nm_to_m(5), 0, 180, clockwise=False)


def test_db_arc_keeps_its_end_points(fixtures: Path) -> None:
    rs = by_name(read_restrictions(fixtures / "constructs.txt").restrictions)
    v = list(polygon(rs["D5 DB arc by end points"]).vertices)
    start, end = LatLng(47 + 5 / 60, 8.0), parse_coordinate("47:00:00 N 008:07:21 E")
    assert v[0] == start
    assert end in v
    center = LatLng(47.0, 8.0)
    r0 = distances_m(center, [start])[0]
    arc = v[: v.index(end) + 1]
    assert max(abs(d - r0) for d in distances_m(center, arc[:-1])) < 0.01
    assert len(arc) > 3


def test_antimeridian_and_poles(fixtures: Path) -> None:
    rs = by_name(read_restrictions(fixtures / "antimeridian_polar.txt").restrictions)
    arc = polygon(rs["Dateline arc"])
    lngs = [p.lng for p in arc.vertices]
    assert min(lngs) < -179.0
    assert max(lngs) > 179.0
    assert all(-180 <= x <= 180 for x in lngs)
    center = LatLng(-16.5, 179 + 55 / 60)
    pts = list(arc.vertices[:-1])
    assert max(abs(d - nm_to_m(20)) for d in distances_m(center, pts)) < 0.01
    box = polygon(rs["Dateline polygon"])
    assert [p.lng for p in box.vertices][:2] == pytest.approx([179 + 50 / 60, -(179 + 50 / 60)])
    north = rs["North pole circle"].volumes[0].footprint
    assert north == Circle(LatLng(89 + 55 / 60, -45.0), nm_to_m(10))
    south = rs["South pole circle"].volumes[0]
    assert isinstance(south.footprint, Circle)
    assert south.footprint.center.lat == pytest.approx(-(89 + 59 / 60))
    assert (south.lower, south.upper) == (Altitude(1524.0, W84), Altitude(3048.0, W84))


def test_arc_full_circle_and_small_radius() -> None:
    pts = arc_points(LatLng(89.99, 0.0), 5000.0, 0.0, 0.0, clockwise=True)
    assert pts[0] == pytest.approx(pts[-1])
    assert max(abs(d - 5000.0) for d in distances_m(LatLng(89.99, 0.0), pts)) < 0.01


def test_crlf_latin1(fixtures: Path) -> None:
    raw = (fixtures / "crlf_latin1.txt").read_bytes()
    assert b"\r\n" in raw
    assert "ü".encode("latin-1") in raw
    rs = read_restrictions(fixtures / "crlf_latin1.txt").restrictions
    assert [r.name for r in rs] == ["Zürich Süd - Flugplatz", "Genève Lac"]
    assert rs[0].volumes[0].upper == Altitude(762.0, W84)


def test_utf8_with_bom(tmp_path: Path) -> None:
    text = (
        "\ufeffAC R\r\nAN Zürich\r\nAL GND\r\nAH FL65\r\n"
        "DP 1:00:00 N 1:00:00 E\r\nDP 1:10:00 N 1:00:00 E\r\nDP 1:10:00 N 1:10:00 E\r\n"
    )
    p = tmp_path / "bom.txt"
    p.write_bytes(text.encode("utf-8"))
    (r,) = read_restrictions(p).restrictions
    assert r.name == "Zürich"


def test_bad_lines_name_file_and_line(fixtures: Path) -> None:
    path = fixtures / "bad.txt"
    with pytest.raises(InvalidInput) as err:
        read_restrictions(path)
    assert err.value.message.startswith(f"{path}:14: ")
    assert "95:10:00 N" in err.value.message


def test_skip_invalid_keeps_the_rest(fixtures: Path) -> None:
    path = fixtures / "bad.txt"
    result = read_restrictions(path, skip_invalid=True)
    assert [r.name for r in result.restrictions] == ["Good one", "Also good"]
    assert [s.location for s in result.skipped] == [f"{path}:14", f"{path}:20"]
    assert "is not an altitude" in result.skipped[1].message
    loc, msg = result.skipped[0]  # unpacks like a tuple
    assert loc.endswith(":14")
    assert not msg.startswith(str(path))


def test_polygon_repair_only_when_unambiguous(fixtures: Path) -> None:
    path = fixtures / "polygons.txt"
    with pytest.raises(InvalidInput) as err:
        read_restrictions(path)
    assert err.value.message.startswith(f"{path}:13: ")
    assert "no unambiguous repair" in err.value.message
    result = read_restrictions(path, skip_invalid=True)
    (spike,) = result.restrictions
    assert len(polygon(spike).vertices) == 4
    assert result.warnings == [
        f"{path}:2: repaired a self-intersecting polygon by removing zero-area spikes "
        "(6 -> 4 vertices, area unchanged)."
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("DP 45:00:00 N 006:00:00 E\n", 1, "outside an airspace"),
        ("AC R\nAN x\nAL GND\nAH FL10\nDA 5, 0, 90\n", 5, "needs a centre"),
        ("AC R\nAN x\nAL GND\nAH FL10\nV X=1:00:00 N 1:00:00 E\nDC five\n", 6, "must be a number"),
        ("AC R\nAN x\nAL GND\nAH FL10\nV D=*\n", 5, "V D= must be"),
        ("AC R\nAN x\nAL GND\nAH FL10\nXX 1\n", 5, "Unknown OpenAir record"),
        ("AC R\nAN x\nAL GND\nAH FL10\nDY 1:00:00 N 1:00:00 E\n", 5, "Airway"),
        ("AC R\nAN x\nAL GND\nDP 1:00:00 N 1:00:00 E\n", 1, "no AH"),
        ("AC R\nAN x\nAL FL100\nAH FL50\nDP 1:00:00 N 1:00:00 E\n", 1, "must be above"),
        ("AC R\nAN x\nAL GND\nAH FL50\n", 1, "no geometry"),
        (
            "AC R\nAN x\nAL GND\nAH FL50\nDP 1:00:00 N 1:00:00 E\nDP 1:10:00 N 1:00:00 E\n",
            1,
            "3 to 1000 vertices",
        ),
        (
            "AC R\nAN x\nAL GND\nAH FL50\nV X=1:00:00 N 1:00:00 E\nDC 1\nDP 1:00:00 N 1:00:00 E\n",
            7,
            "only shape",
        ),
        (
            "AC R\nAN x\nAL GND\nAH FL50\nV X=1:00:00 N 1:00:00 E\nDB 1:00:00 N 1:10:00 E\n",
            6,
            "two coordinates",
        ),
        ("AC R\nAN x\nAL GND\nAH FL50\nV X=1:00:00 N 1:00:00 E\nDA 5, 0\n", 6, "DA needs"),
    ],
)
def test_malformed_records(text: str, line: int, message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_openair(text, "f.txt")
    assert err.value.message.startswith(f"f.txt:{line}: ")
    assert message in err.value.message


def test_airspace_without_name_is_named_and_warned() -> None:
    result = parse_openair("AC R\nAL GND\nAH FL50\nV X=1:00:00 N 1:00:00 E\nDC 1\n", "f.txt")
    assert result.restrictions[0].name == "R airspace at line 1"
    assert result.warnings == ["f.txt:1: airspace without AN; named 'R airspace at line 1'."]


def test_arcs_are_coarsened_to_fit_the_vertex_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # At 1 cm a 10 NM circle needs ~3,000 vertices: the tolerance doubles until it fits.
    monkeypatch.setattr("skyshare.importers.openair.CHORD_TOLERANCE_M", 0.01)
    text = "AC R\nAN big\nAL GND\nAH FL50\nV X=10:00:00 N 10:00:00 E\nDA 10, 0, 0\n"
    result = parse_openair(text, "f.txt")
    n = len(polygon(result.restrictions[0]).vertices)
    assert 500 < n <= 1000
    assert result.warnings == [
        "f.txt:1: arcs densified to 0.16 m chord tolerance to stay within 1000 vertices."
    ]
