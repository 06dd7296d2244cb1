"""Body size limits enforced while reading, before anything is parsed (413)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit", "BodyTooLarge"]

MIB = 1024 * 1024


class BodyLimit:
    """Refuse request bodies above a limit (per path prefix) with the error envelope."""

    def __init__(self, app: ASGIApp, default: int = MIB, by_path: dict[str, int] | None = None):
        self.app = app
        self.default = default
        self.by_path = by_path or {}

    def _limit(self, path: str) -> int:
        return self.by_path.get(path, self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await self._reject(send, limit)
                return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await self._reject(send, limit)

    @staticmethod
    async def _reject(send: Send, limit: int) -> None:
        body = json.dumps(_body(limit)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised while reading a body past its limit; answered with 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"body over {limit} bytes")
        self.limit = limit

    def body(self) -> dict[str, object]:
        return _body(self.limit)


def _body(limit: int) -> dict[str, object]:
    return {
        "error": {
            "code": "payload_too_large",
            "message": f"The body is larger than the limit of {limit / MIB:g} MiB.",
            "field": None,
            "details": {"limit_bytes": limit},
        }
    }
