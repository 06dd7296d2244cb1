"""Link-test drills: the service tests the line to every party every ``drill_every_s``.

Each round sends a ``link_test`` message, signed by the service key, to every party the
agreement lists; the party must acknowledge it like any message within ``ack_timeout_s``,
or the drill is marked missed when the message goes overdue. Results are shown to every
party: the point of a drill is that each side knows the other side answers.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.engine import Connection

from skyshare.audit.signing import sign_object
from skyshare.errors import AgreementNotInForce
from skyshare.model.agreement import Agreement
from skyshare.services.agreement import agreement_in_force
from skyshare.services.context import Caller, Context
from skyshare.services.messages import store_message
from skyshare.services.outbox import EVERYONE, audit
from skyshare.services.service_key import service_key
from skyshare.store import agreements as agreement_store
from skyshare.store import drills as drill_store
from skyshare.store import parties as party_store
from skyshare.store.drills import DrillRow
from skyshare.timefmt import format_rfc3339

__all__ = ["drill_json", "list_drills", "run_drills"]


def drill_json(d: DrillRow) -> dict[str, Any]:
    latency = None if d.acknowledged_at is None else round(d.acknowledged_at - d.sent_at, 3)
    if d.missed:
        status = "missed"
    elif d.acknowledged_at is not None:
        status = "acknowledged"
    else:
        status = "pending"
    return {
        "id": d.id,
        "party": d.party_id,
        "message_id": d.message_id,
        "sent_at": format_rfc3339(d.sent_at),
        "acknowledged_at": None if d.acknowledged_at is None else format_rfc3339(d.acknowledged_at),
        "latency_s": latency,
        "missed": d.missed,
        "status": status,
    }


def _due(conn: Connection, now: float) -> Agreement | None:
    """The agreement if a drill round is due at ``now``, else None."""
    current = agreement_store.current(conn)
    if current is None or current.agreement.drill_every_s <= 0:
        return None
    try:
        agreement_in_force(conn)
    except AgreementNotInForce:
        return None  # drills are a procedure of the agreement; none before it binds everyone
    last = drill_store.last_sent_at(conn)
    if last is not None and now - last < current.agreement.drill_every_s:
        return None
    return current.agreement


def run_drills(ctx: Context) -> int:
    """Send a round of link tests if one is due; returns how many were sent (0 if none due).

    Whether a round is due is read first, so that an idle tick never takes the write lock;
    the write transaction decides again.
    """
    with ctx.db.read() as conn:
        if not _due(conn, ctx.now()):
            return 0
    key = service_key(ctx)
    with ctx.db.write() as tx:
        now = ctx.now()
        current = _due(tx.conn, now)
        if current is None:
            return 0
        sent = 0
        for name in current.parties:
            party = party_store.by_name(tx.conn, name)
            if party is None:
                continue
            sent_at = format_rfc3339(now)
            signed = {
                "id": str(uuid.uuid4()),
                "to": party.id,
                "sent_at": sent_at,
                "template": "link_test",
                "params": {"time": sent_at},
            }
            signature = sign_object(key, signed)
            m, _ = store_message(
                ctx,
                tx,
                sender=None,
                recipient=party.id,
                signed=signed,
                signature=signature,
                readers=[EVERYONE],
                languages={party.id: party.language},
            )
            drill = DrillRow(id=str(uuid.uuid4()), party_id=party.id, message_id=m.id, sent_at=now)
            drill_store.insert(tx.conn, drill)
            audit(
                ctx,
                tx,
                "drill.sent",
                {"drill": drill.id, "party": party.id, "message": m.id},
                [EVERYONE],
            )
            sent += 1
        return sent


def list_drills(ctx: Context, caller: Caller, limit: int = 1000) -> list[dict[str, Any]]:
    """The newest ``limit`` drills of every party, oldest first."""
    with ctx.db.read() as conn:
        return [drill_json(d) for d in drill_store.list_all(conn, limit)]
