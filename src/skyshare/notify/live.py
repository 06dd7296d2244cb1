"""The live-operations workers a server runs: detection (with retention) and webhooks."""

from __future__ import annotations

from skyshare.notify.detector import DEFAULT_RETENTION_S, Worker, detection_worker
from skyshare.notify.webhooks import WebhookOptions, webhook_worker

__all__ = ["live_workers"]


def live_workers(
    *, retention_s: float = DEFAULT_RETENTION_S, webhooks: WebhookOptions | None = None
) -> tuple[Worker, ...]:
    """Detection cycle + per-batch checks + state retention, and the webhook relay."""
    return (detection_worker(retention_s), webhook_worker(webhooks))
