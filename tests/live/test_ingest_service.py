"""Ingest in process: the owner registry against the table, concurrency, retention chunks."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from skyshare.errors import Forbidden
from skyshare.model.agreement import agreement_from_mapping
from skyshare.model.state import AircraftState, StateColumns
from skyshare.services import agreement as agreement_service
from skyshare.services import states as state_service
from skyshare.services.context import Caller, Context
from skyshare.services.live import LivePicture
from skyshare.services.parties import add_party
from skyshare.store.database import open_database
from tests.conftest import AGREEMENT


def _context(db: Path) -> Context:
    return Context(open_database(str(db)))


def _setup(db: Path) -> dict[str, Caller]:
    ctx = _context(db)
    body = agreement_service.set_agreement(ctx, Caller(None), agreement_from_mapping(AGREEMENT))
    callers: dict[str, Caller] = {}
    for name in ("blue", "red"):
        party, _ = add_party(ctx, name, "en")
        agreement_service.adopt(ctx, Caller(party), body["sha256"])
        callers[name] = Caller(party)
    ctx.db.dispose()
    return callers


def _s(aid: str, t: float, lat: float = 36.0) -> AircraftState:
    return AircraftState(aid, t, lat, 37.0, 3000.0, 100.0, 90.0, 0.0)


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_a_new_process_reads_owners_and_newest_times_from_the_table(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    callers = _setup(db)
    now = time.time()
    first = _context(db)
    assert state_service.ingest(first, callers["blue"], [_s("B1", now)])["accepted"] == 1
    first.db.dispose()
    second = _context(db)  # an empty registry: everything comes from ``aircraft``
    with pytest.raises(Forbidden) as err:
        state_service.ingest(second, callers["red"], [_s("R1", now), _s("B1", now)])
    assert err.value.field == "states[1].aircraft_id"
    assert state_service.ingest(second, callers["blue"], [_s("B1", now - 1)]) == {
        "accepted": 0,
        "ignored": 1,
    }
    assert state_service.ingest(second, callers["blue"], [_s("B1", now + 1, 36.5)]) == {
        "accepted": 1,
        "ignored": 0,
    }
    assert _rows(db, "SELECT id, party_id, lat FROM aircraft") == [
        ("B1", callers["blue"].party_id, 36.5)
    ]
    assert _rows(db, "SELECT count(*) FROM states") == [(2,)]
    second.db.dispose()


def test_concurrent_first_reports_give_each_aircraft_one_owner(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    callers = _setup(db)
    ctx = _context(db)
    now = time.time()
    ids = [f"X{k:03d}" for k in range(200)]
    outcome: dict[str, str] = {}

    def report(name: str) -> None:
        try:
            state_service.ingest(ctx, callers[name], [_s(a, now) for a in ids])
            outcome[name] = "stored"
        except Forbidden:
            outcome[name] = "refused"

    threads = [threading.Thread(target=report, args=(n,)) for n in ("blue", "red")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcome.values()) == ["refused", "stored"]
    winner = next(n for n, o in outcome.items() if o == "stored")
    assert _rows(db, "SELECT DISTINCT party_id FROM aircraft") == [(callers[winner].party_id,)]
    assert _rows(db, "SELECT count(*), count(DISTINCT aircraft_id) FROM states") == [(200, 200)]
    ctx.db.dispose()


def test_a_track_in_one_request_is_kept_and_the_newest_state_wins(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    callers = _setup(db)
    ctx = _context(db)
    now = time.time()
    batch = [_s("B1", now - 2, 35.0), _s("B2", now), _s("B1", now, 35.2), _s("B1", now - 1)]
    assert state_service.ingest(ctx, callers["blue"], batch) == {"accepted": 4, "ignored": 0}
    again = [_s("B1", now, 9.0), _s("B1", now + 1, 35.3), _s("B2", now - 1)]
    assert state_service.ingest(ctx, callers["blue"], again) == {"accepted": 1, "ignored": 2}
    assert _rows(db, "SELECT id, lat FROM aircraft ORDER BY id") == [("B1", 35.3), ("B2", 36.0)]
    ctx.db.dispose()


def test_retention_deletes_in_short_transactions_until_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.db"
    callers = _setup(db)
    ctx = _context(db)
    monkeypatch.setattr(state_service, "_PRUNE_CHUNK", 7)
    now = time.time()
    for k in range(30):
        state_service.ingest(
            ctx, callers["blue"], [_s("B1", now - 100 + k), _s("B2", now - 100 + k)]
        )
    assert state_service.prune_history(ctx, 100 - 14.5) == 30  # 15 seconds of two aircraft
    ((count, oldest),) = _rows(db, "SELECT count(*), min(time) FROM states")
    assert (count, oldest) == (30, pytest.approx(now - 85))
    assert state_service.prune_history(ctx, 100 - 14.5) == 0
    ctx.db.dispose()


def test_live_picture_ignores_a_late_older_state() -> None:
    picture = LivePicture()
    picture.update_columns("p", StateColumns.from_states([_s("A", 10.0), _s("B", 10.0)]))
    picture.update_columns("p", StateColumns.from_states([_s("A", 9.0, 1.0), _s("B", 11.0, 2.0)]))
    snap = picture.snapshot(0.0)
    got = dict(zip(snap.ids.tolist(), snap.lat.tolist(), strict=True))
    assert got == {"A": 36.0, "B": 2.0}
    assert picture.take_dirty() == {"A", "B"}
    assert np.all(snap.time_s == np.array([10.0, 11.0]))
