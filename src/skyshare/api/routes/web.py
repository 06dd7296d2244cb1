"""The operations map: the static page at ``/``, its assets and favicon, served without a token.

The page holds no secret: it asks for a party token and sends it in ``Authorization`` headers,
so the files themselves are public (API.md: "the map page ``/`` with its assets need no token").
A Content-Security-Policy keeps every request the page makes on this origin.
"""

from __future__ import annotations

import mimetypes
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

from fastapi import APIRouter
from starlette.responses import FileResponse, Response

from skyshare.errors import NotFound

__all__ = ["CONTENT_SECURITY_POLICY", "router", "web_root"]

router = APIRouter(include_in_schema=False)

#: Everything from this origin only; Leaflet positions its panes with inline styles.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
)
_TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".ico": "image/vnd.microsoft.icon",
    ".png": "image/png",
    ".html": "text/html; charset=utf-8",
}


@cache
def web_root() -> Path:
    """The folder of the page's files inside the installed package."""
    return Path(str(resources.files("skyshare").joinpath("web"))).resolve()


def _file(relative: str, *, cache_s: int) -> Response:
    root = web_root()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound(f"There is no page asset {relative[:80]!r}.", field="path")
    media = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    return FileResponse(
        path,
        media_type=media or "application/octet-stream",
        headers={
            "Cache-Control": f"public, max-age={cache_s}" if cache_s else "no-cache",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


@router.get("/")
def index() -> Response:
    """The map page."""
    return _file("index.html", cache_s=0)


@router.get("/favicon.ico")
def favicon() -> Response:
    return _file("favicon.ico", cache_s=86_400)


@router.get("/assets/{relative:path}")
def asset(relative: str) -> Response:
    """The page's scripts, styles, vendored libraries and basemap."""
    return _file(relative, cache_s=0 if not relative.startswith("vendor/") else 3_600)
