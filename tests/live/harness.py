"""Helpers for live-operation tests: states, a server with workers, SSE and webhook receivers."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from skyshare.api.app import Settings
from skyshare.notify.detector import detection_worker
from skyshare.notify.webhooks import WebhookOptions, webhook_worker
from skyshare.timefmt import format_rfc3339
from tests.conftest import AGREEMENT, LiveServer, make_live

#: Short cycles and timeouts so lifecycle tests run in seconds.
FAST_AGREEMENT: dict[str, Any] = {
    **AGREEMENT,
    "cycle_s": 0.2,
    "state_timeout_s": 2.0,
    "ack_timeout_s": 2.0,
    "clock_tolerance_s": 5.0,
}

FAST_WEBHOOKS = WebhookOptions(timeout_s=1.0, base_backoff_s=0.2, max_backoff_s=0.5, poll_s=0.1)


def settings(webhooks: WebhookOptions = FAST_WEBHOOKS) -> Settings:
    return Settings(workers=(detection_worker(), webhook_worker(webhooks)))


def make_fast_live(
    tmp_path: Path,
    agreement: dict[str, Any] | None = None,
    *,
    workers: bool = True,
    db: str | None = None,
) -> Iterator[LiveServer]:
    yield from make_live(
        tmp_path,
        agreement or FAST_AGREEMENT,
        settings=settings() if workers else Settings(),
        db=db,
    )


def state(
    aircraft_id: str,
    lat: float,
    lng: float,
    *,
    t: float | None = None,
    alt: float = 3000.0,
    gs: float = 100.0,
    trk: float = 90.0,
    vs: float = 0.0,
) -> dict[str, Any]:
    return {
        "aircraft_id": aircraft_id,
        "time": format_rfc3339(time.time() if t is None else t),
        "lat": lat,
        "lng": lng,
        "altitude_m": alt,
        "ground_speed_mps": gs,
        "track_deg": trk,
        "vertical_rate_mps": vs,
    }


def head_on(prefix: str, *, lat: float = 36.0, t: float | None = None) -> list[dict[str, Any]]:
    """Two aircraft 20 km apart flying at each other at 100 m/s: CPA in 100 s, 0 m apart."""
    return [
        state(f"{prefix}-B", lat, 37.0, t=t, trk=90.0),
        state(f"{prefix}-R", lat, 37.0 + 20_000 / (111_195 * 0.809), t=t, trk=270.0),
    ]


class SseClient:
    """A real SSE client on a thread (stdlib HTTP over a socket it owns), collecting events.

    ``close`` shuts the socket down, so the server sees the disconnect at once.
    """

    def __init__(self, base_url: str, token: str, after: int = 0) -> None:
        self.events: list[dict[str, Any]] = []
        self.received_at: list[float] = []
        url = urlsplit(base_url)
        self._conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
        self._conn.request(
            "GET",
            f"/v1/events?after={after}",
            headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"},
        )
        self._response = self._conn.getresponse()
        assert self._response.status == 200, self._response.status
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        data: list[str] = []
        try:
            while True:
                raw = self._response.fp.readline()
                if not raw:
                    return
                line = raw.decode().rstrip("\r\n")
                if line.startswith("data:"):
                    data.append(line[5:].strip())
                elif not line and data:
                    self.events.append(json.loads("\n".join(data)))
                    self.received_at.append(time.monotonic())
                    data = []
        except (OSError, ValueError):
            return  # closed by the test, or the server went away

    def wait_for(
        self, pred: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in list(self.events):
                if pred(e):
                    return e
            time.sleep(0.01)
        raise AssertionError(f"no matching event within {timeout} s; got {self.types()}")

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    def close(self) -> None:
        """Disconnect for real, so the server sees the stream end."""
        sock = self._conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        self._conn.close()


@dataclass
class Receiver:
    """A webhook receiver on localhost: records raw bodies and headers; behaviour scripted."""

    secret: str
    #: Status codes to answer, in order; 200 once exhausted.
    script: list[int] = field(default_factory=list)
    delay_s: float = 0.0
    received: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.attempts += 1
                    code = receiver.script.pop(0) if receiver.script else 200
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                if 200 <= code < 300:
                    with receiver.lock:
                        receiver.received.append((body, dict(self.headers.items())))
                try:
                    self.send_response(code)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up (timeout)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(b) for b, _ in self.received]

    def verified(self) -> bool:
        """Every received body carries a valid signature over its raw bytes."""
        with self.lock:
            for body, headers in self.received:
                expected = (
                    "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
                )
                got = {k.lower(): v for k, v in headers.items()}["x-skyshare-signature"]
                if not hmac.compare_digest(expected, got):
                    return False
            return bool(self.received)


def wait_until(pred: Callable[[], bool], timeout: float = 10.0, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")
