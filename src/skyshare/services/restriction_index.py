"""The restriction index's feed and the exact re-check of scheduled zones.

The restriction index holds each zone's volumes without its schedule (a superset in time);
a candidate with a schedule is then checked exactly against the windows when it applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.engine import Connection

from skyshare.engines.strategic import Minima, StrategicHit, VolumeIndex
from skyshare.model.restriction import Restriction, applicable_volumes
from skyshare.model.volume import Volume4D
from skyshare.store import restrictions as restriction_store

__all__ = ["exact_restriction_hits", "restriction_feed", "unscheduled"]


def unscheduled(r: Restriction) -> tuple[Volume4D, ...]:
    if r.schedule is None:
        return r.volumes
    return tuple(Volume4D(v.footprint, v.lower, v.upper, None, None) for v in r.volumes)


def restriction_feed(
    conn: Connection, rev: int
) -> Iterable[tuple[int, str, Sequence[Volume4D] | None]]:
    for r, key, restriction in restriction_store.changed_since(conn, rev):
        yield r, key, None if restriction is None else unscheduled(restriction)


def _span(volumes: Sequence[Volume4D], pad_s: float) -> tuple[float, float]:
    starts = [v.time_start_s for v in volumes if v.time_start_s is not None]
    ends = [v.time_end_s for v in volumes if v.time_end_s is not None]
    return min(starts) - pad_s, max(ends) + pad_s


def exact_restriction_hits(
    conn: Connection,
    candidates: Sequence[StrategicHit],
    volumes: Sequence[Volume4D],
    minima: Minima,
) -> list[StrategicHit]:
    """Candidates re-checked against the windows when each restriction applies."""
    out: list[StrategicHit] = []
    lo, hi = _span(volumes, minima.time_buffer_s + 1.0)
    for hit in candidates:
        r = restriction_store.get(conn, hit.key)
        if r is None:
            continue
        if r.schedule is None:
            out.append(hit)
            continue
        index = VolumeIndex()
        applicable = applicable_volumes(r, lo, hi)
        if applicable:
            index.add(hit.key, applicable)
            out.extend(index.query(volumes, minima))
    return out
