"""Background loops of the hotline and audit: overdue messages, drills, signed checkpoints.

Each is an ``async def worker(ctx, stop)`` for ``Settings.workers``; the database work runs in
a thread so the event loop never blocks. A failed pass is logged and retried on the next tick
rather than ending the loop: a missed overdue alert must not silence all later ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from skyshare.services.audit_log import checkpoint_now
from skyshare.services.context import Context
from skyshare.services.drills import run_drills
from skyshare.services.messages import mark_overdue

__all__ = ["hotline_workers"]

_log = logging.getLogger(__name__)

HotlineWorker = Callable[[Context, asyncio.Event], Coroutine[Any, Any, None]]


def _loop(name: str, step: Callable[[Context], object], every_s: float) -> HotlineWorker:
    async def worker(ctx: Context, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(step, ctx)
            except Exception:
                _log.exception("%s pass failed; retrying in %.1f s", name, every_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)

    worker.__name__ = f"{name}_worker"
    return worker


def _final_checkpoint(every_s: float) -> HotlineWorker:
    """Sign the head every ``every_s`` and once more at shutdown, so no tail is left unsigned."""
    loop = _loop("checkpoint", checkpoint_now, every_s)

    async def worker(ctx: Context, stop: asyncio.Event) -> None:
        await loop(ctx, stop)
        try:
            await asyncio.to_thread(checkpoint_now, ctx)
        except Exception:
            _log.exception("final checkpoint failed")

    worker.__name__ = "checkpoint_worker"
    return worker


def hotline_workers(
    *, checkpoint_every_s: float = 60.0, tick_s: float = 1.0
) -> tuple[HotlineWorker, ...]:
    """The three loops: overdue check and drill schedule every ``tick_s``, checkpoints.

    ``tick_s`` bounds how late an overdue alert or a drill can be; the checkpoint interval is
    the longest stretch of history a verifier must take on trust (issue 7: at most a minute).
    """
    return (
        _loop("overdue", mark_overdue, tick_s),
        _loop("drill", run_drills, tick_s),
        _final_checkpoint(checkpoint_every_s),
    )
