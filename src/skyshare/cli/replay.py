"""``skyshare replay``: tactical detection over a time-stamped recording, as encounters."""

from __future__ import annotations

import sys

import click

from skyshare.cli._common import minima_options

__all__ = ["replay"]

#: Steps above which a progress bar is drawn on stderr.
_PROGRESS_STEPS = 200


@click.command(
    "replay",
    epilog="Each encounter is one JSON line: a, b, first_alert, lead_s, cpa_time, "
    "min_horizontal_m, min_vertical_m, los. Exit codes: 0 ok, 2 bad input "
    "(reported as file:line: message).",
)
@click.argument("recording", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "csv", "opensky", "sbs1"]),
    default="auto",
    show_default=True,
    help="Recording format; auto sniffs the first line.",
)
@click.option(
    "--step-s",
    type=float,
    default=5.0,
    show_default=True,
    help="Seconds of recording time between detections.",
)
@minima_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=str),
    help="Write the JSON lines here instead of stdout.",
)
def replay(
    recording: str,
    fmt: str,
    step_s: float,
    horizontal_m: float,
    vertical_m: float,
    lookahead_s: float,
    out: str | None,
) -> None:
    """Replay RECORDING and report each encounter once.

    RECORDING is an OpenSky state-vector CSV, SBS-1/BaseStation messages (MSG,3 and MSG,4,
    times in UTC), or the detect CSV plus a time column. Every STEP-S seconds the latest
    state of each airborne aircraft (no older than 30 s) is extrapolated to the step time and
    checked; a pair in conflict on consecutive steps is one encounter. Its minimum separation
    is measured on the recording, interpolated between reports.
    """
    import json
    import math
    from pathlib import Path
    from typing import cast

    from skyshare.engines.tactical import TacticalParams
    from skyshare.errors import InvalidInput, SkyshareError
    from skyshare.recordings.auto import Format, read_recording
    from skyshare.recordings.replay import replay as run
    from skyshare.timefmt import format_rfc3339

    try:
        if not (math.isfinite(step_s) and step_s > 0):
            raise InvalidInput(f"--step-s must be a number above 0, not {step_s}.")
        params = TacticalParams(
            horizontal_m=horizontal_m, vertical_m=vertical_m, lookahead_s=lookahead_s
        )
        rec = read_recording(Path(recording), cast(Format, fmt))
    except SkyshareError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(exc.exit_code)

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("replay"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} steps"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("replay", total=None)

        def progress(done: int, total: int) -> None:
            if total >= _PROGRESS_STEPS and (done % 50 == 0 or done == total):
                bar.update(task, completed=done, total=total)

        encounters = run(rec, params, step_s=step_s, progress=progress)

    lines = [
        json.dumps(
            {
                "a": e.a,
                "b": e.b,
                "first_alert": format_rfc3339(e.first_alert_s),
                "lead_s": e.lead_s,
                "cpa_time": format_rfc3339(e.cpa_time_s),
                "min_horizontal_m": round(e.min_horizontal_m, 1),
                "min_vertical_m": round(e.min_vertical_m, 1),
                "los": e.los,
            }
        )
        for e in encounters
    ]
    text = "".join(line + "\n" for line in lines)
    if out is None:
        sys.stdout.write(text)
    else:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            click.echo(f"error: {out}: cannot be written ({exc.strerror}).", err=True)
            sys.exit(2)
