"""Shared fixtures: a real uvicorn server on a free port over a real database.

The ``live`` fixture runs each test twice, on a real SQLite file and on a fresh database of a
real PostgreSQL server (``tests/pgserver.py``): one suite, both backends.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from skyshare.api.app import Settings, create_app
from skyshare.model.agreement import agreement_from_mapping
from skyshare.services import agreement as agreement_service
from skyshare.services.context import Caller, Context
from skyshare.services.parties import add_party, ensure_admin_token
from skyshare.store.database import open_database
from tests import pgserver

ADMIN_TOKEN = "test-admin-token"

AGREEMENT: dict[str, Any] = {
    "name": "Test region",
    "region": [[35.0, 36.0], [35.0, 38.5], [37.3, 38.5], [37.3, 36.0]],
    "parties": ["blue", "red"],
    "horizontal_m": 5556,
    "vertical_m": 300,
    "lookahead_s": 300,
    "time_buffer_s": 300,
    "min_lead_s": 3600,
    "policy": "advisory",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        assert isinstance(port, int)
        return port


@dataclass
class LiveServer:
    """A running server with an admin client and one client per party."""

    base_url: str
    #: What ``--db`` takes: the SQLite file's path or the PostgreSQL URL.
    db: str
    context: Context
    admin: httpx.Client
    clients: dict[str, httpx.Client] = field(default_factory=dict)
    party_ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    opened: list[httpx.Client] = field(default_factory=list)

    @property
    def db_path(self) -> Path:
        """The SQLite file (tests that open it directly run on SQLite only)."""
        assert "://" not in self.db, "this test reads the SQLite file itself"
        return Path(self.db)

    def sql(self, query: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of a raw query, read on whichever backend the server runs on."""
        with self.context.db.read() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(query, params or {}).fetchall()]

    def client(self, token: str | None) -> httpx.Client:
        """A client for ``token``; closed when the test ends."""
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        c = httpx.Client(base_url=self.base_url, headers=headers, timeout=30)
        self.opened.append(c)
        return c


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the test runner owns signals
        pass


def start_server(
    ctx: Context, settings: Settings | None = None
) -> tuple[str, _Server, threading.Thread]:
    port = free_port()
    app = create_app(settings or Settings(), ctx)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = _Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.01)
    return f"http://127.0.0.1:{port}", server, thread


BACKENDS = ("sqlite", "postgres")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name = request.param
    assert isinstance(name, str)
    return name


@pytest.fixture
def db_target(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database: an SQLite file path or a PostgreSQL URL."""
    yield from fresh_database(backend, tmp_path)


@pytest.fixture
def pg_target(tmp_path: Path) -> Iterator[str]:
    """A fresh empty PostgreSQL database, for what only PostgreSQL has (NOTIFY, processes)."""
    yield from fresh_database("postgres", tmp_path)


def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield str(tmp_path / "skyshare.db")
        return
    srv = pgserver.server()
    url = srv.new_database()
    try:
        yield url
    finally:
        srv.drop(url)


@pytest.fixture
def live(db_target: str, tmp_path: Path) -> Iterator[LiveServer]:
    """blue and red parties under an adopted advisory agreement, on a fresh database."""
    yield from make_live(tmp_path, AGREEMENT, db=db_target)


def make_live(
    tmp_path: Path,
    agreement: dict[str, Any],
    *,
    adopt: bool = True,
    settings: Settings | None = None,
    db: str | None = None,
) -> Iterator[LiveServer]:
    target = db or str(tmp_path / "skyshare.db")
    ctx = Context(open_database(target))
    ensure_admin_token(ctx, ADMIN_TOKEN)
    body = agreement_service.set_agreement(ctx, Caller(None), agreement_from_mapping(agreement))
    base, server, thread = start_server(ctx, settings)
    ls = LiveServer(
        base,
        target,
        ctx,
        admin=httpx.Client(
            base_url=base, timeout=30, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        ),
    )
    for name in agreement["parties"]:
        party, token = add_party(ctx, name, "ar" if name == "red" else "en")
        if adopt:
            agreement_service.adopt(ctx, Caller(party), body["sha256"])
        ls.party_ids[name] = party.id
        ls.tokens[name] = token
        ls.clients[name] = httpx.Client(
            base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )
    try:
        yield ls
    finally:
        for c in (ls.admin, *ls.clients.values(), *ls.opened):
            c.close()
        server.should_exit = True
        thread.join(timeout=10)
        ctx.db.dispose()
