"""Parties and credentials: tokens are random, shown once, stored as SHA-256 hashes.

A token carries 256 bits of entropy, so a fast hash is enough: there is nothing to
brute-force that a slow hash would protect.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
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
    "authenticate_cached",
    "ensure_admin_token",
    "hash_token",
    "list_parties",
    "new_token",
]

ADMIN_TOKEN_KEY = "admin_token_sha256"
#: How long ``authenticate_cached`` trusts a token it has seen, in seconds. Another process
#: (or the CLI) may remove or change a party; this bounds how long this one can miss it.
TOKEN_TTL_S = 5.0
#: Tokens remembered at most; past it the memory starts over.
_TOKEN_CAP = 4096
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
        tx.on_commit(_tokens(ctx).forget)
        if token is not None:
            meta.put(tx.conn, ADMIN_TOKEN_KEY, hash_token(token))
            return None
        if meta.get(tx.conn, ADMIN_TOKEN_KEY) is not None:
            return None
        made = new_token()
        meta.put(tx.conn, ADMIN_TOKEN_KEY, hash_token(made))
        return made


def _digest(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("An Authorization: Bearer <token> header is required.")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <token>'.")
    return hash_token(token.strip())


def authenticate(ctx: Context, authorization: str | None) -> Caller:
    """The caller named by an ``Authorization: Bearer`` header; 401 when missing or unknown."""
    return _lookup(ctx, _digest(authorization))


class _Tokens:
    """Callers by token hash, each trusted for ``TOKEN_TTL_S``; unknown tokens are not kept.

    ``generation`` moves whenever this process changes parties or the admin credential; a
    look-up that started before the move does not store its (possibly older) answer.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, tuple[float, Caller]] = {}
        self.generation = 0

    def forget(self) -> None:
        with self.lock:
            self.entries.clear()
            self.generation += 1


def _tokens(ctx: Context) -> _Tokens:
    tokens = ctx.cache("party_tokens", _Tokens)
    assert isinstance(tokens, _Tokens)
    return tokens


def authenticate_cached(ctx: Context, authorization: str | None) -> Caller:
    """``authenticate`` without a database read for a token seen in the last ``TOKEN_TTL_S``.

    For state ingest, which needs only the party's id (it never changes) and arrives dozens
    of times a second per party: one indexed read per request on the event loop cost more
    than the rest of authentication. The party's other fields may be up to ``TOKEN_TTL_S``
    old here, so routes that show or trust them use ``authenticate``. A token not in memory
    is always looked up, so a party added by another process is known at once.
    """
    digest = _digest(authorization)
    tokens = _tokens(ctx)
    now = time.monotonic()
    hit = tokens.entries.get(digest)
    if hit is not None and hit[0] > now:
        return hit[1]
    generation = tokens.generation
    caller = _lookup(ctx, digest)
    with tokens.lock:
        if tokens.generation == generation:
            if len(tokens.entries) >= _TOKEN_CAP:
                tokens.entries.clear()
            tokens.entries[digest] = (now + TOKEN_TTL_S, caller)
    return caller


def _lookup(ctx: Context, digest: str) -> Caller:
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
        tx.on_commit(_tokens(ctx).forget)
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
