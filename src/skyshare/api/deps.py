"""Request dependencies: the services context and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from skyshare.services.context import Caller, Context
from skyshare.services.parties import authenticate, authenticate_cached

__all__ = ["CallerDep", "ContextDep", "IngestCallerDep"]


def _context(request: Request) -> Context:
    ctx = request.app.state.context
    assert isinstance(ctx, Context)
    return ctx


# The dependencies are ``async``: FastAPI runs a sync dependency through the thread pool,
# one hop each per request, which cost more than the work. The token look-up is a single
# indexed read of a fraction of a millisecond, acceptable on the event loop, except for
# state ingest, which remembers tokens for a few seconds (``authenticate_cached``).


async def get_context(request: Request) -> Context:
    return _context(request)


async def get_caller(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Caller:
    return authenticate(_context(request), authorization)


async def get_ingest_caller(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Caller:
    return authenticate_cached(_context(request), authorization)


ContextDep = Annotated[Context, Depends(get_context)]
CallerDep = Annotated[Caller, Depends(get_caller)]
#: The caller of a state ingest: only its party id is used, which never changes.
IngestCallerDep = Annotated[Caller, Depends(get_ingest_caller)]
