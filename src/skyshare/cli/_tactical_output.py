"""Shapes of ``detect`` output (API.md): pairs keyed by aircraft id with ``a < b``."""

from __future__ import annotations

import csv
import math
from typing import IO, Any

from skyshare.engines.tactical import Conflicts, LossOfSeparation

__all__ = ["conflict_rows", "los_rows", "write_csv"]

_CSV_COLUMNS = (
    "kind",
    "a",
    "b",
    "tcpa_s",
    "dcpa_m",
    "t_in_s",
    "t_out_s",
    "distance_m",
    "dalt_m",
)


def _finite(value: float) -> float | None:
    """JSON has no infinity: an unbounded conflict window end is ``null``."""
    return value if math.isfinite(value) else None


def conflict_rows(ids: list[str], c: Conflicts) -> list[dict[str, Any]]:
    """Conflicts as API.md objects, sorted by ``(a, b)``."""
    rows = []
    for i, j, tcpa, dcpa, t_in, t_out in zip(
        c.i.tolist(),
        c.j.tolist(),
        c.tcpa_s.tolist(),
        c.dcpa_m.tolist(),
        c.t_in_s.tolist(),
        c.t_out_s.tolist(),
        strict=True,
    ):
        a, b = sorted((ids[i], ids[j]))
        rows.append(
            {
                "a": a,
                "b": b,
                "tcpa_s": tcpa,
                "dcpa_m": dcpa,
                "t_in_s": _finite(t_in),
                "t_out_s": _finite(t_out),
            }
        )
    rows.sort(key=lambda r: (r["a"], r["b"]))
    return rows


def los_rows(ids: list[str], los: LossOfSeparation) -> list[dict[str, Any]]:
    """Losses of separation, sorted by ``(a, b)``; ``dalt_m`` is altitude of b minus a."""
    rows = []
    for i, j, dist, dalt in zip(
        los.i.tolist(),
        los.j.tolist(),
        los.distance_m.tolist(),
        los.dalt_m.tolist(),
        strict=True,
    ):
        if ids[i] <= ids[j]:
            rows.append({"a": ids[i], "b": ids[j], "distance_m": dist, "dalt_m": dalt})
        else:
            rows.append({"a": ids[j], "b": ids[i], "distance_m": dist, "dalt_m": -dalt})
    rows.sort(key=lambda r: (r["a"], r["b"]))
    return rows


def write_csv(out: IO[str], pairs: list[dict[str, Any]], los: list[dict[str, Any]]) -> None:
    """One table: ``kind`` is ``conflict`` or ``los``; fields that do not apply are empty."""
    writer = csv.DictWriter(out, fieldnames=_CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    for row in pairs:
        writer.writerow({"kind": "conflict", **{k: "" if v is None else v for k, v in row.items()}})
    for row in los:
        writer.writerow({"kind": "los", **row})
