"""The store's contract on both backends: one writer, gap-free events, outages as 503."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import psycopg
import pytest

from skyshare.errors import Unavailable
from skyshare.store import events as event_store
from skyshare.store.database import EVENTS_CHANNEL, Database, open_database


@pytest.fixture
def db(db_target: str) -> Database:
    return open_database(db_target)


def test_a_rolled_back_writer_leaves_no_gap_in_event_seqs(db: Database) -> None:
    with db.write() as tx:
        assert event_store.append(tx.conn, "t.one", {}, ["p"], 1.0) == 1

    def lost_writer() -> None:
        with db.write() as tx:
            event_store.append(tx.conn, "t.lost", {}, ["p"], 2.0)
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        lost_writer()
    with db.write() as tx:
        seqs = event_store.append_many(tx.conn, [("t.two", {}, ["p"]), ("t.three", {}, [])], 3.0)
    assert seqs == [2, 3]
    with db.read() as conn:
        listed = event_store.list_after(conn, None, 0, 10)
    assert [(e.seq, e.type) for e in listed] == [(1, "t.one"), (2, "t.two"), (3, "t.three")]
    db.dispose()


def test_two_handles_on_one_database_write_one_at_a_time(db_target: str) -> None:
    """Two processes' worth of engines: the second writer waits for the first to commit."""
    first, second = open_database(db_target), open_database(db_target, migrate=False)
    order: list[str] = []
    inside = threading.Event()

    def slow_writer() -> None:
        with first.write() as tx:
            event_store.append(tx.conn, "t.first", {}, [], 1.0)
            inside.set()
            time.sleep(0.3)
            order.append("first committed")

    t = threading.Thread(target=slow_writer)
    t.start()
    assert inside.wait(5)
    with second.write() as tx:
        order.append("second began")
        seq = event_store.append(tx.conn, "t.second", {}, [], 2.0)
    t.join()
    assert order == ["first committed", "second began"]
    assert seq == 2
    first.dispose()
    second.dispose()


def test_postgres_commits_that_wrote_events_notify_listeners(pg_target: str) -> None:
    db = open_database(pg_target)
    url = pg_target
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {EVENTS_CHANNEL}")
        with db.write() as tx:  # nothing written: nothing announced
            tx.conn.exec_driver_sql("SELECT 1")
        with db.write() as tx:
            event_store.append(tx.conn, "t.one", {}, [], 1.0)
        heard = [n.channel for n in listener.notifies(timeout=2, stop_after=2)]
    assert heard == [EVENTS_CHANNEL]
    db.dispose()


def test_an_unreachable_postgres_is_unavailable_not_a_crash() -> None:
    db = Database("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with pytest.raises(Unavailable), db.read():
        pass
    with pytest.raises(Unavailable), db.write():
        pass
    db.dispose()


def test_sqlite_log_is_copied_into_the_file_by_the_checkpoint_thread(tmp_path: Path) -> None:
    """No request pays for the checkpoint: a thread does it, and the file catches up."""
    db = open_database(str(tmp_path / "c.db"))
    for i in range(20):
        with db.write() as tx:
            event_store.append(tx.conn, "t.x", {"i": i}, ["p"], float(i))
    time.sleep(1.5)
    copy = tmp_path / "alone.db"
    shutil.copyfile(tmp_path / "c.db", copy)  # the main file without its log
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (20,)
    with db.write_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10000
    db.dispose()
