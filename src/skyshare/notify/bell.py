"""A bell rung after each commit that wrote events, heard by every waiting SSE stream.

Rung from worker threads, heard in the event loop: each waiter owns an asyncio.Event set
through ``call_soon_threadsafe``. Streams also poll on a timeout, so a missed ring delays
delivery by at most that timeout and never loses an event (the outbox is the truth).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

__all__ = ["Bell"]


class Bell:
    def __init__(self) -> None:
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._lock = threading.Lock()

    def ring(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(event.set)

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[asyncio.Event]:
        """An event set on every ring while the context is open; clear it before each fetch."""
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._waiters.discard(entry)
