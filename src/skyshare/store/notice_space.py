"""Candidate notices found by PostgreSQL's space-time index (migrations 0005 and 0007).

Candidates only: the box, time range and altitude band err outward, and the strategic
engine makes the exact test. SQLite does not use this module; its one process keeps the
index in memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

__all__ = ["Candidate", "changed_ids", "count_live", "in_box", "near", "volumes_of"]


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    ovn: str


_VOLUMES = text("SELECT id, ovn, volumes FROM notices WHERE id = ANY(:ids)")


def volumes_of(conn: Connection, ids: list[str]) -> dict[str, tuple[str, str]]:
    """id -> (ovn, volumes JSON), for the candidates a process has not indexed yet."""
    if not ids:
        return {}
    return {r.id: (r.ovn, r.volumes) for r in conn.execute(_VOLUMES, {"ids": ids})}


#: Each function reads the new volumes' JSON once (its range's two ends come from one call).
_QUERY_BOX = text(
    "SELECT skyshare_box_expand(skyshare_notice_box(:volumes), :reach_m)::text AS b, "
    "lower(w)::float8 AS t0, upper(w)::float8 AS t1, "
    "lower(z)::float8 AS z0, upper(z)::float8 AS z1 "
    "FROM (SELECT skyshare_notice_window(:volumes) AS w, "
    "skyshare_notice_band(:volumes) AS z) AS ranges"
)

_IN_BOX_SQL = (
    "SELECT id, ovn FROM notices "
    "WHERE deleted_at IS NULL AND id <> :exclude "
    "AND skyshare_notice_box(volumes) && CAST(:box AS box) "
    "AND skyshare_notice_window(volumes) "
    "&& numrange(CAST(:t0 AS numeric), CAST(:t1 AS numeric), '[]')"
)
_IN_BOX = text(_IN_BOX_SQL)
_NEAR_SQL = (
    _IN_BOX_SQL + " AND skyshare_notice_band(volumes) "
    "&& numrange(CAST(:z0 AS numeric), CAST(:z1 AS numeric), '[]')"
)
_NEAR = text(_NEAR_SQL)
_NEAR_SINCE = text(_NEAR_SQL + " AND rev > :since")
_CHANGED_IDS = text("SELECT id FROM notices WHERE rev > :since")

#: Metres added to the vertical minimum: numeric and float bands may round differently.
_BAND_PAD_M = 1.0


def _bound(x: float | None, pad: float) -> float | None:
    return None if x is None or not math.isfinite(x) else x + pad


def near(
    conn: Connection,
    volumes_json: str,
    reach_m: float,
    time_buffer_s: float,
    vertical_m: float,
    exclude: str,
    since_rev: int | None = None,
) -> list[Candidate]:
    """Live notices whose box comes within ``reach_m``, window within the time buffer and
    band within the vertical minimum (both bands as wide as any the engine compares).

    ``since_rev``: only notices written after that revision.
    """
    q = conn.execute(_QUERY_BOX, {"volumes": volumes_json, "reach_m": reach_m}).one()
    reach_z = vertical_m + _BAND_PAD_M
    rows = conn.execute(
        _NEAR if since_rev is None else _NEAR_SINCE,
        {
            "since": since_rev,
            "exclude": exclude,
            "box": q.b,
            "t0": _bound(q.t0, -time_buffer_s),
            "t1": _bound(q.t1, time_buffer_s),
            "z0": _bound(q.z0, -reach_z),
            "z1": _bound(q.z1, reach_z),
        },
    )
    return [Candidate(r.id, r.ovn) for r in rows]


def in_box(
    conn: Connection,
    min_lng: float,
    min_lat: float,
    max_lng: float,
    max_lat: float,
    t_from: float | None,
    t_to: float | None,
    margin_m: float,
) -> list[Candidate]:
    """Live notices whose box meets the lng/lat box (split at the antimeridian) in time."""
    if t_from is not None and t_to is not None and t_from > t_to:
        # Only windows spanning both instants can "meet" an inverted window: candidates
        # from the upright one, and the engine's test decides.
        t_from, t_to = t_to, t_from
    spans = [(min_lng, max_lng)] if min_lng <= max_lng else [(min_lng, 180.0), (-180.0, max_lng)]
    out: dict[str, Candidate] = {}
    for lo, hi in spans:
        b = conn.execute(
            text("SELECT skyshare_box_expand(box(point(:x0, :y0), point(:x1, :y1)), :m)::text"),
            {"x0": lo, "y0": min_lat, "x1": hi, "y1": max_lat, "m": margin_m},
        ).scalar_one()
        rows = conn.execute(_IN_BOX, {"exclude": "", "box": b, "t0": t_from, "t1": t_to})
        for r in rows:
            out[r.id] = Candidate(r.id, r.ovn)
    return list(out.values())


def changed_ids(conn: Connection, since_rev: int) -> set[str]:
    """Notices written (filed, replaced or deleted) after revision ``since_rev``."""
    return set(conn.execute(_CHANGED_IDS, {"since": since_rev}).scalars())


def count_live(conn: Connection) -> int:
    return int(
        conn.execute(text("SELECT count(*) FROM notices WHERE deleted_at IS NULL")).scalar_one()
    )
