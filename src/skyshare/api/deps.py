"""Request dependencies: the services context and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from skyshare.services.context import Caller, Context
from skyshare.services.parties import authenticate

__all__ = ["CallerDep", "ContextDep"]


def get_context(request: Request) -> Context:
    ctx = request.app.state.context
    assert isinstance(ctx, Context)
    return ctx


def get_caller(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Caller:
    return authenticate(get_context(request), authorization)


ContextDep = Annotated[Context, Depends(get_context)]
CallerDep = Annotated[Caller, Depends(get_caller)]
