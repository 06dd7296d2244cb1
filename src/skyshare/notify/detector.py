"""The detection worker: one thread that checks new batches at once and sweeps every cycle.

It runs in its own thread because detection is CPU work over numpy arrays and database
writes: the event loop keeps serving requests and SSE streams meanwhile. Ingest wakes it by
setting the live picture's ``wake`` event; otherwise it sleeps until the next cycle.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import math
import threading
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from skyshare.services.context import Context

if TYPE_CHECKING:
    from skyshare.services.live import LivePicture

__all__ = ["BATCH_CHECK_GAP_S", "DEFAULT_RETENTION_S", "detection_worker"]

log = logging.getLogger(__name__)

#: State history kept by default (1 h), then deleted so the database stays flat.
DEFAULT_RETENTION_S = 3600.0
#: How often retention runs.
_PRUNE_EVERY_S = 60.0
#: Least time between the starts of two per-batch checks. Batches arriving meanwhile
#: coalesce into the next check, so under saturation (50 batches a second) detection costs
#: at most 1/this checks a second instead of one per batch, while an encounter still reaches
#: both parties within this much more of its POST.
BATCH_CHECK_GAP_S = 0.1

Worker = Callable[[Context, asyncio.Event], Coroutine[Any, Any, None]]


def _run(ctx: Context, halt: threading.Event, retention_s: float) -> None:
    from skyshare.services import detection, states, webhooks
    from skyshare.services.live import live_picture

    picture = live_picture(ctx)
    # Several processes on PostgreSQL: states may be stored by any; follow them all.
    shared = ctx.db.dialect == "postgresql"
    if shared:
        ctx.state_listeners.append(picture.wake.set)
    next_cycle = time.monotonic()
    next_prune = time.monotonic() + _PRUNE_EVERY_S
    last_step = -math.inf
    try:
        while not halt.is_set():
            woken = picture.wake.wait(max(0.0, next_cycle - time.monotonic()))
            if woken:
                early = min(last_step + BATCH_CHECK_GAP_S, next_cycle) - time.monotonic()
                if early > 0.0 and halt.wait(early):
                    return
            picture.wake.clear()
            if halt.is_set():
                return
            last_step = time.monotonic()
            _step(ctx, picture, shared)
            now = time.monotonic()
            try:
                if now >= next_cycle:
                    cycle_s = detection.run_cycle(ctx)
                    next_cycle = max(next_cycle + cycle_s, now)
                if now >= next_prune:
                    next_prune = now + _PRUNE_EVERY_S
                    states.prune_history(ctx, retention_s)
                    webhooks.prune(ctx, ctx.now() - retention_s)
            except Exception:  # a bad cycle must not end live detection
                log.exception("detection cycle failed")
                next_cycle = time.monotonic() + 1.0
    finally:
        if shared:
            ctx.state_listeners.remove(picture.wake.set)


def _step(ctx: Context, picture: LivePicture, shared: bool) -> None:
    """Check the aircraft that moved since the last step (after catching up, if shared)."""
    from skyshare.services import detection
    from skyshare.services.live import catch_up

    try:
        if shared:
            while catch_up(ctx) >= 50_000:  # a new leader may start far behind
                pass
        dirty = picture.take_dirty()
        if dirty:
            detection.check_batch(ctx, dirty)
    except Exception:
        log.exception("batch check failed")


def _freeze_startup_heap() -> None:
    """Move everything alive at start-up out of the collector's sight (``gc.freeze``).

    Why: a full (generation 2) collection walks every tracked object. The server's own
    modules, routes, engines and indexes make that 50-100 ms, stopping every thread,
    detection included, once every few tens of seconds under ingest; it was the tail of
    the cycle time. What start-up built lives as long as the process, so the collector has
    nothing to find there; garbage is collected first so that none is frozen.
    """
    gc.collect()
    gc.freeze()


def detection_worker(retention_s: float = DEFAULT_RETENTION_S) -> Worker:
    """A worker running the detector thread for the life of the app."""

    async def worker(ctx: Context, stop: asyncio.Event) -> None:
        from skyshare.services.live import live_picture

        _freeze_startup_heap()
        halt = threading.Event()
        thread = threading.Thread(
            target=_run, args=(ctx, halt, retention_s), name="skyshare-detector", daemon=True
        )
        thread.start()
        try:
            await stop.wait()
        finally:
            halt.set()
            live_picture(ctx).wake.set()
            await asyncio.to_thread(thread.join, 5.0)

    return worker
