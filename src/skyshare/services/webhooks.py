"""Webhooks: registration, the relay from the outbox to deliveries, attempts and their record.

Design: the ``events`` table is the outbox. A relay (``fan_out``) reads it by ``seq`` after a
cursor kept in ``meta`` and, in one transaction, writes one ``webhook_deliveries`` row per
(party with a webhook, event it may see) and advances the cursor. Senders then attempt due
rows and record each outcome. Everything is in the database, so a crash or SIGKILL at any
point loses nothing: events not yet fanned out are after the cursor, deliveries not yet
acknowledged by a 2xx are still ``pending`` or ``failing`` and are attempted again after a
restart (at least once; receivers de-duplicate by the event ``id``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from typing import Any
from urllib.parse import urlsplit

from skyshare.errors import InvalidInput
from skyshare.services.context import Caller, Context
from skyshare.services.outbox import audit
from skyshare.services.parties import require_party
from skyshare.store import events as event_store
from skyshare.store import webhooks as webhook_store
from skyshare.timefmt import format_rfc3339

__all__ = [
    "STATUSES",
    "backoff_s",
    "delete_webhook",
    "due_deliveries",
    "event_body",
    "fan_out",
    "list_deliveries",
    "prune",
    "record_failure",
    "record_success",
    "set_webhook",
    "sign",
]

STATUSES = ("pending", "delivered", "failing", "cancelled")
MIN_SECRET = 16
MAX_SECRET = 256
MAX_URL = 2000


def sign(secret: str, body: bytes) -> str:
    """The ``X-Skyshare-Signature`` value: ``sha256=<hex HMAC-SHA256 of the raw body>``.

    >>> sign("s" * 16, b"{}")[:7]
    'sha256='
    """
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff_s(attempts: int, base_s: float, cap_s: float, rng: random.Random) -> float:
    """Delay before the next attempt after ``attempts`` failures: capped exponential with
    "equal jitter" (half fixed, half random), so retries of many deliveries spread out.

    >>> 5.0 <= backoff_s(10, 1.0, 10.0, random.Random(1)) <= 10.0
    True
    """
    ceiling = min(cap_s, base_s * 2.0 ** max(attempts - 1, 0))
    return ceiling / 2.0 + rng.uniform(0.0, ceiling / 2.0)


def _check(url: Any, secret: Any) -> tuple[str, str]:
    if not isinstance(url, str) or len(url) > MAX_URL:
        raise InvalidInput(f"url must be a string of at most {MAX_URL} characters.", field="url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("url must be an absolute http:// or https:// URL.", field="url")
    if not isinstance(secret, str) or not MIN_SECRET <= len(secret) <= MAX_SECRET:
        raise InvalidInput(
            f"secret must be a string of {MIN_SECRET} to {MAX_SECRET} characters.",
            field="secret",
        )
    return url, secret


def set_webhook(ctx: Context, caller: Caller, url: Any, secret: Any) -> dict[str, Any]:
    """Register (or replace) the caller's webhook; undelivered events follow the new URL."""
    party = require_party(caller)
    url, secret = _check(url, secret)
    with ctx.db.write() as tx:
        if not webhook_store.any_webhook(tx.conn):
            # Deliveries start at registration: skip what happened while nobody listened.
            webhook_store.move_cursor_to_head(tx.conn)
        webhook_store.set_webhook(tx.conn, party.id, url, secret)
        webhook_store.retarget(tx.conn, party.id, url)
        audit(ctx, tx, "webhook.set", {"party": party.id, "url": url}, [party.id])
    return {"url": url}


def delete_webhook(ctx: Context, caller: Caller) -> dict[str, Any]:
    """Remove the caller's webhook; deliveries not yet made are cancelled."""
    party = require_party(caller)
    with ctx.db.write() as tx:
        webhook_store.set_webhook(tx.conn, party.id, None, None)
        webhook_store.cancel_pending(tx.conn, party.id)
        audit(ctx, tx, "webhook.deleted", {"party": party.id}, [party.id])
    return {"url": None}


def list_deliveries(
    ctx: Context, caller: Caller, status: str | None, after: int, limit: int
) -> list[dict[str, Any]]:
    """The caller's deliveries (the administrator: everyone's), oldest first."""
    statuses: list[str] | None = None
    if status is not None:
        statuses = [s.strip() for s in status.split(",") if s.strip()]
        for s in statuses:
            if s not in STATUSES:
                raise InvalidInput(
                    f"status must be one of {', '.join(STATUSES)}; got {s[:40]!r}.",
                    field="status",
                )
    with ctx.db.read() as conn:
        found = webhook_store.list_for_party(conn, caller.party_id, statuses, after, limit)
    return [
        {
            "id": d.id,
            "party": d.party_id,
            "event_seq": d.event_seq,
            "event_id": d.event_id,
            "event_type": d.event_type,
            "url": d.url,
            "status": d.status,
            "attempts": d.attempts,
            "next_attempt_at": (
                format_rfc3339(d.next_attempt_at) if d.status in webhook_store.ACTIVE else None
            ),
            "last_status": d.last_status,
            "last_error": d.last_error,
            "created_at": format_rfc3339(d.created_at),
            "delivered_at": None if d.delivered_at is None else format_rfc3339(d.delivered_at),
        }
        for d in found
    ]


def fan_out(ctx: Context, limit: int = 1000) -> int:
    """Turn up to ``limit`` new outbox events into deliveries; returns how many events."""
    with ctx.db.read() as conn:
        if webhook_store.relay_cursor(conn) >= event_store.last_seq(conn):
            return 0  # nothing new: do not take the writer
        if not webhook_store.any_webhook(conn):
            # Nobody to deliver to: leave the cursor behind rather than take the writer for
            # every event; the first registration moves it to the head (set_webhook).
            return 0
    with ctx.db.write() as tx:
        return webhook_store.fan_out(tx.conn, limit, ctx.now())


def due_deliveries(ctx: Context, limit: int, skip: list[int]) -> list[webhook_store.DueDelivery]:
    with ctx.db.read() as conn:
        return webhook_store.due(conn, ctx.now(), limit, skip)


def event_body(event: dict[str, Any]) -> bytes:
    """The POSTed body: the event as ``GET /v1/events`` shows it, compact UTF-8 JSON."""
    shown = {**event, "time": format_rfc3339(float(event["time"]))}
    return json.dumps(shown, separators=(",", ":"), ensure_ascii=False).encode()


def record_success(ctx: Context, delivery_id: int, status: int) -> None:
    with ctx.db.write() as tx:
        webhook_store.mark_delivered(tx.conn, delivery_id, status, ctx.now())


def record_failure(
    ctx: Context, delivery_id: int, error: str, status: int | None, delay_s: float
) -> None:
    with ctx.db.write() as tx:
        webhook_store.mark_failed(tx.conn, delivery_id, error, status, ctx.now() + delay_s)


def prune(ctx: Context, before_s: float) -> int:
    """Forget finished deliveries older than ``before_s`` (retention)."""
    with ctx.db.write() as tx:
        return webhook_store.prune_delivered(tx.conn, before_s)
