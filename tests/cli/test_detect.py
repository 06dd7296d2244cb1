"""``skyshare detect`` end to end: real files, real command, output shape and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from skyshare.cli.main import cli

HEADER = "aircraft_id,lat,lng,altitude_m,ground_speed_mps,track_deg,vertical_rate_mps"
#: Z1 and A1 head-on (conflict in ~204 s); C1 5 km in trail of A1 at the same speed (loss of
#: separation now, zero relative speed); F1 far away.
STATES = (
    HEADER + "\r\n"
    "Z1,0,1,10000,250,270,0\r\n"
    "A1,0,0,10000,250,90,0\r\n"
    "C1,0,0.045,10050,250,90,0\r\n"
    "F1,40,40,10000,250,90,0\r\n"
)


@pytest.fixture
def states(tmp_path: Path) -> Path:
    path = tmp_path / "states.csv"
    path.write_bytes(STATES.encode())
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_output(states: Path) -> None:
    code, out, err = run("detect", str(states))
    assert code == 0, err
    body = json.loads(out)
    assert [(p["a"], p["b"]) for p in body["pairs"]] == [("A1", "C1"), ("A1", "Z1"), ("C1", "Z1")]
    assert set(body["pairs"][0]) == {"a", "b", "tcpa_s", "dcpa_m", "t_in_s", "t_out_s"}
    trail = body["pairs"][0]
    assert trail["t_in_s"] is None  # never ends: null, not inf
    assert trail["t_out_s"] is None
    head_on = body["pairs"][1]
    assert head_on["tcpa_s"] == pytest.approx(222.39, abs=0.01)
    assert head_on["dcpa_m"] == pytest.approx(0.0, abs=1e-6)
    assert body["los"] == [
        {"a": "A1", "b": "C1", "distance_m": pytest.approx(5003.77, abs=0.01), "dalt_m": 50.0}
    ]
    assert err == ""


def test_dalt_sign_follows_a_to_b(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(HEADER + "\nB,0,0,10050,250,90,0\nA,0,0.045,10000,250,90,0\n")
    code, out, _ = run("detect", str(path))
    assert code == 0
    assert json.loads(out)["los"][0]["dalt_m"] == 50.0  # altitude of B minus A


def test_minima_options(states: Path) -> None:
    code, out, _ = run("detect", str(states), "--lookahead-s", "100", "--vertical-m", "40")
    assert code == 0
    body = json.loads(out)
    assert body["pairs"] == []  # head-on starts at ~204 s; trail pair is 50 m apart
    assert body["los"] == []


def test_csv_output(states: Path) -> None:
    code, out, _ = run("detect", str(states), "--format", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "kind,a,b,tcpa_s,dcpa_m,t_in_s,t_out_s,distance_m,dalt_m"
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["conflict", "A1", "C1"],
        ["conflict", "A1", "Z1"],
        ["conflict", "C1", "Z1"],
        ["los", "A1", "C1"],
    ]
    assert lines[1].split(",")[5:7] == ["", ""]


def test_stats_on_stderr(states: Path) -> None:
    code, out, err = run("detect", str(states), "--stats")
    assert code == 0
    stats = json.loads(err)
    assert set(stats) == {"aircraft", "candidates", "conflicts", "los", "detect_s"}
    assert stats["aircraft"] == 4
    assert stats["conflicts"] == 3
    assert stats["los"] == 1
    assert 3 <= stats["candidates"] < 6  # F1 is never a candidate
    assert 0 <= stats["detect_s"] < 5
    json.loads(out)


def test_fail_on_conflict(states: Path, tmp_path: Path) -> None:
    assert run("detect", str(states), "--fail-on-conflict")[0] == 1
    quiet = tmp_path / "quiet.csv"
    quiet.write_text(HEADER + "\nA,0,0,10000,250,90,0\nB,40,40,10000,250,90,0\n")
    code, out, _ = run("detect", str(quiet), "--fail-on-conflict")
    assert code == 0
    assert json.loads(out) == {"pairs": [], "los": []}


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("A,0,0,10000,250,90,0\nB,0,zero,10000,250,90,0\n", 3, "lng must be a number"),
        ("A,0,0,10000,250,90,0\nA,0,0,10000,250,90,0\n", 3, "already has a state"),
        ("A,0,0,10000,250\n", 2, "5 fields"),
    ],
)
def test_bad_rows_exit_2(tmp_path: Path, body: str, line: int, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "\n" + body)
    code, out, err = run("detect", str(path))
    assert code == 2
    assert out == ""
    assert f"{path}:{line}: " in err
    assert message in err


def test_bad_header_and_missing_file_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,lat,lng\n")
    code, out, err = run("detect", str(path))
    assert (code, out) == (2, "")
    assert f"{path}:1: the header lacks" in err
    code, out, err = run("detect", str(tmp_path / "absent.csv"))
    assert (code, out) == (2, "")
    assert "cannot be read" in err


def test_bad_minimum_exit_2(states: Path) -> None:
    code, out, err = run("detect", str(states), "--horizontal-m", "0")
    assert (code, out) == (2, "")
    assert "horizontal_m must be a finite number above 0" in err


def test_real_entry_point(states: Path) -> None:
    """The installed console script, in a fresh process."""
    exe = Path(sys.executable).with_name("skyshare")
    done = subprocess.run(
        [str(exe), "detect", str(states), "--stats"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["pairs"]) == 3
    assert json.loads(done.stderr)["aircraft"] == 4
    listing = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True)
    assert "detect" in listing.stdout
    assert "replay" in listing.stdout


def test_help_says_columns_and_exit_codes() -> None:
    code, out, _ = run("detect", "--help")
    assert code == 0
    assert "aircraft_id, lat, lng, altitude_m" in out
    assert "--fail-on-conflict" in out
    assert "Exit codes" in out
