"""A small HTTP client for commands that talk to a running service (``--url``, ``--token``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from skyshare.errors import InvalidInput, SkyshareError

__all__ = ["Api", "api_options"]

F = TypeVar("F", bound=Callable[..., Any])


def api_options(fn: F) -> F:
    """``--url`` and ``--token`` (also from ``SKYSHARE_URL`` and ``SKYSHARE_TOKEN``)."""
    fn = click.option(
        "--token",
        envvar="SKYSHARE_TOKEN",
        required=True,
        help="The party's bearer token (or SKYSHARE_TOKEN).",
    )(fn)
    fn = click.option(
        "--url",
        envvar="SKYSHARE_URL",
        default="http://127.0.0.1:8000",
        show_default=True,
        help="The service's base URL (or SKYSHARE_URL).",
    )(fn)
    return fn


class Api:
    """JSON calls to the service; an error envelope becomes a :class:`SkyshareError`.

    Refused input (400, 413, 422) exits 2 like local bad input; anything else exits 1.
    """

    def __init__(self, url: str, token: str, *, timeout_s: float = 30.0) -> None:
        import httpx  # here, so that `--help` stays instant

        self._client = httpx.Client(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout_s,
        )

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            r = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise SkyshareError(f"Cannot reach {self._client.base_url}: {exc}.") from exc
        if r.is_success:
            return r.json()
        try:
            err = r.json()["error"]
            text = f"{r.status_code} {err['code']}: {err['message']}"
            field = err.get("field")
        except (ValueError, KeyError, TypeError):
            text, field = f"{r.status_code}: {r.text[:200]}", None
        if r.status_code in (400, 413, 422):
            raise InvalidInput(text, field=field)
        raise SkyshareError(text, field=field)
