"""Hear other processes' commits: PostgreSQL NOTIFY rings this process's bells.

With several API processes on one PostgreSQL database, an SSE client on one process must
hear of an event committed by another, and the leader's detector of states ingested
anywhere. Every write that appended events or states queues a NOTIFY (store.database); this
worker LISTENs and calls the context's listeners. A lost connection is retried with back-off;
the SSE streams and the detector also poll, so a missed notification delays, never loses.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from skyshare.services.context import Context
from skyshare.store.database import EVENTS_CHANNEL, STATES_CHANNEL

__all__ = ["listener_worker"]

log = logging.getLogger(__name__)


def _run(ctx: Context, halt: threading.Event) -> None:
    backoff = 0.2
    while not halt.is_set():
        try:
            conn = ctx.db.listen([EVENTS_CHANNEL, STATES_CHANNEL])
        except Exception:
            log.warning("LISTEN failed; retrying in %.1f s", backoff, exc_info=True)
            halt.wait(backoff)
            backoff = min(backoff * 2, 5.0)
            continue
        backoff = 0.2
        # Something may have committed while we were not listening.
        ctx.events_committed()
        ctx.states_committed()
        try:
            with conn:
                while not halt.is_set():
                    channels = {n.channel for n in conn.notifies(timeout=0.5)}
                    if EVENTS_CHANNEL in channels:
                        ctx.events_committed()
                    if STATES_CHANNEL in channels:
                        ctx.states_committed()
        except Exception:
            log.warning("LISTEN connection lost; reconnecting", exc_info=True)


async def listener_worker(ctx: Context, stop: asyncio.Event) -> None:
    """Run the listening thread for the life of the app (PostgreSQL only)."""
    if ctx.db.dialect != "postgresql":
        await stop.wait()
        return
    halt = threading.Event()
    thread = threading.Thread(target=_run, args=(ctx, halt), name="skyshare-listen", daemon=True)
    thread.start()
    try:
        await stop.wait()
    finally:
        halt.set()
        await asyncio.to_thread(thread.join, 5.0)
