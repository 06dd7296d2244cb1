"""``skyshare import``: dry-run summary, exit codes and messages, storing through the service."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from skyshare.cli import importer
from skyshare.cli.main import cli
from skyshare.importers import FORMATS
from skyshare.importers.summary import BoundingBox, summarize
from tests.conftest import ADMIN_TOKEN, LiveServer


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["import", *args])
    return result.exit_code, result.stdout, result.stderr


def test_format_choices_match_the_importers() -> None:
    assert importer.FORMAT_CHOICES == FORMATS


def test_dry_run_prints_a_summary(fixtures: Path) -> None:
    code, out, err = run(str(fixtures / "constructs.txt"), "--dry-run")
    assert code == 0, err
    assert err == ""
    assert "7 restrictions" in out
    for cls in ("CTR", " R ", " Q ", " P "):
        assert cls in out
    assert "bounding box: lat 45.0000 to 48.0833, lng 6.0000 to 9.1247" in out
    assert "vertical (AGL): lowest lower 0 m, highest upper 1,000 m" in out
    assert "vertical (W84): lowest lower 0 m, highest upper unlimited" in out
    assert "dry run: nothing stored." in out


def test_dry_run_across_the_antimeridian(fixtures: Path) -> None:
    code, out, _ = run(str(fixtures / "antimeridian_polar.txt"), "--dry-run")
    assert code == 0
    assert "lat -90.0000 to 90.0000" in out


def test_bad_input_exits_2_with_file_and_line(fixtures: Path) -> None:
    path = fixtures / "bad.txt"
    code, out, err = run(str(path), "--dry-run")
    assert code == 2
    assert out == ""
    assert err.startswith(f"{path}:14: ")


def test_bad_json_exits_2_with_json_path(fixtures: Path) -> None:
    path = fixtures / "bad.geojson"
    code, out, err = run(str(path), "--dry-run", "--format", "geojson")
    assert (code, out) == (2, "")
    assert err.startswith(f"{path}:$.features[1].geometry.coordinates: ")


def test_skip_invalid_lists_what_it_skipped(fixtures: Path) -> None:
    path = fixtures / "bad.txt"
    code, out, err = run(str(path), "--dry-run", "--skip-invalid")
    assert code == 0
    assert f"skipped: {path}:14: " in err
    assert f"skipped: {path}:20: " in err
    assert "2 restrictions" in out
    assert "skipped: 2" in out


def test_missing_file_and_unknown_zone(tmp_path: Path, fixtures: Path) -> None:
    code, out, err = run(str(tmp_path / "nope.txt"), "--dry-run")
    assert (code, out) == (2, "")
    assert "cannot read the file" in err
    code, _, err = run(
        str(fixtures / "zones.ed269.json"), "--dry-run", "--time-zone", "Nowhere/City"
    )
    assert code == 2
    assert "not a known time zone" in err


def test_storing_into_a_database_is_idempotent(fixtures: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    for _ in range(2):
        code, out, _ = run(str(fixtures / "zones.ed318.json"), "--db", str(db))
        assert code == 0
        assert "stored:" in out
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT source, source_id FROM restrictions").fetchall()
    assert len(rows) == 3
    assert len(set(rows)) == 3


def test_import_over_http_with_url_and_token(fixtures: Path, live: LiveServer) -> None:
    file = fixtures / "constructs.txt"
    base = ["--url", live.base_url, "--token", ADMIN_TOKEN]
    code, out, err = run(str(file), *base)
    assert code == 0, err
    listed = live.clients["blue"].get("/v1/restrictions").json()
    assert {r["source"] for r in listed} == {file.name}
    count = len(listed)
    assert count > 0
    assert run(str(file), *base)[0] == 0  # again: updated in place
    assert len(live.clients["blue"].get("/v1/restrictions").json()) == count
    code, out, err = run(str(file), "--url", live.base_url, "--token", live.tokens["blue"])
    assert code == 1  # a party is not the administrator
    assert out == ""


def test_import_endpoint_refuses_bad_files_and_stores_nothing(live: LiveServer) -> None:
    bad = b"AC R\nAN Broken\nAL GND\nAH FL95\nDP 95:00:00 N 010:00:00 E\n"
    r = live.admin.post("/v1/restrictions:import", params={"name": "broken.txt"}, content=bad)
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith("broken.txt:5: ")
    r = live.admin.post("/v1/restrictions:import", params={"format": "xml"}, content=b"<a/>")
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "format"
    assert live.clients["blue"].post("/v1/restrictions:import", content=bad).status_code == 403
    assert live.admin.get("/v1/restrictions").json() == []


def test_summary_bounding_box_wraps_the_antimeridian(fixtures: Path) -> None:
    from skyshare.importers import read_restrictions

    rs = read_restrictions(fixtures / "zones.geojson").restrictions
    dateline = [r for r in rs if r.source_id == "gj-2"]
    s = summarize(dateline)
    assert s.bbox is not None
    # Fiji (179.9 to -179.9) and the Alps (7.0 to 7.1): the short way round is the east one.
    assert s.bbox == BoundingBox(7.0, -17.0, -179.9, 46.1) or s.bbox.west > s.bbox.east
    assert [(t.type, t.restrictions, t.volumes) for t in s.by_type] == [("P", 1, 2)]


def test_help_is_lazy() -> None:
    result = CliRunner().invoke(cli, ["import", "--help"])
    assert result.exit_code == 0
    assert "--skip-invalid" in result.stdout
