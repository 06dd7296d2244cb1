"""Every failure leaves as the API.md error envelope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from skyshare.api.limits import BodyTooLarge
from skyshare.api.responses import JSONBody
from skyshare.errors import SkyshareError

__all__ = ["error_response", "install_error_handlers", "loc_to_field"]

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    details: dict[str, Any] | None = None,
) -> JSONBody:
    return JSONBody(
        {"error": {"code": code, "message": message, "field": field, "details": details or {}}},
        status_code=status,
    )


def loc_to_field(loc: Sequence[Any]) -> str | None:
    """pydantic's ``loc`` as a JSON path: ('body', 'volumes', 0, 'x') -> volumes[0].x."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif isinstance(p, str) and (p.startswith("function-") or p in ("json-or-python[json=",)):
            continue
        else:
            out += f".{p}" if out else str(p)
    return out or None


def _describe(err: dict[str, Any]) -> tuple[int, str, str]:
    typ = str(err.get("type", ""))
    msg = str(err.get("msg", "invalid value"))
    if typ == "json_invalid":
        ctx = err.get("ctx") or {}
        return 400, "malformed_json", f"The body is not valid JSON: {ctx.get('error', msg)}."
    if typ == "extra_forbidden":
        return 422, "invalid_input", "This field is not known."
    if typ == "missing":
        return 422, "invalid_input", "This field is required."
    return 422, "invalid_input", msg[0].upper() + msg[1:] + ("" if msg.endswith(".") else ".")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SkyshareError)
    async def _skyshare(_: Request, exc: SkyshareError) -> JSONBody:
        return JSONBody(exc.to_body(), status_code=exc.status)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONBody:
        # Starlette logs the traceback; the client still gets the envelope, never a reset.
        return error_response(
            500, "internal_error", "The service failed to handle this request; it was logged."
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONBody:
        errors = list(exc.errors())
        first = errors[0] if errors else {"loc": (), "msg": "invalid input", "type": ""}
        status, code, message = _describe(dict(first))
        field = loc_to_field(first.get("loc", ()))
        if status == 400:
            field = None
        elif field:
            message = f"{field}: {message}"
        details = {
            "errors": [
                {"field": loc_to_field(e.get("loc", ())), "message": str(e.get("msg"))}
                for e in errors[:20]
            ]
        }
        return error_response(status, code, message, field, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONBody:
        if isinstance(exc.__cause__, BodyTooLarge):
            return JSONBody(exc.__cause__.body(), status_code=413)
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        message = str(exc.detail) if exc.detail else "HTTP error."
        if exc.status_code == 404 and message == "Not Found":
            message = "There is no such endpoint."
        if exc.status_code == 405:
            message = "This method is not allowed on this endpoint."
        return error_response(exc.status_code, code, message)
