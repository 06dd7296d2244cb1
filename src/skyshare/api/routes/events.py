"""Events: Server-Sent Events, or a JSON page with ``Accept: application/json``."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Header, Query, Request
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from skyshare.api.deps import CallerDep, ContextDep
from skyshare.api.responses import JSONBody
from skyshare.errors import InvalidInput
from skyshare.notify.bell import Bell
from skyshare.services.events import events_after, last_seq

router = APIRouter(prefix="/v1", tags=["events"])

#: Longest a stream waits for the bell before looking at the outbox anyway.
POLL_S = 1.0
_LAST_SEQ = "X-Skyshare-Last-Seq"


@router.get("/events", response_model=None)
def events(
    request: Request,
    ctx: ContextDep,
    caller: CallerDep,
    after: int | None = Query(None, ge=0),
    last_event_id: str | None = Header(None, alias="Last-Event-ID"),
    accept: str | None = Header(None),
    limit: int = Query(1000, ge=1, le=10_000),
) -> Response:
    """Events after ``after`` (or ``Last-Event-ID``), oldest first.

    Every response carries ``X-Skyshare-Last-Seq``, the newest sequence number at the time of
    the request, so a client can load its snapshot and then follow the stream from there.
    """
    start = after or 0
    if last_event_id is not None:
        if not last_event_id.strip().isdigit():
            raise InvalidInput("Last-Event-ID must be a sequence number.", field="Last-Event-ID")
        start = max(start, int(last_event_id))
    if accept is not None and "application/json" in accept and "text/event-stream" not in accept:
        newest = last_seq(ctx)
        return JSONBody(events_after(ctx, caller, start, limit), headers={_LAST_SEQ: str(newest)})
    bell: Bell = request.app.state.bell

    async def stream() -> AsyncIterator[dict[str, Any]]:
        seq = start
        with bell.subscribe() as rung:
            while True:
                rung.clear()
                batch = await run_in_threadpool(events_after, ctx, caller, seq, 500)
                for e in batch:
                    seq = e["seq"]
                    yield {"id": str(seq), "event": e["type"], "data": json.dumps(e)}
                if batch:
                    continue
                if await request.is_disconnected():
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(rung.wait(), POLL_S)

    return EventSourceResponse(stream(), ping=15, headers={_LAST_SEQ: str(last_seq(ctx))})
