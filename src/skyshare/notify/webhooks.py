"""The webhook worker: relay the outbox into deliveries and attempt them, without blocking.

Attempts run as asyncio tasks over one ``httpx.AsyncClient`` with a per-request timeout, at
most ``per_party`` at once for a party and ``concurrency`` overall, so a receiver that is
down or slow only delays its own deliveries; database work runs in threads. A failed attempt
(non-2xx, timeout, refused connection) is retried after a capped exponential back-off with
jitter (``services.webhooks.backoff_s``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import httpx

from skyshare.services import webhooks as webhook_service
from skyshare.services.context import Context
from skyshare.store.webhooks import DueDelivery

__all__ = ["WebhookOptions", "webhook_worker"]

log = logging.getLogger(__name__)

Worker = Callable[[Context, asyncio.Event], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class WebhookOptions:
    """Timeouts and back-off; a receiver slower than ``timeout_s`` counts as failed."""

    timeout_s: float = 5.0
    base_backoff_s: float = 1.0
    max_backoff_s: float = 300.0
    concurrency: int = 64
    per_party: int = 8
    #: Longest the relay sleeps when nothing rings.
    poll_s: float = 0.5


async def _attempt(
    ctx: Context,
    client: httpx.AsyncClient,
    d: DueDelivery,
    opts: WebhookOptions,
    rng: random.Random,
) -> None:
    body = webhook_service.event_body(d.event)
    headers = {
        "Content-Type": "application/json",
        "X-Skyshare-Signature": webhook_service.sign(d.secret, body),
        "X-Skyshare-Event-Id": str(d.event["id"]),
        "X-Skyshare-Event-Type": str(d.event["type"]),
        "X-Skyshare-Delivery": str(d.id),
    }
    status: int | None = None
    try:
        response = await client.post(d.url, content=body, headers=headers)
        status = response.status_code
        if 200 <= status < 300:
            await asyncio.to_thread(webhook_service.record_success, ctx, d.id, status)
            return
        error = f"HTTP {status}"
    except httpx.TimeoutException:
        error = f"timed out after {opts.timeout_s:g} s"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    delay = webhook_service.backoff_s(d.attempts + 1, opts.base_backoff_s, opts.max_backoff_s, rng)
    await asyncio.to_thread(webhook_service.record_failure, ctx, d.id, error, status, delay)


def webhook_worker(options: WebhookOptions | None = None) -> Worker:
    """A worker that relays and delivers webhooks for the life of the app."""
    opts = options or WebhookOptions()

    async def worker(ctx: Context, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        rung = asyncio.Event()

        def ring() -> None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(rung.set)

        ctx.event_listeners.append(ring)
        rng = random.Random()
        in_flight: dict[int, str] = {}
        tasks: set[asyncio.Task[None]] = set()

        def finished(task: asyncio.Task[None], delivery_id: int) -> None:
            tasks.discard(task)
            in_flight.pop(delivery_id, None)
            rung.set()
            if not task.cancelled() and task.exception() is not None:
                log.error("webhook attempt failed", exc_info=task.exception())

        try:
            async with httpx.AsyncClient(timeout=opts.timeout_s) as client:
                while not stop.is_set():
                    rung.clear()
                    try:
                        while await asyncio.to_thread(webhook_service.fan_out, ctx) > 0:
                            pass
                        room = opts.concurrency - len(in_flight)
                        due = (
                            await asyncio.to_thread(
                                webhook_service.due_deliveries, ctx, room * 4, list(in_flight)
                            )
                            if room > 0
                            else []
                        )
                    except Exception:
                        log.exception("webhook relay failed")
                        due = []
                    per_party: dict[str, int] = {}
                    for p in in_flight.values():
                        per_party[p] = per_party.get(p, 0) + 1
                    for d in due:
                        if len(in_flight) >= opts.concurrency:
                            break
                        if per_party.get(d.party_id, 0) >= opts.per_party:
                            continue
                        per_party[d.party_id] = per_party.get(d.party_id, 0) + 1
                        in_flight[d.id] = d.party_id
                        task = asyncio.create_task(_attempt(ctx, client, d, opts, rng))
                        tasks.add(task)
                        task.add_done_callback(functools.partial(finished, delivery_id=d.id))
                    waiter = asyncio.create_task(rung.wait())
                    stopper = asyncio.create_task(stop.wait())
                    await asyncio.wait(
                        {waiter, stopper}, timeout=opts.poll_s, return_when="FIRST_COMPLETED"
                    )
                    waiter.cancel()
                    stopper.cancel()
                for t in list(tasks):
                    t.cancel()
                if tasks:
                    await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            with contextlib.suppress(ValueError):
                ctx.event_listeners.remove(ring)

    return worker
