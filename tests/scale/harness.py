"""Several real ``skyshare serve`` processes on one real PostgreSQL database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from skyshare.model.agreement import agreement_from_mapping
from skyshare.services import agreement as agreement_service
from skyshare.services.context import Caller, Context
from skyshare.services.parties import add_party, ensure_admin_token
from skyshare.store.database import open_database
from tests.conftest import ADMIN_TOKEN, AGREEMENT, free_port

CLI = [sys.executable, "-m", "skyshare.cli"]


@dataclass
class Process:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a machine or the OOM killer strikes."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Cluster:
    """Parties blue and red under an adopted agreement; servers started on demand."""

    db: str
    folder: Path
    tokens: dict[str, str] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)
    clients: list[httpx.Client] = field(default_factory=list)

    def start(self, *extra: str) -> Process:
        port = free_port()
        log = self.folder / f"serve-{port}.log"
        env = {**os.environ, "SKYSHARE_ADMIN_TOKEN": ADMIN_TOKEN}
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [*CLI, "serve", "--db", self.db, "--port", str(port), *extra],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group, so a kill takes its workers too
            )
        p = Process(port, proc, log)
        self.processes.append(p)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            try:
                if httpx.get(f"{p.base_url}/healthz", timeout=1).status_code == 200:
                    return p
            except httpx.TransportError:
                time.sleep(0.05)
        p.kill()
        raise AssertionError(f"server did not start: {log.read_text()}")

    def client(self, process: Process, party: str | None, **kw: Any) -> httpx.Client:
        token = ADMIN_TOKEN if party is None else self.tokens[party]
        c = httpx.Client(
            base_url=process.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=kw.pop("timeout", 30),
            **kw,
        )
        self.clients.append(c)
        return c

    def context(self) -> Context:
        return Context(open_database(self.db, migrate=False))

    def close(self) -> None:
        for c in self.clients:
            c.close()
        for p in self.processes:
            p.stop()


def make_cluster(
    db: str, folder: Path, agreement: dict[str, Any] | None = None
) -> Iterator[Cluster]:
    ctx = Context(open_database(db))
    ensure_admin_token(ctx, ADMIN_TOKEN)
    body = agreement_service.set_agreement(
        ctx, Caller(None), agreement_from_mapping(agreement or AGREEMENT)
    )
    cluster = Cluster(db, folder)
    for name in (agreement or AGREEMENT)["parties"]:
        party, token = add_party(ctx, name, "en")
        agreement_service.adopt(ctx, Caller(party), body["sha256"])
        cluster.tokens[name] = token
    ctx.db.dispose()
    try:
        yield cluster
    finally:
        cluster.close()
