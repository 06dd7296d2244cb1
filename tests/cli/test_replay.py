"""``skyshare replay`` end to end on recordings written in every format it reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from skyshare.cli.main import cli
from skyshare.timefmt import format_rfc3339, parse_rfc3339

from .scenario import T0, Report, reports, write_csv, write_opensky, write_sbs1

Writer = Callable[[Path, list[Report]], Path]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["replay", *args])
    return result.exit_code, result.stdout, result.stderr


def encounters(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize(
    ("writer", "fmt", "ids"),
    [
        (write_csv, "auto", ("AAA111", "BBB222")),
        (write_csv, "csv", ("AAA111", "BBB222")),
        (write_opensky, "auto", ("aaa111", "bbb222")),
        (write_sbs1, "auto", ("aaa111", "bbb222")),
        (write_sbs1, "sbs1", ("aaa111", "bbb222")),
    ],
)
def test_head_on_is_one_encounter(
    tmp_path: Path, writer: Writer, fmt: str, ids: tuple[str, str]
) -> None:
    path = writer(tmp_path / "rec", reports())
    code, out, err = run(str(path), "--format", fmt)
    assert code == 0, err
    (enc,) = encounters(out)
    assert list(enc) == [
        "a", "b", "first_alert", "lead_s", "cpa_time", "min_horizontal_m", "min_vertical_m", "los",
    ]  # fmt: skip
    assert (enc["a"], enc["b"]) == ids
    # The conflict window starts inside 300 s from T0+571.1 s; the next whole step is T0+575.
    assert enc["first_alert"] == format_rfc3339(T0 + 575)
    assert enc["los"] is True
    # Separation is lost at T0+871.1 s; the first report inside is at T0+872.
    assert enc["lead_s"] == pytest.approx(297.0)
    assert parse_rfc3339(enc["cpa_time"]) in (T0 + 889, T0 + 890)
    assert enc["min_horizontal_m"] < 300.0
    assert enc["min_vertical_m"] == 0.0


def test_step_changes_first_alert(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "rec.csv", reports())
    code, out, _ = run(str(path), "--step-s", "60")
    assert code == 0
    (enc,) = encounters(out)
    assert enc["first_alert"] == format_rfc3339(T0 + 600)


def test_minima_and_lookahead(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "rec.csv", reports())
    code, out, _ = run(str(path), "--lookahead-s", "60", "--horizontal-m", "1000")
    assert code == 0
    (enc,) = encounters(out)
    # Window starts inside 60 s from T0 + 889.6 - 2 - 60 = T0 + 827.6; next step T0 + 830.
    assert enc["first_alert"] == format_rfc3339(T0 + 830)
    assert enc["lead_s"] == pytest.approx(58.0)


def test_stale_and_grounded_aircraft_are_skipped(tmp_path: Path) -> None:
    # B stops reporting at T0+500: from T0+531 its state is too old to be extrapolated.
    rows = [r for r in reports() if not (r.aircraft == "BBB222" and r.time_s > T0 + 500)]
    path = write_csv(tmp_path / "stale.csv", rows)
    code, out, _ = run(str(path))
    assert code == 0
    assert out == ""
    # C is on the ground in the same place as A: no encounter with it.
    grounded = [
        Report(r.time_s, "CCC333", r.lat, r.lng, r.alt_m, 0.0, 0.0, 0.0, True)
        for r in reports()
        if r.aircraft == "AAA111"
    ]
    path = write_csv(tmp_path / "ground.csv", grounded + reports())
    code, out, _ = run(str(path))
    assert code == 0
    assert [(e["a"], e["b"]) for e in encounters(out)] == [("AAA111", "BBB222")]


def test_out_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "rec.csv", reports(), newline="\r\n")
    target = tmp_path / "encounters.jsonl"
    code, out, _ = run(str(path), "--out", str(target))
    assert code == 0
    assert out == ""
    assert len(encounters(target.read_text())) == 1


def test_bad_row_exit_2(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "rec.csv", reports(10))
    lines = path.read_text().splitlines()
    lines[5] = lines[5].replace(",10000.0,", ",high,")
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run(str(path))
    assert (code, out) == (2, "")
    assert f"{path}:6: altitude_m must be a number" in err


def test_unknown_format_and_bad_step_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "rec.txt"
    path.write_text("who,what\n1,2\n")
    code, out, err = run(str(path))
    assert (code, out) == (2, "")
    assert f"{path}:1: cannot tell the format" in err
    good = write_csv(tmp_path / "rec.csv", reports(10))
    code, out, err = run(str(good), "--step-s", "0")
    assert (code, out) == (2, "")
    assert "--step-s must be a number above 0" in err


def test_help() -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert "OpenSky" in out
    assert "SBS-1" in out
    assert "--step-s" in out
