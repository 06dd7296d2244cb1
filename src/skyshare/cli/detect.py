"""``skyshare detect``: one tactical detection over a snapshot CSV."""

from __future__ import annotations

import sys

import click

from skyshare.cli._common import minima_options

__all__ = ["detect"]


@click.command(
    "detect",
    epilog="Exit codes: 0 ok (with or without conflicts), 1 conflicts found with "
    "--fail-on-conflict, 2 bad input (reported as file:line: message).",
)
@click.argument("states", type=click.Path(dir_okay=False, path_type=str))
@minima_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
    help="Output on stdout.",
)
@click.option("--stats", is_flag=True, help="Write one JSON line of counts and timing to stderr.")
@click.option("--fail-on-conflict", is_flag=True, help="Exit 1 when any conflict is found.")
def detect(
    states: str,
    horizontal_m: float,
    vertical_m: float,
    lookahead_s: float,
    fmt: str,
    stats: bool,
    fail_on_conflict: bool,
) -> None:
    """Find every pair predicted to lose separation, and every pair that already has.

    STATES.csv has the columns aircraft_id, lat, lng, altitude_m, ground_speed_mps,
    track_deg, vertical_rate_mps (one row per aircraft). The model is BlueSky's state-based
    detection (docs/tactical.md). Output pairs are sorted by (a, b) with a < b.
    """
    import json
    import time
    from pathlib import Path

    from skyshare.cli._tactical_output import conflict_rows, los_rows, write_csv
    from skyshare.engines.tactical import TacticalParams
    from skyshare.engines.tactical import detect as run
    from skyshare.errors import SkyshareError
    from skyshare.recordings.csv_states import read_snapshot

    try:
        params = TacticalParams(
            horizontal_m=horizontal_m, vertical_m=vertical_m, lookahead_s=lookahead_s
        )
        snap = read_snapshot(Path(states))
    except SkyshareError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    started = time.perf_counter()
    result = run(
        lat_deg=snap.lat_deg,
        lng_deg=snap.lng_deg,
        alt_m=snap.alt_m,
        gs_mps=snap.gs_mps,
        trk_deg=snap.trk_deg,
        vs_mps=snap.vs_mps,
        params=params,
    )
    detect_s = time.perf_counter() - started
    pairs = conflict_rows(snap.aircraft_id, result.conflicts)
    los = los_rows(snap.aircraft_id, result.los)
    if fmt == "json":
        click.echo(json.dumps({"pairs": pairs, "los": los}, allow_nan=False))
    else:
        write_csv(sys.stdout, pairs, los)
    if stats:
        line = {
            "aircraft": len(snap.aircraft_id),
            "candidates": result.candidates,
            "conflicts": len(pairs),
            "los": len(los),
            "detect_s": round(detect_s, 6),
        }
        click.echo(json.dumps(line), err=True)
    if fail_on_conflict and pairs:
        sys.exit(1)
