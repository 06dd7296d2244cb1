"""Aircraft (latest state and owner per id) and the state history kept for retention."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.engine import Connection

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
        )
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
        conn.execute(
            aircraft.insert(),
            [
                {
                    "id": s.aircraft_id,
                    "party_id": party_id,
                    "first_seen": now,
                    "received_at": now,
                    **_row(s),
                }
                for s in new
            ],
        )
    if newer:
        stmt = (
            update(aircraft)
            .where(aircraft.c.id == bindparam("b_id"))
            .values(
                {
                    c: bindparam(f"b_{c}")
                    for c in (
                        "time",
                        "lat",
                        "lng",
                        "altitude_m",
                        "ground_speed_mps",
                        "track_deg",
                        "vertical_rate_mps",
                        "received_at",
                    )
                }
            )
        )
        conn.execute(
            stmt,
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
        conn.execute(
            states.insert(),
            [
                {
                    "aircraft_id": s.aircraft_id,
                    "party_id": party_id,
                    "received_at": now,
                    **_row(s),
                }
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
