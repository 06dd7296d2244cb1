"""A real PostgreSQL server for the suite, and a fresh migrated database per test.

``SKYSHARE_TEST_POSTGRES`` names a server to use (``.ci/run`` starts one); without it each
pytest worker starts its own throwaway server with ``scripts/pg-throwaway``. Databases are
cloned from a template migrated once per worker, so a test pays for a copy, not for Alembic.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path

import psycopg
import pytest

from skyshare.store.database import normalise_url, open_database

__all__ = ["PostgresServer", "server"]

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "pg-throwaway"


class PostgresServer:
    """One server; ``new_database()`` returns the URL of an empty migrated database."""

    def __init__(self, url: str, *, own_dir: Path | None = None) -> None:
        self.url = url  # the maintenance database, postgresql://…/postgres
        self._dir = own_dir
        self._template: str | None = None
        self._lock = threading.Lock()
        self._made: list[str] = []

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url, autocommit=True)

    def url_for(self, name: str) -> str:
        return self.url.rsplit("/", 1)[0] + "/" + name

    def _ensure_template(self) -> str:
        with self._lock:
            if self._template is None:
                name = f"skyshare_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
                with self._admin() as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                open_database(self.url_for(name)).dispose()
                with self._admin() as conn:
                    conn.execute(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true')
                self._template = name
                self._made.append(name)
            return self._template

    def new_database(self) -> str:
        template = self._ensure_template()
        name = f"skyshare_t_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return self.url_for(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self._dir is not None:
            subprocess.run([str(SCRIPT), "stop", str(self._dir)], check=False)
            self._dir = None
        elif self._template is not None:
            try:
                with self._admin() as conn:
                    for name in self._made:
                        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except psycopg.Error:
                pass


_server: PostgresServer | None = None
_server_lock = threading.Lock()


def server() -> PostgresServer:
    """The worker's server, started on first use; a missing server fails under CI."""
    global _server
    with _server_lock:
        if _server is None:
            url = os.environ.get("SKYSHARE_TEST_POSTGRES")
            if url:
                _server = PostgresServer(url)
            else:
                folder = Path(tempfile.mkdtemp(prefix="skyshare-pg-")) / "pg"
                try:
                    out = subprocess.run(
                        [str(SCRIPT), "start", str(folder)],
                        check=True,
                        capture_output=True,
                        text=True,
                    )
                except (OSError, subprocess.CalledProcessError) as exc:
                    detail = getattr(exc, "stderr", "") or str(exc)
                    if os.environ.get("CI"):
                        pytest.fail(f"PostgreSQL server could not start: {detail}")
                    pytest.skip(f"no PostgreSQL server here: {detail.strip()[:200]}")
                _server = PostgresServer(out.stdout.strip(), own_dir=folder)
            atexit.register(_server.close)
        return _server


def sqlalchemy_url(url: str) -> str:
    return normalise_url(url)
