"""Parties and credentials: tokens are random, shown once, stored as SHA-256 hashes.

A token carries 256 bits of entropy, so a fast hash is enough: there is nothing to
brute-force that a slow hash would protect.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid

from skyshare.errors import AlreadyExists, Forbidden, InvalidInput, Unauthorized
from skyshare.model.party import LANGUAGES, Party
from skyshare.services.context import Caller, Context
from skyshare.services.outbox import EVERYONE, audit
from skyshare.store import meta
from skyshare.store import parties as party_store

__all__ = [
    "add_party",
    "authenticate",
    "ensure_admin_token",
    "hash_token",
    "list_parties",
    "new_token",
]

ADMIN_TOKEN_KEY = "admin_token_sha256"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,99}$")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ensure_admin_token(ctx: Context, token: str | None) -> str | None:
    """Install the admin credential. Returns a newly made token to print once, else None.

    With ``token`` given (``SKYSHARE_ADMIN_TOKEN``) it replaces the stored hash; without,
    a token is made only when none exists yet.
    """
    with ctx.db.write() as tx:
        if token is not None:
            meta.put(tx.conn, ADMIN_TOKEN_KEY, hash_token(token))
            return None
        if meta.get(tx.conn, ADMIN_TOKEN_KEY) is not None:
            return None
        made = new_token()
        meta.put(tx.conn, ADMIN_TOKEN_KEY, hash_token(made))
        return made


def authenticate(ctx: Context, authorization: str | None) -> Caller:
    """The caller named by an ``Authorization: Bearer`` header; 401 when missing or unknown."""
    if not authorization:
        raise Unauthorized("An Authorization: Bearer <token> header is required.")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <token>'.")
    digest = hash_token(token.strip())
    with ctx.db.read() as conn:
        party = party_store.by_token_hash(conn, digest)
        if party is not None:
            return Caller(party)
        admin = meta.get(conn, ADMIN_TOKEN_KEY)
    if admin is not None and hmac.compare_digest(admin, digest):
        return Caller(None)
    raise Unauthorized("The token is not known.")


def require_admin(caller: Caller) -> None:
    if not caller.is_admin:
        raise Forbidden("Only the administrator may do this.")


def require_party(caller: Caller) -> Party:
    if caller.party is None:
        raise Forbidden("This is done by a party, not by the administrator.")
    return caller.party


def add_party(
    ctx: Context, name: str, language: str = "en", public_key: str | None = None
) -> tuple[Party, str]:
    """Create a party, with its Ed25519 public key if given; returns it with its token.

    The token is shown once and never stored.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInput(
            "name must be 1 to 100 letters, digits, spaces, '_', '.' or '-', "
            "starting with a letter or digit.",
            field="name",
        )
    if language not in LANGUAGES:
        raise InvalidInput(
            f"language must be one of {', '.join(LANGUAGES)}; got {language!r}.", field="language"
        )
    token = new_token()
    with ctx.db.write() as tx:
        if party_store.by_name(tx.conn, name) is not None:
            raise AlreadyExists(f"A party named {name!r} already exists.", field="name")
        party = party_store.insert(
            tx.conn,
            id=str(uuid.uuid4()),
            name=name,
            token_hash=hash_token(token),
            language=language,
            now=ctx.now(),
        )
        audit(ctx, tx, "party.added", {"party": party.id, "name": name}, [EVERYONE])
        if public_key is not None:
            from skyshare.services.keys import install_key  # keys builds on this module

            party = install_key(ctx, tx, party, public_key, None)
    return party, token


def list_parties(ctx: Context) -> list[Party]:
    with ctx.db.read() as conn:
        return party_store.list_all(conn)
