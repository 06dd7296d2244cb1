"""One database handle: engines, migrations and the unit of work.

SQLite is the embedded default: a file in WAL mode, one writer at a time (``BEGIN
IMMEDIATE`` on a single pooled write connection, as datasette does) and a pool of readers.
Store functions never commit; services open ``Database.write()``, do everything, and commit
once, so nothing is announced that was not stored.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

from skyshare.errors import InvalidInput, Unavailable

__all__ = ["Database", "Tx", "open_database"]


@dataclass
class Tx:
    """A unit of work: a connection inside one transaction, and what to do after commit."""

    conn: Connection
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    #: Values derived once per transaction (the audit head, the party list).
    memo: dict[str, Any] = field(default_factory=dict)

    def on_commit(self, fn: Callable[[], None]) -> None:
        self.after_commit.append(fn)


class Database:
    """Engines for one database URL; ``write()`` and ``read()`` open units of work."""

    def __init__(self, url: str, *, synchronous: str = "NORMAL") -> None:
        self.url = url
        self.dialect = sa.engine.make_url(url).get_backend_name()
        self._write_lock = threading.Lock()
        if self.dialect == "sqlite":
            self.write_engine = _sqlite_engine(url, synchronous, immediate=True, pool_size=1)
            self.read_engine = _sqlite_engine(url, synchronous, immediate=False, pool_size=8)
        else:
            engine = sa.create_engine(url, pool_pre_ping=True)
            self.write_engine = engine
            self.read_engine = engine

    @contextlib.contextmanager
    def write(self) -> Iterator[Tx]:
        """A write transaction; in SQLite the one writer, taken before the first read."""
        with self._write_lock:
            try:
                conn_cm = self.write_engine.connect()
                conn = conn_cm.__enter__()
            except sa.exc.OperationalError as exc:
                raise Unavailable("The database cannot be reached; try again.") from exc
            try:
                tx = Tx(conn)
                with conn.begin():
                    yield tx
            finally:
                conn_cm.__exit__(None, None, None)
        for fn in tx.after_commit:
            fn()

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot."""
        try:
            conn_cm = self.read_engine.connect()
            conn = conn_cm.__enter__()
        except sa.exc.OperationalError as exc:
            raise Unavailable("The database cannot be reached; try again.") from exc
        try:
            with conn.begin():
                yield conn
        finally:
            conn_cm.__exit__(None, None, None)

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option(
            "script_location", str(resources.files("skyshare.store") / "migrations")
        )
        with self.write_engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def dispose(self) -> None:
        self.write_engine.dispose()
        self.read_engine.dispose()


def _sqlite_engine(url: str, synchronous: str, *, immediate: bool, pool_size: int) -> Engine:
    engine = sa.create_engine(
        url,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=60,
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to emit.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def open_database(target: str, *, migrate: bool = True, synchronous: str = "NORMAL") -> Database:
    """A Database for a file path or URL, migrated to the newest schema.

    A bare path means SQLite; ``postgresql://`` URLs are passed through.
    """
    if "://" in target:
        url = target
    else:
        path = Path(target)
        if path.exists() and path.is_dir():
            raise InvalidInput(f"{target} is a directory, not a database file.", field="db")
        url = f"sqlite:///{path}"
    if synchronous not in ("FULL", "NORMAL"):
        raise InvalidInput("synchronous must be FULL or NORMAL.", field="synchronous")
    db = Database(url, synchronous=synchronous)
    if migrate:
        db.migrate()
    return db
