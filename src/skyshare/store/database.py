"""One database handle: engines, migrations and the unit of work.

SQLite is the embedded default: a file in WAL mode, one writer at a time (``BEGIN
IMMEDIATE`` on a single pooled write connection, as datasette does) and a pool of readers.
Store functions never commit; services open ``Database.write()``, do everything, and commit
once, so nothing is announced that was not stored.

PostgreSQL (psycopg 3) keeps the same single-writer contract across processes: every write
transaction first takes one transaction-scoped advisory lock, so check-and-store, the
revision clock, event sequence numbers and the audit chain advance in commit order, exactly
as under SQLite's writer lock. Reads run in REPEATABLE READ snapshots and never wait for it.
A transaction that wrote events sends ``NOTIFY skyshare_events`` so other processes wake.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql.expression import ClauseElement

from skyshare.errors import InvalidInput, Unavailable

__all__ = [
    "EVENTS_CHANNEL",
    "STATES_CHANNEL",
    "Database",
    "Tx",
    "compiled_sql",
    "insert_rows",
    "normalise_url",
    "open_database",
    "plain_url",
]

#: The advisory lock every PostgreSQL write transaction holds until it ends ("skysh").
WRITER_LOCK = 0x736B797368
#: NOTIFY channels: events appended (SSE, relay), aircraft states stored (detector).
EVENTS_CHANNEL = "skyshare_events"
STATES_CHANNEL = "skyshare_states"
#: Connection.info flags store functions set so the commit announces them.
_NOTIFY_FLAGS = {"events_written": EVENTS_CHANNEL, "states_written": STATES_CHANNEL}


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
        self._checkpointer: _Checkpointer | None = None
        if self.dialect == "sqlite":
            self.write_engine = _sqlite_engine(url, synchronous, immediate=True, pool_size=1)
            self.read_engine = _sqlite_engine(url, synchronous, immediate=False, pool_size=8)
            path = sa.engine.make_url(url).database
            if path and path != ":memory:":
                self._checkpointer = _Checkpointer(path)
        elif self.dialect == "postgresql":
            self.write_engine = _postgres_engine(url, pool_size=2, writer=True)
            self.read_engine = _postgres_engine(url, pool_size=8, writer=False)
        else:
            raise InvalidInput(
                f"unsupported database {self.dialect!r}: use a file path or postgresql://",
                field="db",
            )

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
                for flag in _NOTIFY_FLAGS:
                    conn.info.pop(flag, None)
                with _lost_connection_is_unavailable(self.dialect), conn.begin():
                    yield tx
                    self._announce(conn)
            finally:
                conn_cm.__exit__(None, None, None)
        if self._checkpointer is not None:
            self._checkpointer.start()
        for fn in tx.after_commit:
            fn()

    def _announce(self, conn: Connection) -> None:
        """Queue NOTIFYs for what this transaction wrote; PostgreSQL sends them at commit."""
        for flag, channel in _NOTIFY_FLAGS.items():
            if conn.info.pop(flag, False) and self.dialect == "postgresql":
                conn.exec_driver_sql(f"NOTIFY {channel}")

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot."""
        try:
            conn_cm = self.read_engine.connect()
            conn = conn_cm.__enter__()
        except sa.exc.OperationalError as exc:
            raise Unavailable("The database cannot be reached; try again.") from exc
        try:
            with _lost_connection_is_unavailable(self.dialect), conn.begin():
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
            # Under PostgreSQL the begin hook took the writer lock: processes starting
            # together upgrade one after another, and the later ones find nothing to do.
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def listen(self, channels: Sequence[str]) -> Any:
        """A new autocommit psycopg connection LISTENing on ``channels`` (PostgreSQL only).

        Outside the pools on purpose: it lives as long as the process and only waits.
        """
        import psycopg

        if self.dialect != "postgresql":
            raise InvalidInput("LISTEN needs PostgreSQL.", field="db")
        conn = psycopg.connect(plain_url(self.url), autocommit=True, connect_timeout=5)
        for channel in channels:
            conn.execute(f"LISTEN {channel}")
        return conn

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.write_engine.dispose()
        self.read_engine.dispose()


class _Checkpointer:
    """Copies SQLite's write-ahead log into the database file from a thread of its own.

    By default the commit that lets the log pass 1,000 pages does that copy itself, so one
    request in a few dozen paid tens of milliseconds for it (the p99 of a notice write).
    Here a thread runs a PASSIVE checkpoint twice a second, which waits for no one; the
    writer checkpoints itself only if the log ever passes 10,000 pages, as a backstop.
    """

    def __init__(self, path: str, every_s: float = 0.5) -> None:
        self._path = path
        self._every_s = every_s
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None and not self._halt.is_set():
                self._thread = threading.Thread(
                    target=self._run, name="skyshare-checkpoint", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        import sqlite3

        conn = sqlite3.connect(self._path, timeout=30, check_same_thread=False)
        try:
            while not self._halt.wait(self._every_s):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    continue  # busy or gone: the next round, or the writer's backstop
        finally:
            conn.close()

    def stop(self) -> None:
        with self._lock:
            self._halt.set()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)


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
        if immediate:  # the writer: a thread checkpoints (Database._checkpointer)
            cur.execute("PRAGMA wal_autocheckpoint=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _postgres_engine(url: str, *, pool_size: int, writer: bool) -> Engine:
    engine = sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=30,
        pool_pre_ping=True,  # a restarted server costs one failed request, not a dead pool
        pool_recycle=3600,
        isolation_level="READ COMMITTED" if writer else "REPEATABLE READ",
        connect_args={"connect_timeout": 5, "application_name": "skyshare"},
    )
    if writer:

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK})")

    return engine


@contextlib.contextmanager
def _lost_connection_is_unavailable(dialect: str) -> Iterator[None]:
    """A connection lost mid-transaction is the database's outage (503), not our bug (500).

    psycopg reports a dropped server or network as OperationalError; SQLite uses that class
    for its own errors too, so there only an invalidated connection counts.
    """
    try:
        yield
    except sa.exc.DBAPIError as exc:
        lost = exc.connection_invalidated or (
            dialect == "postgresql" and isinstance(exc, sa.exc.OperationalError)
        )
        if lost:
            raise Unavailable("The database connection was lost; try again.") from exc
        raise


_COMPILED: dict[tuple[str, str, tuple[str, ...]], tuple[str, tuple[str, ...] | None]] = {}


def compiled_sql(
    conn: Connection, name: str, stmt: ClauseElement, columns: Sequence[str] = ()
) -> tuple[str, tuple[str, ...] | None]:
    """``stmt`` compiled once per dialect (and parameter names): its SQL and positional order.

    For batches run straight on the driver: SQLAlchemy's per-row parameter processing costs
    tens of microseconds a row, more than SQLite's insert itself. ``order`` is None for a
    driver with named parameters (rows stay mappings), else the names in placeholder order.
    """
    key = (name, conn.dialect.name, tuple(columns))
    found = _COMPILED.get(key)
    if found is None:
        compiled = stmt.compile(dialect=conn.dialect, column_keys=list(columns) or None)
        order = getattr(compiled, "positiontup", None)
        found = _COMPILED[key] = (str(compiled), None if order is None else tuple(order))
    return found


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows of one shape: COPY on PostgreSQL, a driver executemany on SQLite.

    A strategic write can store hundreds of rows (conflicts, their parties, events, audit);
    per row, psycopg's executemany costs tens of microseconds of Python, COPY a few, and
    SQLAlchemy's own executemany about as much as SQLite's insert. Values go to the driver
    as they are: the tables hold text, numbers and booleans, which need no conversion.
    """
    if not rows:
        return
    names = list(rows[0])
    if conn.dialect.name != "postgresql":
        sql, order = compiled_sql(conn, table.name, table.insert(), names)
        params: list[Any] = (
            list(rows) if order is None else [tuple(r[k] for k in order) for r in rows]
        )
        conn.exec_driver_sql(sql, params)
        return
    columns = ", ".join(f'"{n}"' for n in names)
    raw: Any = conn.connection.dbapi_connection  # psycopg.Connection
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[n] for n in names])


def plain_url(url: str) -> str:
    """A PostgreSQL URL as libpq and psycopg take it (no SQLAlchemy driver suffix)."""
    return (
        sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


def normalise_url(target: str) -> str:
    """``postgresql://`` means psycopg 3; a bare path means an SQLite file."""
    if target.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + target.split("://", 1)[1]
    if "://" in target:
        return target
    path = Path(target)
    if path.exists() and path.is_dir():
        raise InvalidInput(f"{target} is a directory, not a database file.", field="db")
    return f"sqlite:///{path}"


def open_database(target: str, *, migrate: bool = True, synchronous: str = "NORMAL") -> Database:
    """A Database for a file path or URL, migrated to the newest schema.

    A bare path means SQLite; ``postgresql://`` URLs are passed through.
    """
    url = normalise_url(target)
    if synchronous not in ("FULL", "NORMAL"):
        raise InvalidInput("synchronous must be FULL or NORMAL.", field="synchronous")
    db = Database(url, synchronous=synchronous)
    if migrate:
        db.migrate()
    return db
