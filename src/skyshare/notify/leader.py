"""Run background loops in one process only: the holder of the leader lease.

Every API process runs this wrapper; the one holding the lease runs the wrapped workers
(detector, webhook relay, hotline timers), the others wait and take over within a few
seconds when the leader stops renewing. A leader that cannot renew stops its workers before
its lease ends, so two leaders never overlap by more than a worker's shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from skyshare.services import leadership
from skyshare.services.context import Context

__all__ = ["leader_only"]

log = logging.getLogger(__name__)

Worker = Callable[[Context, asyncio.Event], Coroutine[Any, Any, None]]


class _Crew:
    """The wrapped workers while this process leads."""

    def __init__(self, ctx: Context, workers: Sequence[Worker]) -> None:
        self.stop = asyncio.Event()
        self.tasks = [asyncio.create_task(w(ctx, self.stop)) for w in workers]

    async def halt(self) -> None:
        self.stop.set()
        for t in self.tasks:
            try:
                await asyncio.wait_for(t, 5.0)
            except (TimeoutError, asyncio.CancelledError):
                t.cancel()
            except Exception:
                log.exception("a worker failed while stopping")


def leader_only(workers: Sequence[Worker], *, ttl_s: float = 3.0, renew_s: float = 0.5) -> Worker:
    """One worker that runs ``workers`` while this process holds the leader lease."""
    give_up_s = ttl_s / 2  # stop leading this long after the last renewal

    async def worker(ctx: Context, stop: asyncio.Event) -> None:
        me = leadership.new_holder_id()
        crew: _Crew | None = None
        last_renewed = float("-inf")
        try:
            while not stop.is_set():
                held = await _try(ctx, me, ttl_s, leading=crew is not None)
                now = time.monotonic()
                if held:
                    last_renewed = now
                    if crew is None:
                        log.info("leader lease taken by %s", me)
                        crew = _Crew(ctx, workers)
                elif crew is not None and (held is False or now - last_renewed > give_up_s):
                    log.warning("leader lease lost by %s; stopping background loops", me)
                    await crew.halt()
                    crew = None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), renew_s)
        finally:
            if crew is not None:
                await crew.halt()
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(leadership.release, ctx, me)

    return worker


async def _try(ctx: Context, me: str, ttl_s: float, *, leading: bool) -> bool | None:
    """True: we hold the lease; False: another does; None: the database did not answer."""
    try:
        if not leading:
            current = await asyncio.to_thread(leadership.holder, ctx)
            if current is not None and current != me:
                return False
        return await asyncio.to_thread(leadership.take, ctx, me, ttl_s)
    except Exception:
        log.warning("leader lease: database unavailable", exc_info=True)
        return None
