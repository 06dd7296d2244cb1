"""Event delivery: the SSE bell (webhooks arrive with live operations)."""
