"""Aircraft (latest state and owner per id) and the state history kept for retention."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ClauseElement

from skyshare.model.state import AircraftState
from skyshare.store.schema import aircraft, states

__all__ = [
    "Known",
    "LiveRow",
    "insert_history",
    "known",
    "live_since",
    "prune_history",
    "save_latest",
]

#: SQLite's historical limit on bound parameters is 999; stay well under it.
_IN_CHUNK = 500
_STATE_COLUMNS = (
    "time",
    "lat",
    "lng",
    "altitude_m",
    "ground_speed_mps",
    "track_deg",
    "vertical_rate_mps",
)
_COMPILED: dict[tuple[str, str], tuple[str, tuple[str, ...] | None]] = {}


def _bulk(conn: Connection, name: str, stmt: ClauseElement, rows: Sequence[dict[str, Any]]) -> None:
    """``executemany`` straight on the driver with SQL that SQLAlchemy compiled once.

    Why: at 50,000 states/s SQLAlchemy's per-row parameter processing costs more than SQLite
    itself; the statement is still built by SQLAlchemy for the connection's dialect.
    """
    key = (name, conn.dialect.name)
    if key not in _COMPILED:
        compiled = stmt.compile(dialect=conn.dialect)
        order = getattr(compiled, "positiontup", None)
        _COMPILED[key] = (str(compiled), None if order is None else tuple(order))
    sql, order = _COMPILED[key]
    if order is None:
        conn.exec_driver_sql(sql, list(rows))
    else:
        conn.exec_driver_sql(sql, [tuple(r[k] for k in order) for r in rows])


@dataclass(frozen=True, slots=True)
class Known:
    """An aircraft id already seen: its owner and the time of its newest state."""

    party_id: str
    time_s: float


@dataclass(frozen=True, slots=True)
class LiveRow:
    party_id: str
    state: AircraftState


def known(conn: Connection, ids: Sequence[str]) -> dict[str, Known]:
    """Owner and newest time of each id that has been reported before."""
    out: dict[str, Known] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        rows = conn.execute(
            select(aircraft.c.id, aircraft.c.party_id, aircraft.c.time).where(
                aircraft.c.id.in_(chunk)
            )
        ).all()
        for aid, party, t in rows:
            out[aid] = Known(party, t)
    return out


def _row(s: AircraftState) -> dict[str, object]:
    return {
        "time": s.time_s,
        "lat": s.lat,
        "lng": s.lng,
        "altitude_m": s.altitude_m,
        "ground_speed_mps": s.ground_speed_mps,
        "track_deg": s.track_deg,
        "vertical_rate_mps": s.vertical_rate_mps,
    }


def save_latest(
    conn: Connection,
    party_id: str,
    new: Sequence[AircraftState],
    newer: Sequence[AircraftState],
    now: float,
) -> None:
    """Insert first-seen aircraft (``new``) and move known ones to a newer state."""
    if new:
        _bulk(
            conn,
            "aircraft.insert",
            aircraft.insert().values(
                {c: bindparam(c) for c in ("id", "party_id", "first_seen", "received_at")}
                | {c: bindparam(c) for c in _STATE_COLUMNS}
            ),
            [
                {"id": s.aircraft_id, "party_id": party_id, "first_seen": now, "received_at": now}
                | _row(s)
                for s in new
            ],
        )
    if newer:
        _bulk(
            conn,
            "aircraft.update",
            update(aircraft)
            .where(aircraft.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}") for c in (*_STATE_COLUMNS, "received_at")}),
            [
                {"b_id": s.aircraft_id, "b_received_at": now}
                | {f"b_{k}": v for k, v in _row(s).items()}
                for s in newer
            ],
        )


def insert_history(
    conn: Connection, party_id: str, accepted: Sequence[AircraftState], now: float
) -> None:
    if accepted:
        _bulk(
            conn,
            "states.insert",
            states.insert().values(
                {c: bindparam(c) for c in ("aircraft_id", "party_id", "received_at")}
                | {c: bindparam(c) for c in _STATE_COLUMNS}
            ),
            [
                {"aircraft_id": s.aircraft_id, "party_id": party_id, "received_at": now} | _row(s)
                for s in accepted
            ],
        )


def live_since(conn: Connection, since_s: float) -> list[LiveRow]:
    """Latest state of every aircraft reported at or after ``since_s``."""
    rows = conn.execute(select(aircraft).where(aircraft.c.time >= since_s)).mappings()
    return [
        LiveRow(
            r["party_id"],
            AircraftState(
                aircraft_id=r["id"],
                time_s=r["time"],
                lat=r["lat"],
                lng=r["lng"],
                altitude_m=r["altitude_m"],
                ground_speed_mps=r["ground_speed_mps"],
                track_deg=r["track_deg"],
                vertical_rate_mps=r["vertical_rate_mps"],
            ),
        )
        for r in rows
    ]


def prune_history(conn: Connection, before_s: float) -> int:
    """Delete history states older than ``before_s``; returns how many."""
    result = conn.execute(delete(states).where(states.c.time < before_s))
    return int(result.rowcount or 0)
