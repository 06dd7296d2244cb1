"""Fixtures for the map page: a real ``skyshare serve`` process and Debian's Chromium.

The browser is Debian's ``/usr/bin/chromium`` driven by Playwright (never a downloaded build).
Without it the browser tests are skipped locally, and fail under CI (``CI`` set), where
``.ci/run`` installs it. Every page is watched: console errors, page errors, failed requests
and HTTP errors fail the test, and any request to a host other than 127.0.0.1 is aborted and
reported.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Route,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import AGREEMENT, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--disable-sync",
    "--no-first-run",
]
ADMIN_TOKEN = "web-test-admin-token"
LANGUAGES = {"blue": "en", "red": "ar"}


def _toml(agreement: dict[str, Any]) -> str:
    lines = []
    for key, value in agreement.items():
        if isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        elif isinstance(value, list):
            lines.append(f"{key} = {value!r}".replace("'", '"'))
        else:
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


@dataclass
class Served:
    """A ``skyshare serve`` process with two parties (blue: en, red: ar) that adopted."""

    base_url: str
    admin: httpx.Client
    tokens: dict[str, str] = field(default_factory=dict)
    party_ids: dict[str, str] = field(default_factory=dict)
    clients: dict[str, httpx.Client] = field(default_factory=dict)
    paths: set[str] = field(default_factory=set)

    def has(self, path: str) -> bool:
        """Whether the server implements ``path`` (from its OpenAPI document)."""
        return path in self.paths


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for a test module (each test works in its own part of the region)."""
    tmp_path = tmp_path_factory.mktemp("serve")
    agreement_file = tmp_path / "agreement.toml"
    agreement_file.write_text(_toml(AGREEMENT), "utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SKYSHARE_ADMIN_TOKEN": ADMIN_TOKEN}
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "skyshare.cli", "serve", "--db", str(tmp_path / "s.db")),
            *("--port", str(port), "--agreement", str(agreement_file), "--sync", "NORMAL"),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    admin = httpx.Client(
        base_url=base, timeout=30, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    s = Served(base, admin)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if admin.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "skyshare serve did not start: " + (tmp_path / "serve.log").read_text()
                )
            time.sleep(0.05)
        s.paths = set(admin.get("/openapi.json").json()["paths"])
        sha = admin.get("/v1/agreement").json()["sha256"]
        for name, language in LANGUAGES.items():
            r = admin.post("/v1/parties", json={"name": name, "language": language})
            assert r.status_code == 201, r.text
            s.tokens[name] = r.json()["token"]
            s.party_ids[name] = r.json()["id"]
            c = httpx.Client(
                base_url=base, timeout=30, headers={"Authorization": f"Bearer {s.tokens[name]}"}
            )
            s.clients[name] = c
            assert c.post("/v1/agreement/adopt", json={"sha256": sha}).status_code == 200
        yield s
    finally:
        for c in (admin, *s.clients.values()):
            c.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium); the map tests need it."
        if os.environ.get("CI"):
            pytest.fail(message + " CI must install it (.ci/run does).")
        pytest.skip(message)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Watch:
    """What went wrong on a page: every entry is a failure of the test."""

    problems: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def check(self) -> None:
        assert not self.outside, f"requests left localhost: {self.outside}"
        assert not self.problems, "\n".join(self.problems)


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or parts.hostname == "127.0.0.1"


def watch_context(context: BrowserContext) -> Watch:
    """Abort and record any request that is not for 127.0.0.1; record errors of every page."""
    w = Watch()

    def route(r: Route) -> None:
        if _local(r.request.url):
            r.continue_()
        else:
            w.outside.append(r.request.url)
            r.abort("blockedbyclient")

    def on_page(page: Page) -> None:
        def console(m: ConsoleMessage) -> None:
            if m.type == "error":
                w.problems.append(f"console error: {m.text} at {m.location}")

        def failed(r: Request) -> None:
            w.problems.append(f"request failed: {r.method} {r.url}: {r.failure}")

        page.on("console", console)
        page.on("pageerror", lambda e: w.problems.append(f"page error: {e}"))
        page.on("requestfailed", failed)
        page.on(
            "response",
            lambda r: (
                w.problems.append(f"HTTP {r.status}: {r.request.method} {r.url}")
                if r.status >= 400
                else None
            ),
        )

    context.route("**/*", route)
    context.on("page", on_page)
    return w


@dataclass
class Session:
    """One party's tab."""

    page: Page
    context: BrowserContext
    watch: Watch


@pytest.fixture
def open_session(browser: Browser, served: Served) -> Iterator[Callable[..., Session]]:
    """Open a signed-in tab for a party: ``open_session("blue")`` (via ``#token=``)."""
    opened: list[Session] = []

    def open_(name: str, *, language: str | None = None) -> Session:
        context = browser.new_context(viewport={"width": 1400, "height": 850}, locale="en-GB")
        w = watch_context(context)
        page = context.new_page()
        if language is not None:
            page.add_init_script(f"sessionStorage.setItem('skyshare.lang', '{language}')")
        page.goto(f"{served.base_url}/#token={served.tokens[name]}")
        page.wait_for_selector("body[data-ready=true]", timeout=10_000)
        s = Session(page, context, w)
        opened.append(s)
        return s

    yield open_
    try:
        for s in opened:
            s.watch.check()
    finally:
        for s in opened:
            with_closing(s.context)


def with_closing(context: BrowserContext) -> None:
    """Close a context; its open event stream is aborted then, which is expected."""
    with contextlib.suppress(PlaywrightError):
        context.close()
