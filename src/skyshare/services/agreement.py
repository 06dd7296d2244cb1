"""The agreement: set by the administrator, in force once every listed party adopts it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from skyshare.errors import AgreementChanged, AgreementNotInForce, Forbidden, NotFound
from skyshare.model.agreement import Agreement
from skyshare.services.context import Caller, Context
from skyshare.services.outbox import EVERYONE, audit, emit
from skyshare.services.parties import require_admin, require_party
from skyshare.store import agreements as agreement_store
from skyshare.store import parties as party_store
from skyshare.store.agreements import StoredAgreement

__all__ = ["adopt", "agreement_in_force", "agreement_json", "get_agreement", "set_agreement"]


def _status(conn: Connection, stored: StoredAgreement) -> tuple[list[str], bool]:
    """(names of adopting parties, in force?)."""
    adopted_ids = set(agreement_store.adopted_by(conn, stored.version))
    names: list[str] = []
    for name in stored.agreement.parties:
        party = party_store.by_name(conn, name)
        if party is not None and party.id in adopted_ids:
            names.append(name)
    return names, len(names) == len(stored.agreement.parties)


def agreement_json(conn: Connection, stored: StoredAgreement) -> dict[str, Any]:
    names, in_force = _status(conn, stored)
    return {
        "version": stored.version,
        "sha256": stored.sha256,
        "agreement": stored.agreement.to_json(),
        "adopted_by": names,
        "in_force": in_force,
    }


def set_agreement(ctx: Context, caller: Caller, agreement: Agreement) -> dict[str, Any]:
    """Make ``agreement`` the current version unless it already is (same hash)."""
    require_admin(caller)
    with ctx.db.write() as tx:
        cur = agreement_store.current(tx.conn)
        if cur is not None and cur.sha256 == agreement.sha256():
            return agreement_json(tx.conn, cur)
        stored = agreement_store.insert_version(tx.conn, agreement, ctx.now())
        body = agreement_json(tx.conn, stored)
        emit(ctx, tx, "agreement.updated", body, party_store.ids(tx.conn))
        audit(
            ctx,
            tx,
            "agreement.updated",
            {"version": stored.version, "sha256": stored.sha256},
            [EVERYONE],
        )
        return body


def get_agreement(ctx: Context) -> dict[str, Any]:
    with ctx.db.read() as conn:
        cur = agreement_store.current(conn)
        if cur is None:
            raise NotFound("No agreement has been set yet.")
        return agreement_json(conn, cur)


def adopt(ctx: Context, caller: Caller, sha256: str) -> dict[str, Any]:
    """A listed party adopts the current version by naming its hash."""
    party = require_party(caller)
    with ctx.db.write() as tx:
        cur = agreement_store.current(tx.conn)
        if cur is None:
            raise NotFound("No agreement has been set yet.")
        if party.name not in cur.agreement.parties:
            raise Forbidden(f"Party {party.name!r} is not listed in the agreement.")
        if sha256 != cur.sha256:
            raise AgreementChanged(
                "The agreement has changed: adopt the current version by its sha256.",
                field="sha256",
                details={"version": cur.version, "sha256": cur.sha256},
            )
        was_in_force = _status(tx.conn, cur)[1]
        if agreement_store.adopt(tx.conn, cur.version, party.id, sha256, ctx.now()):
            body = agreement_json(tx.conn, cur)
            everyone = party_store.ids(tx.conn)
            emit(ctx, tx, "agreement.adopted", body, everyone)
            if body["in_force"] and not was_in_force:
                emit(ctx, tx, "agreement.in_force", body, everyone)
            audit(
                ctx,
                tx,
                "agreement.adopted",
                {"version": cur.version, "sha256": sha256, "party": party.id},
                [EVERYONE],
            )
        return agreement_json(tx.conn, cur)


def agreement_in_force(conn: Connection) -> Agreement:
    """The agreement in force, or 409 ``agreement_not_in_force``."""
    cur, adopted = agreement_store.current_with_adoptions(conn)
    if cur is None:
        raise AgreementNotInForce("No agreement has been set; notices cannot be filed yet.")
    # Only listed parties can adopt, so a full count means every listed party did.
    if adopted < len(cur.agreement.parties):
        names, _ = _status(conn, cur)
        missing = [n for n in cur.agreement.parties if n not in names]
        raise AgreementNotInForce(
            "The agreement is not in force until every listed party adopts it.",
            details={"version": cur.version, "not_adopted_by": missing},
        )
    return cur.agreement
