"""The service's own Ed25519 key, which signs audit checkpoints and link-test drills.

It is made at first use and kept in the ``meta`` table as unencrypted PEM PKCS #8, so the
service needs no key file to start and a restart keeps the same public key.

Trade-off: whoever can write the database file can also read this key, re-hash the chain and
re-sign every checkpoint. Checkpoints therefore protect the history against that person only
as far as the parties already hold copies of them (``GET /v1/audit/checkpoints``, ``skyshare
audit export``) and the public key they obtained out of band: a rewritten history cannot
match a checkpoint signed before the rewrite. Keeping the key in a separate file or an HSM
would protect against a stolen database too; it also adds a second thing to back up, and
losing it breaks the signature chain, so the embedded key is the default.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Connection

from skyshare.audit.signing import generate_private_key, private_key_pem, public_key_b64
from skyshare.errors import SkyshareError
from skyshare.services.context import Context
from skyshare.store import meta

__all__ = ["SERVICE_KEY", "service_key", "service_public_key", "stored_public_key"]

#: ``meta`` key of the PEM private key.
SERVICE_KEY = "service_ed25519_private_pem"


def _parse(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SkyshareError("The stored service key is not an Ed25519 private key.")
    return key


def _load_or_create(ctx: Context) -> Ed25519PrivateKey:
    with ctx.db.write() as tx:
        pem = meta.get(tx.conn, SERVICE_KEY)
        if pem is None:
            key = generate_private_key()
            meta.put(tx.conn, SERVICE_KEY, private_key_pem(key).decode("ascii"))
            return key
    return _parse(pem)


def service_key(ctx: Context) -> Ed25519PrivateKey:
    """The service's private key, made and stored on first use; cached for the process."""
    key = ctx.cache("service_key", lambda: _load_or_create(ctx))
    assert isinstance(key, Ed25519PrivateKey)
    return key


def service_public_key(ctx: Context) -> str:
    """Base64 of the service's raw 32-byte public key (``GET /v1/audit/key``)."""
    return public_key_b64(service_key(ctx))


def stored_public_key(conn: Connection) -> str | None:
    """The public half of the stored key, without making one (for offline verification)."""
    pem = meta.get(conn, SERVICE_KEY)
    return None if pem is None else public_key_b64(_parse(pem))
