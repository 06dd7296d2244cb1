"""Aircraft (latest state and owner per id) and the state history kept for retention."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.sql.expression import ClauseElement

from skyshare.model.state import AircraftState, StateColumns
from skyshare.store.database import compiled_sql
from skyshare.store.schema import aircraft, states

__all__ = [
    "Known",
    "LiveRow",
    "insert_history",
    "insert_latest",
    "known",
    "live_since",
    "prune_history",
    "update_latest",
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


def _bulk(
    conn: Connection, name: str, stmt: ClauseElement, columns: Mapping[str, Sequence[object]]
) -> None:
    """``executemany`` straight on the driver with SQL that SQLAlchemy compiled once.

    Why: at 50,000 states/s SQLAlchemy's per-row parameter processing, and even building one
    dict per row, cost more than SQLite itself. Rows are zipped from columns in C; the
    statement is still built by SQLAlchemy for the connection's dialect.
    """
    sql, order = compiled_sql(conn, name, stmt)
    if order is None:
        names = list(columns)
        rows: list[Any] = [
            dict(zip(names, r, strict=True)) for r in zip(*columns.values(), strict=True)
        ]
    else:
        rows = list(zip(*(columns[k] for k in order), strict=True))
    if rows:
        conn.exec_driver_sql(sql, rows)


def _state_columns(
    cols: StateColumns, prefix: str = "", **fixed: Sequence[object]
) -> dict[str, Sequence[object]]:
    """The parameter columns of a statement: ``fixed`` ones and the state's, named with
    ``prefix``."""
    out: dict[str, Sequence[object]] = {**fixed, prefix + "time": cols.time_s.tolist()}
    for c in _STATE_COLUMNS[1:]:
        out[prefix + c] = getattr(cols, c).tolist()
    return out


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


def insert_latest(conn: Connection, party_id: str, new: StateColumns, now: float) -> None:
    """Insert first-seen aircraft (one state each): the row records their owner."""
    n = len(new)
    _bulk(
        conn,
        "aircraft.insert",
        aircraft.insert().values(
            {c: bindparam(c) for c in ("id", "party_id", "first_seen", "received_at")}
            | {c: bindparam(c) for c in _STATE_COLUMNS}
        ),
        _state_columns(
            new,
            id=new.aircraft_id,
            party_id=[party_id] * n,
            first_seen=[now] * n,
            received_at=[now] * n,
        ),
    )


def update_latest(conn: Connection, newer: StateColumns, now: float) -> None:
    """Move known aircraft (one state each) to a newer state; never to an older one."""
    _bulk(
        conn,
        "aircraft.update",
        update(aircraft)
        .where(aircraft.c.id == bindparam("b_id"), aircraft.c.time < bindparam("b_time"))
        .values({c: bindparam(f"b_{c}") for c in (*_STATE_COLUMNS, "received_at")}),
        _state_columns(newer, "b_", b_id=newer.aircraft_id, b_received_at=[now] * len(newer)),
    )


def insert_history(conn: Connection, party_id: str, accepted: StateColumns, now: float) -> None:
    n = len(accepted)
    conn.info["states_written"] = True  # other processes' detectors hear of it at commit
    _bulk(
        conn,
        "states.insert",
        states.insert().values(
            {c: bindparam(c) for c in ("aircraft_id", "party_id", "received_at")}
            | {c: bindparam(c) for c in _STATE_COLUMNS}
        ),
        _state_columns(
            accepted,
            aircraft_id=accepted.aircraft_id,
            party_id=[party_id] * n,
            received_at=[now] * n,
        ),
    )


def last_history_seq(conn: Connection) -> int:
    return int(conn.execute(select(func.max(states.c.seq))).scalar() or 0)


def history_after(conn: Connection, seq: int, limit: int = 50_000) -> tuple[int, list[LiveRow]]:
    """States stored after ``seq`` (by any process), oldest first, and the last seq read.

    Seqs are taken under the single writer, so they grow in commit order: a reader that
    saw seq n has seen every committed state before it.
    """
    rows = conn.execute(
        select(states).where(states.c.seq > seq).order_by(states.c.seq).limit(limit)
    ).mappings()
    out: list[LiveRow] = []
    last = seq
    for r in rows:
        last = r["seq"]
        out.append(_live_row(r, r["aircraft_id"]))
    return last, out


def live_since(conn: Connection, since_s: float) -> list[LiveRow]:
    """Latest state of every aircraft reported at or after ``since_s``."""
    rows = conn.execute(select(aircraft).where(aircraft.c.time >= since_s)).mappings()
    return [_live_row(r, r["id"]) for r in rows]


def _live_row(r: RowMapping, aircraft_id: str) -> LiveRow:
    """A state row of either table (history or latest), which name the aircraft apart."""
    return LiveRow(
        r["party_id"],
        AircraftState(
            aircraft_id=aircraft_id,
            time_s=r["time"],
            lat=r["lat"],
            lng=r["lng"],
            altitude_m=r["altitude_m"],
            ground_speed_mps=r["ground_speed_mps"],
            track_deg=r["track_deg"],
            vertical_rate_mps=r["vertical_rate_mps"],
        ),
    )


def prune_history(conn: Connection, before_s: float, limit: int) -> int:
    """Delete up to ``limit`` history states older than ``before_s``; returns how many.

    Bounded so that retention, which at 4,000 states/s has 240,000 rows a minute to delete,
    never holds the single writer for long.
    """
    oldest = select(states.c.seq).where(states.c.time < before_s).limit(limit)
    result = conn.execute(delete(states).where(states.c.seq.in_(oldest)))
    return int(result.rowcount or 0)
