"""Readers of real state files: line endings, empty fields, flags, and located errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skyshare.errors import InvalidInput
from skyshare.recordings import csv_states, opensky, sbs1
from skyshare.recordings.auto import read_recording, sniff

HEADER = "aircraft_id,lat,lng,altitude_m,ground_speed_mps,track_deg,vertical_rate_mps"
T0 = 1795514400.0


def write(tmp_path: Path, text: str, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


# -- snapshot CSV --------------------------------------------------------------------------


def test_snapshot_crlf_bom_extra_column_and_any_order(tmp_path: Path) -> None:
    text = (
        "\ufeffnote,track_deg,aircraft_id,lat,lng,altitude_m,ground_speed_mps,vertical_rate_mps\r\n"
        "x,90,A1,1.5,-2.25,10000,250,0\r\n"
        "\r\n"
        "y,270,B2,-1,179.5,9000.5,200,-5.5\r\n"
    )
    snap = csv_states.read_snapshot(write(tmp_path, text))
    assert snap.aircraft_id == ["A1", "B2"]
    np.testing.assert_array_equal(snap.lat_deg, [1.5, -1.0])
    np.testing.assert_array_equal(snap.lng_deg, [-2.25, 179.5])
    np.testing.assert_array_equal(snap.alt_m, [10000.0, 9000.5])
    np.testing.assert_array_equal(snap.trk_deg, [90.0, 270.0])
    np.testing.assert_array_equal(snap.vs_mps, [0.0, -5.5])


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        ("A,1,2,3,4,5,6\nB,x,2,3,4,5,6\n", ":3:", "lat must be a number"),
        ("A,1,2,3,4,5,6\nB,,2,3,4,5,6\n", ":3:", "lat must be a number"),
        ("A,91,2,3,4,5,6\n", ":2:", r"lat must lie in \[-90, 90\]"),
        ("A,1,181,3,4,5,6\n", ":2:", "lng must lie"),
        ("A,1,2,3,-4,5,6\n", ":2:", "ground_speed_mps must lie"),
        ("A,1,2,nan,4,5,6\n", ":2:", "altitude_m must be finite"),
        ("A,1,2,3,4,5\n", ":2:", "6 fields where the header has 7"),
        (",1,2,3,4,5,6\n", ":2:", "aircraft_id is empty"),
        ("A,1,2,3,4,5,6\nA,1,2,3,4,5,6\n", ":3:", "already has a state on line 2"),
    ],
)
def test_snapshot_bad_rows(tmp_path: Path, body: str, where: str, message: str) -> None:
    path = write(tmp_path, HEADER + "\n" + body)
    with pytest.raises(InvalidInput, match=message) as info:
        csv_states.read_snapshot(path)
    assert info.value.message.startswith(f"{path}{where} ")


def test_snapshot_header_checked(tmp_path: Path) -> None:
    path = write(tmp_path, "aircraft_id,lat,lng\nA,1,2\n")
    with pytest.raises(InvalidInput, match=r":1: the header lacks column\(s\) altitude_m"):
        csv_states.read_snapshot(path)
    with pytest.raises(InvalidInput, match=":1: empty file"):
        csv_states.read_snapshot(write(tmp_path, "\n\n", "empty.csv"))


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot be read"):
        csv_states.read_snapshot(tmp_path / "absent.csv")


# -- time-stamped CSV ----------------------------------------------------------------------


def test_recording_csv_times_and_ground_flag(tmp_path: Path) -> None:
    text = (
        "time," + HEADER + ",on_ground\n"
        "2026-11-24T10:00:05Z,A,1,2,3,4,5,6,false\n"
        f"{T0},B,1,2,3,4,5,6,true\n"
        "2026-11-24T11:00:00+01:00,A,1,2,3,4,5,6,\n"
    )
    rec = read_recording(write(tmp_path, text))
    assert rec.ids == ["A", "B"]
    np.testing.assert_array_equal(rec.time_s, [T0, T0, T0 + 5.0])  # sorted, stable
    np.testing.assert_array_equal(rec.aircraft, [1, 0, 0])
    np.testing.assert_array_equal(rec.on_ground, [True, False, False])


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2026-11-24T10:00:05,A,1,2,3,4,5,6,false", "time: .*RFC 3339"),
        ("2026-11-24T10:00:05Z,A,1,2,3,4,5,6,maybe", "on_ground must be true or false"),
    ],
)
def test_recording_csv_bad_rows(tmp_path: Path, row: str, message: str) -> None:
    path = write(tmp_path, "time," + HEADER + ",on_ground\n" + row + "\n")
    with pytest.raises(InvalidInput, match=message) as info:
        read_recording(path)
    assert info.value.message.startswith(f"{path}:2: ")


# -- OpenSky -------------------------------------------------------------------------------

OPENSKY = (
    "time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,"
    "baroaltitude,geoaltitude,lastposupdate,lastcontact"
)


def test_opensky_altitude_choice_skips_and_position_time(tmp_path: Path) -> None:
    text = (
        OPENSKY + "\r\n"
        f"{T0:.0f},4ca2d6,50.1,8.6,230.5,91.2,-3.2,DLH1  ,False,False,False,1000,"
        f"10000.0,10150.0,{T0 - 0.7},{T0}\r\n"
        f"{T0:.0f},3c6444,50.2,8.7,240,10,,,False,False,False,,9000,,{T0},{T0}\r\n"
        f"{T0:.0f},aaaaaa,,,,,,,False,False,False,,,,,{T0}\r\n"
        f"{T0:.0f},bbbbbb,50.3,8.8,,,,,False,False,False,,9000,9100,{T0},{T0}\r\n"
        f"{T0:.0f},cccccc,50.0,8.5,5.0,270,,,True,False,False,,,,{T0},{T0}\r\n"
    )
    rec = opensky.read_recording(write(tmp_path, text))
    assert rec.ids == ["4ca2d6", "3c6444", "cccccc"]
    by_id = {rec.ids[k]: n for n, k in enumerate(rec.aircraft.tolist())}
    first, second, ground = by_id["4ca2d6"], by_id["3c6444"], by_id["cccccc"]
    assert rec.alt_m[first] == 10150.0  # geometric preferred
    assert rec.alt_m[second] == 9000.0  # barometric when no geometric
    assert rec.time_s[first] == T0 - 0.7  # lastposupdate
    assert rec.vs_mps[second] == 0.0  # empty vertrate
    assert bool(rec.on_ground[ground])
    assert not bool(rec.on_ground[first])


def test_opensky_bad_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        OPENSKY + "\n" + f"{T0:.0f},4ca2d6,50.1,8.6,fast,91,0,X,False,False,False,,1,1,{T0},{T0}\n",
    )
    with pytest.raises(InvalidInput, match="velocity must be a number") as info:
        opensky.read_recording(path)
    assert info.value.message.startswith(f"{path}:2: ")
    with pytest.raises(InvalidInput, match=":1: not an OpenSky state-vector header"):
        opensky.read_recording(write(tmp_path, "time,icao24,lat\n", "h.csv"))


# -- SBS-1 ---------------------------------------------------------------------------------


def msg(kind: int, clock: str, **fields: str) -> str:
    row = [
        "MSG",
        str(kind),
        "1",
        "1",
        fields.get("hex", "4CA2D6"),
        "1",
        "2026/11/24",
        clock,
        "2026/11/24",
        clock,
    ] + [""] * 12
    for index, name in (
        (11, "alt"),
        (12, "gs"),
        (13, "trk"),
        (14, "lat"),
        (15, "lon"),
        (16, "vr"),
        (21, "ground"),
    ):
        row[index] = fields.get(name, "")
    return ",".join(row)


def test_sbs1_merges_velocity_into_positions(tmp_path: Path) -> None:
    lines = [
        msg(3, "10:00:00.000", alt="35000", lat="50.0", lon="8.0"),  # before any velocity
        msg(4, "10:00:00.500", gs="450", trk="90", vr="-1200"),
        "MSG,1,1,1,4CA2D6,1,2026/11/24,10:00:00.600,2026/11/24,10:00:00.600,DLH1,,,,,,,,,,,",
        "AIR,,,,4CA2D6,,,,,",
        msg(3, "10:00:01.250", alt="34980", lat="50.001", lon="8.01", ground="0"),
        msg(3, "10:00:02.000", alt="", lat="50.002", lon="8.02"),  # no altitude: skipped
        msg(4, "10:00:02.100", hex="ABC123", gs="10", trk="180"),
        msg(3, "10:00:02.200", hex="ABC123", alt="0", lat="50.1", lon="8.1", ground="-1"),
    ]
    rec = sbs1.read_recording(write(tmp_path, "\r\n".join(lines) + "\r\n", "feed.txt"))
    assert rec.ids == ["4ca2d6", "abc123"]
    assert rec.time_s.tolist() == [T0 + 1.25, T0 + 2.2]
    assert rec.alt_m[0] == pytest.approx(34980 * 0.3048)
    assert rec.gs_mps[0] == pytest.approx(450 * 1852 / 3600)
    assert rec.vs_mps[0] == pytest.approx(-1200 * 0.3048 / 60)
    assert rec.trk_deg[0] == 90.0
    assert rec.on_ground.tolist() == [False, True]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (msg(3, "10:00:01.000", alt="35000", lat="north", lon="8.0"), "latitude must be a number"),
        (msg(3, "25:61:01.000", alt="35000", lat="50", lon="8.0"), "not YYYY/MM/DD"),
        ("MSG,3,1,1", "22 fields, not 4"),
        ("hello,world", "not an SBS-1 message"),
    ],
)
def test_sbs1_bad_lines(tmp_path: Path, line: str, message: str) -> None:
    text = msg(4, "10:00:00.000", gs="450", trk="90") + "\n" + line + "\n"
    path = write(tmp_path, text, "feed.txt")
    with pytest.raises(InvalidInput, match=message) as info:
        sbs1.read_recording(path)
    assert info.value.message.startswith(f"{path}:2: ")


# -- format sniffing -----------------------------------------------------------------------


def test_sniff(tmp_path: Path) -> None:
    assert sniff(write(tmp_path, "\n" + msg(4, "10:00:00.000"), "a")) == "sbs1"
    assert sniff(write(tmp_path, OPENSKY + "\n", "b")) == "opensky"
    assert sniff(write(tmp_path, "time," + HEADER + "\n", "c")) == "csv"
    with pytest.raises(InvalidInput, match=":1: cannot tell the format"):
        sniff(write(tmp_path, "a,b,c\n", "d"))
