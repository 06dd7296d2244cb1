"""The Alembic history and the schema module describe the same database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from skyshare.store.database import open_database
from skyshare.store.schema import metadata

#: Defined only by migrations 0005 and 0007, on PostgreSQL: a GiST index over function expressions.
POSTGRES_ONLY = {"ix_notices_space_time"}


def _in_schema_module(obj: object, name: str | None, *_: object) -> bool:
    return name not in POSTGRES_ONLY


def test_migrations_produce_the_schema(db_target: str) -> None:
    db = open_database(db_target)
    with db.write_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _in_schema_module})
        diff = compare_metadata(context, metadata)
    db.dispose()
    assert diff == []


def test_migrating_a_postgres_database_twice_is_harmless(backend: str, db_target: str) -> None:
    open_database(db_target).dispose()
    db = open_database(db_target)
    with db.read() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    db.dispose()
    assert version == _script_head()


def test_database_is_wal_and_migrating_twice_is_harmless(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    open_database(str(path)).dispose()
    open_database(str(path)).dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert version == _script_head()


def _script_head() -> str:
    """The newest revision in the migration scripts (the one head of the history)."""
    from importlib import resources

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("skyshare.store") / "migrations"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head
