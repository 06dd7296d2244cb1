"""Pick the reader for a recording: by ``--format`` or by sniffing its first line."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from skyshare.errors import InvalidInput
from skyshare.recordings import csv_states, opensky, sbs1
from skyshare.recordings._base import Recording

__all__ = ["Format", "read_recording", "sniff"]

Format = Literal["auto", "csv", "opensky", "sbs1"]


def sniff(path: Path) -> Literal["csv", "opensky", "sbs1"]:
    """The format of a recording from its first non-blank line."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            first = next((line for line in fh if line.strip()), "")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read ({exc.strerror}).") from exc
    if sbs1.looks_like_sbs1(first):
        return "sbs1"
    header = {f.strip().lower() for f in first.split(",")}
    if "icao24" in header:
        return "opensky"
    if "aircraft_id" in header:
        return "csv"
    raise InvalidInput(
        f"{path}:1: cannot tell the format: expected SBS-1 messages, an OpenSky header "
        "(icao24, ...) or a skyshare CSV header (time, aircraft_id, ...); use --format."
    )


def read_recording(path: Path, fmt: Format = "auto") -> Recording:
    """Read ``path`` as the given format, sniffing it when ``fmt`` is ``auto``."""
    chosen = sniff(path) if fmt == "auto" else fmt
    if chosen == "sbs1":
        return sbs1.read_recording(path)
    if chosen == "opensky":
        return opensky.read_recording(path)
    return csv_states.read_recording(path)
