"""The hotline: signed messages between parties, their acknowledgement, and overdue alerts.

A message is the client's JSON object plus an Ed25519 ``signature`` over the RFC 8785 JSON of
that object without ``signature``. The service stores the signed object exactly (as JCS text),
so anyone holding the sender's public key can re-verify it later, and the audit entry carries
the same object and signature.

Resending a message is safe: the same ``id`` with the same signed object returns the stored
message and announces nothing new; the same ``id`` with anything else is 409 ``already_exists``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Final

from sqlalchemy.engine import Connection

from skyshare.audit.jcs import canonical_json
from skyshare.audit.signing import BadSignature, verify_object
from skyshare.errors import AlreadyExists, Forbidden, InvalidInput, NotFound
from skyshare.hotline import phrases
from skyshare.model.party import Party
from skyshare.services.context import Caller, Context
from skyshare.services.outbox import EVERYONE, audit, emit
from skyshare.services.parties import require_party
from skyshare.store import agreements as agreement_store
from skyshare.store import conflicts as conflict_store
from skyshare.store import drills as drill_store
from skyshare.store import messages as message_store
from skyshare.store import parties as party_store
from skyshare.store.database import Tx
from skyshare.store.messages import MessageRow
from skyshare.timefmt import format_rfc3339, parse_rfc3339

__all__ = [
    "MAX_TEXT_BYTES",
    "ack_object",
    "ack_timeout_s",
    "acknowledge",
    "get_message",
    "list_messages",
    "mark_overdue",
    "message_json",
    "send_message",
    "store_message",
]

#: Free text is at most 4 KiB of UTF-8 (issue 7): a hotline message, not a document.
MAX_TEXT_BYTES: Final = 4096
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: C0 controls other than tab, line feed and carriage return have no place in a message.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DEFAULT_ACK_TIMEOUT_S: Final = 30.0


def ack_object(message_id: str) -> dict[str, Any]:
    """What the recipient signs to acknowledge (API.md)."""
    return {"type": "ack", "message_id": message_id}


def _fmt(t: float | None) -> str | None:
    return None if t is None else format_rfc3339(t)


def message_json(m: MessageRow, language: str) -> dict[str, Any]:
    """The message as a reader in ``language`` sees it: the signed fields, state, and text."""
    if m.template is not None:
        rendered = phrases.render(m.template, m.params, language)
    else:
        rendered = m.text or ""
    return {
        "id": m.id,
        "from": m.sender,
        "to": m.recipient,
        "sent_at": format_rfc3339(m.sent_at),
        "conflict_id": m.conflict_id,
        "template": m.template,
        "params": m.params,
        "text": m.text,
        "signature": m.signature,
        "received_at": format_rfc3339(m.created_at),
        "acknowledged_at": _fmt(m.acknowledged_at),
        "ack_signature": m.ack_signature,
        "overdue_at": _fmt(m.overdue_at),
        "rendered": rendered,
    }


def _check_static(signed: dict[str, Any]) -> None:
    """Checks that need no database: id, time, template or text, parameters."""
    mid = signed["id"]
    if not _UUID.match(mid):
        raise InvalidInput(
            f"id must be a lowercase UUID (8-4-4-4-12 hexadecimal digits); got {mid[:40]!r}.",
            field="id",
        )
    parse_rfc3339(signed["sent_at"], field="sent_at")
    template, text = signed.get("template"), signed.get("text")
    if template is not None and text is not None:
        raise InvalidInput(
            "A message carries either a template (with params) or free text, not both.",
            field="text",
        )
    if template is None and text is None:
        raise InvalidInput(
            "A message needs a template id (with params) or free text; it has neither.",
            field="template",
        )
    if text is not None:
        if signed.get("params") is not None:
            raise InvalidInput("params go with a template, not with free text.", field="params")
        size = len(text.encode("utf-8"))
        if size > MAX_TEXT_BYTES:
            raise InvalidInput(
                f"text must be at most {MAX_TEXT_BYTES} bytes of UTF-8; it is {size} bytes.",
                field="text",
                details={"limit_bytes": MAX_TEXT_BYTES, "size_bytes": size},
            )
        if not text.strip():
            raise InvalidInput("text must not be empty.", field="text")
        if _CONTROL.search(text):
            raise InvalidInput(
                "text must not contain control characters other than tab and line breaks.",
                field="text",
            )
    else:
        phrases.check_params(template, signed.get("params"))


def _sender_key(party: Party) -> str:
    if party.public_key is None:
        raise BadSignature(
            "You have no public key registered, so no signature of yours can be verified; "
            "register one with PUT /v1/parties/me/key.",
            field="signature",
        )
    return party.public_key


def _check_recipient(conn: Connection, sender: Party, signed: dict[str, Any]) -> Party:
    to = signed["to"]
    recipient = None
    if _UUID.match(to):
        try:
            recipient = party_store.by_id(conn, to)
        except NotFound:
            recipient = None
    if recipient is None:
        raise InvalidInput(
            f"to must be the id of a party (GET /v1/parties); no party has id {to[:40]!r}.",
            field="to",
        )
    if recipient.id == sender.id:
        raise InvalidInput("A message must go to another party, not to its sender.", field="to")
    conflict_id = signed.get("conflict_id")
    if conflict_id is not None:
        conflict = conflict_store.get(conn, conflict_id)
        if conflict is None or sender.id not in conflict.parties:
            # The same answer for both, so no party learns of conflicts it is not part of.
            raise Forbidden(
                f"conflict_id {conflict_id[:40]!r} names no conflict you are involved in.",
                field="conflict_id",
            )
        if recipient.id not in conflict.parties:
            raise InvalidInput(
                "The recipient is not involved in the conflict named by conflict_id.",
                field="to",
            )
    return recipient


def _languages(conn: Connection, ids: Iterable[str | None]) -> dict[str, str]:
    return {i: party_store.by_id(conn, i).language for i in ids if i is not None}


def _announce(
    ctx: Context, tx: Tx, type: str, m: MessageRow, languages: dict[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """One event per party, each with the message rendered in that party's language.

    ``languages`` (party id → language) saves looking the parties up when the caller has
    them. Returns the views by language, so a caller's response reuses the rendering.
    """
    if languages is None:
        languages = _languages(tx.conn, (m.sender, m.recipient))
    views: dict[str, dict[str, Any]] = {}
    for party_id, language in languages.items():
        if language not in views:
            views[language] = message_json(m, language)
        emit(ctx, tx, type, views[language], [party_id])
    return views


def _readers(m: MessageRow) -> list[str]:
    return [p for p in (m.sender, m.recipient) if p is not None]


def store_message(
    ctx: Context,
    tx: Tx,
    *,
    sender: str | None,
    recipient: str,
    signed: dict[str, Any],
    signature: str,
    readers: list[str] | None = None,
    languages: dict[str, str] | None = None,
) -> tuple[MessageRow, dict[str, dict[str, Any]]]:
    """Insert a checked message, announce it and audit it, inside ``tx``.

    Returns the row and its views by language (those of its sender and recipient).
    """
    m = MessageRow(
        id=signed["id"],
        sender=sender,
        recipient=recipient,
        conflict_id=signed.get("conflict_id"),
        template=signed.get("template"),
        params=signed.get("params") if signed.get("template") is not None else None,
        text=signed.get("text"),
        sent_at=parse_rfc3339(signed["sent_at"], field="sent_at"),
        body=canonical_json(signed).decode("utf-8"),
        signature=signature,
        created_at=ctx.now(),
    )
    message_store.insert(tx.conn, m)
    views = _announce(ctx, tx, "message.received", m, languages)
    record = {
        "message": m.id,
        "from": sender,
        "to": recipient,
        "body": signed,
        "signature": signature,
    }
    audit(ctx, tx, "message.sent", record, readers if readers is not None else _readers(m))
    return m, views


def send_message(
    ctx: Context, caller: Caller, signed: dict[str, Any], signature: str
) -> tuple[dict[str, Any], bool]:
    """``POST /v1/messages``: verify, check, store and announce; ``(message, created)``.

    ``signed`` is the request body without ``signature``, exactly as the client sent it.
    """
    party = require_party(caller)
    _check_static(signed)
    with ctx.db.write() as tx:
        sender = party_store.by_id(tx.conn, party.id)
        verify_object(_sender_key(sender), signed, signature)
        existing = message_store.get(tx.conn, signed["id"])
        if existing is not None:
            if existing.sender == sender.id and existing.body == canonical_json(signed).decode():
                return message_json(existing, sender.language), False
            raise AlreadyExists(
                f"Message id {signed['id']} is already used by another message; "
                "choose a new id for a new message.",
                field="id",
            )
        recipient = _check_recipient(tx.conn, sender, signed)
        _, views = store_message(
            ctx,
            tx,
            sender=sender.id,
            recipient=recipient.id,
            signed=signed,
            signature=signature,
            languages={sender.id: sender.language, recipient.id: recipient.language},
        )
        return views[sender.language], True


def _visible(caller: Caller, m: MessageRow | None, message_id: str) -> MessageRow:
    if m is None or (caller.party_id is not None and caller.party_id not in _readers(m)):
        raise NotFound(f"No message of yours has id {message_id[:60]!r}.", field="id")
    return m


def _language(caller: Caller) -> str:
    return "en" if caller.party is None else caller.party.language


def get_message(ctx: Context, caller: Caller, message_id: str) -> dict[str, Any]:
    with ctx.db.read() as conn:
        m = _visible(caller, message_store.get(conn, message_id), message_id)
    return message_json(m, _language(caller))


def list_messages(
    ctx: Context, caller: Caller, since: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """Messages to or from the caller (the administrator: all), oldest first.

    ``since`` compares at the millisecond of the served ``received_at``: passing a message's
    own ``received_at`` never returns that message again.
    """
    after = None if since is None else parse_rfc3339(since, field="since") + 0.0005
    with ctx.db.read() as conn:
        found = message_store.list_for_party(conn, caller.party_id, after, limit)
    language = _language(caller)
    return [message_json(m, language) for m in found]


def acknowledge(ctx: Context, caller: Caller, message_id: str, signature: str) -> dict[str, Any]:
    """The recipient acknowledges, signing :func:`ack_object`; a repeat changes nothing."""
    party = require_party(caller)
    with ctx.db.write() as tx:
        m = _visible(caller, message_store.get(tx.conn, message_id), message_id)
        if m.recipient != party.id:
            raise Forbidden("Only the recipient of a message may acknowledge it.")
        me = party_store.by_id(tx.conn, party.id)
        verify_object(_sender_key(me), ack_object(m.id), signature)
        if m.acknowledged_at is not None:
            return message_json(m, me.language)
        now = ctx.now()
        message_store.mark_acknowledged(tx.conn, m.id, now, signature)
        m = replace(m, acknowledged_at=now, ack_signature=signature)
        drill = drill_store.by_message(tx.conn, m.id)
        if drill is not None:
            drill_store.update_row(tx.conn, replace(drill, acknowledged_at=now))
        views = _announce(ctx, tx, "message.acknowledged", m)
        audit(
            ctx,
            tx,
            "message.acknowledged",
            {"message": m.id, "by": party.id, "signature": signature},
            [EVERYONE] if drill is not None else _readers(m),
        )
        return views[me.language]


def ack_timeout_s(conn: Connection) -> float:
    """The current agreement's ``ack_timeout_s`` (its default when none is set)."""
    current = agreement_store.current(conn)
    return _DEFAULT_ACK_TIMEOUT_S if current is None else current.agreement.ack_timeout_s


def mark_overdue(ctx: Context) -> int:
    """Mark messages unacknowledged for ``ack_timeout_s`` overdue; tell both sides. One pass.

    A drill's message that goes overdue marks the drill missed. A read comes first so that an
    idle tick never takes the one write lock.
    """
    with ctx.db.read() as conn:
        if not message_store.due_overdue(conn, ctx.now() - ack_timeout_s(conn), limit=1):
            return 0
    with ctx.db.write() as tx:
        now = ctx.now()
        due = message_store.due_overdue(tx.conn, now - ack_timeout_s(tx.conn))
        for m in due:
            message_store.mark_overdue(tx.conn, m.id, now)
            m = replace(m, overdue_at=now)
            _announce(ctx, tx, "message.overdue", m)
            drill = drill_store.by_message(tx.conn, m.id)
            record = {"message": m.id, "from": m.sender, "to": m.recipient}
            audit(ctx, tx, "message.overdue", record, _readers(m))
            if drill is not None:
                drill_store.update_row(tx.conn, replace(drill, missed=True))
                audit(
                    ctx,
                    tx,
                    "drill.missed",
                    {"drill": drill.id, "party": drill.party_id, "message": m.id},
                    [EVERYONE],
                )
        return len(due)
