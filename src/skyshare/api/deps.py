"""Request dependencies: the services context and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from skyshare.services.context import Caller, Context
from skyshare.services.parties import authenticate

__all__ = ["CallerDep", "ContextDep"]


def _context(request: Request) -> Context:
    ctx = request.app.state.context
    assert isinstance(ctx, Context)
    return ctx


# Both dependencies are ``async``: FastAPI runs a sync dependency through the thread pool,
# one hop each per request, which cost more than the work. The token look-up is a single
# indexed read of a fraction of a millisecond, acceptable on the event loop.


async def get_context(request: Request) -> Context:
    return _context(request)


async def get_caller(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Caller:
    return authenticate(_context(request), authorization)


ContextDep = Annotated[Context, Depends(get_context)]
CallerDep = Annotated[Caller, Depends(get_caller)]
