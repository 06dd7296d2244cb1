"""Ed25519 keys and signatures over canonical JSON (RFC 8032, RFC 8785, RFC 4648 §4).

A party signs the RFC 8785 canonical JSON of a message; the wire carries the raw 64-byte
signature and the raw 32-byte public key, each in standard base64 with padding (RFC 4648 §4).
Decoding is strict (no whitespace, no URL-safe alphabet, no non-zero padding bits) so that one
key or signature has exactly one textual form.

Key files. ``skyshare keygen --out party.key`` writes two files:

* ``party.key`` (mode 0600): the private key as unencrypted PEM PKCS #8 (RFC 5958, RFC 8410),
  preceded by ``#`` comment lines that name the public key. RFC 7468 §2 lets explanatory
  text precede a PEM block, so any PEM reader (OpenSSL, ``cryptography``) still loads it::

      # skyshare Ed25519 private key. Keep this file secret.
      # public key: 2xq6l3W3...=
      -----BEGIN PRIVATE KEY-----
      MC4CAQAwBQYDK2VwBCIEI...
      -----END PRIVATE KEY-----

* ``party.key.pub``: one line, the base64 public key, to hand to ``skyshare party add``.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from skyshare.audit.jcs import canonical_json
from skyshare.errors import InvalidInput

__all__ = [
    "PUBLIC_KEY_BYTES",
    "SIGNATURE_BYTES",
    "BadSignature",
    "decode_base64",
    "generate_private_key",
    "load_private_key",
    "parse_public_key",
    "private_key_pem",
    "public_key_b64",
    "public_key_path",
    "read_public_key_file",
    "sign_object",
    "verify_object",
    "write_key_pair",
]

#: RFC 8032 §5.1.5: an Ed25519 public key is 32 octets.
PUBLIC_KEY_BYTES = 32
#: RFC 8032 §5.1.6: an Ed25519 signature is 64 octets.
SIGNATURE_BYTES = 64

_PUBLIC_KEY_COMMENT = re.compile(rb"^# public key: (\S+)\s*$", re.MULTILINE)


class BadSignature(InvalidInput):
    """A signature that is malformed, forged, or made with another key; nothing was stored."""

    code = "bad_signature"


def generate_private_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key from the operating system's CSPRNG."""
    return Ed25519PrivateKey.generate()


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Base64 (RFC 4648 §4) of the raw 32-byte public key, the form API.md registers."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def decode_base64(text: object, *, what: str, length: int, field: str | None = None) -> bytes:
    """Strictly decode standard padded base64 (RFC 4648 §4) of exactly ``length`` bytes.

    Raises :class:`InvalidInput` naming ``what`` and the exact defect.

    >>> decode_base64("AAEC", what="a test value", length=3)
    b'\\x00\\x01\\x02'
    """
    if not isinstance(text, str):
        raise InvalidInput(f"The {what} must be a base64 string.", field=field)
    for index, char in enumerate(text):
        if not (char.isascii() and (char.isalnum() or char in "+/=")):
            raise InvalidInput(
                f"The {what} is not base64 (RFC 4648 §4): character {char!r} at position "
                f"{index} is outside the standard alphabet A–Z a–z 0–9 + / =.",
                field=field,
            )
    if len(text) % 4:
        raise InvalidInput(
            f"The {what} is not base64 (RFC 4648 §4): its length {len(text)} is not a "
            "multiple of 4 (the '=' padding is required).",
            field=field,
        )
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise InvalidInput(f"The {what} is not base64 (RFC 4648 §4): {exc}.", field=field) from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise InvalidInput(
            f"The {what} is not canonical base64 (RFC 4648 §3.5): its padding bits are not zero.",
            field=field,
        )
    if len(raw) != length:
        raise InvalidInput(
            f"The {what} must decode to {length} bytes; it decodes to {len(raw)}.", field=field
        )
    return raw


def parse_public_key(text: object, *, field: str | None = "public_key") -> Ed25519PublicKey:
    """An Ed25519 public key from base64 of its raw 32 bytes (RFC 8032 §5.1.5).

    Raises :class:`InvalidInput` (``invalid_input``) on any defect: this is for registering a
    key, where a malformed key is bad input rather than a bad signature.
    """
    raw = decode_base64(text, what="Ed25519 public key", length=PUBLIC_KEY_BYTES, field=field)
    return Ed25519PublicKey.from_public_bytes(raw)


def sign_object(private_key: Ed25519PrivateKey, obj: Any) -> str:
    """Base64 (RFC 4648 §4) of the Ed25519 signature over the RFC 8785 JSON of ``obj``."""
    return base64.b64encode(private_key.sign(canonical_json(obj))).decode("ascii")


def verify_object(public_key_b64: str, obj: Any, signature_b64: str) -> None:
    """Check ``signature_b64`` over the RFC 8785 JSON of ``obj``; raise :class:`BadSignature`.

    Every failure (malformed key, malformed signature, forged or wrong-key signature) is a
    :class:`BadSignature` naming the defect, with field ``signature`` unless the key is at
    fault. Ed25519
    verification here is the strict RFC 8032 §5.1.7 check as OpenSSL implements it.
    """
    try:
        public = parse_public_key(public_key_b64, field=None)
    except InvalidInput as exc:
        raise BadSignature(f"The signer's key cannot verify anything: {exc.message}") from exc
    try:
        raw = decode_base64(
            signature_b64, what="Ed25519 signature", length=SIGNATURE_BYTES, field="signature"
        )
    except InvalidInput as exc:
        raise BadSignature(exc.message, field="signature") from exc
    try:
        public.verify(raw, canonical_json(obj))
    except InvalidSignature as exc:
        raise BadSignature(
            "The Ed25519 signature does not verify: it was not made by this party's key over "
            "the RFC 8785 canonical JSON of this object.",
            field="signature",
        ) from exc


def private_key_pem(private_key: Ed25519PrivateKey) -> bytes:
    """The key file's bytes: comment lines naming the public key, then PEM PKCS #8."""
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    header = (
        "# skyshare Ed25519 private key. Keep this file secret.\n"
        f"# public key: {public_key_b64(private_key)}\n"
    )
    return header.encode("ascii") + pem


def public_key_path(private_key_path: Path) -> Path:
    """Where the public key of ``party.key`` lives: ``party.key.pub``."""
    return private_key_path.with_name(private_key_path.name + ".pub")


def write_key_pair(path: Path, private_key: Ed25519PrivateKey, *, overwrite: bool = False) -> Path:
    """Write ``path`` (mode 0600) and its ``.pub`` sidecar; return the sidecar's path.

    Without ``overwrite`` an existing file is refused with :class:`InvalidInput`; the check and
    the creation are one atomic ``O_EXCL`` open, so two runs cannot both succeed. With it, the
    new key is written beside the old one and renamed over it, so a crash never leaves a
    half-written key.
    """
    pub_path = public_key_path(path)
    if not overwrite:
        for existing in (path, pub_path):
            if existing.exists():
                raise InvalidInput(f"{existing}: the file exists; pass --force to replace it.")
    _write_private(path, private_key_pem(private_key), overwrite=overwrite)
    pub_text = public_key_b64(private_key) + "\n"
    pub_tmp = pub_path.with_name(pub_path.name + ".tmp")
    pub_tmp.write_text(pub_text, encoding="ascii")
    os.replace(pub_tmp, pub_path)
    return pub_path


def _write_private(path: Path, data: bytes, *, overwrite: bool) -> None:
    target = path.with_name(path.name + ".tmp") if overwrite else path
    if overwrite:
        target.unlink(missing_ok=True)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise InvalidInput(f"{path}: the file exists; pass --force to replace it.") from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    if overwrite:
        os.replace(target, path)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read a key file written by :func:`write_key_pair` (any unencrypted PKCS #8 PEM works).

    Raises :class:`InvalidInput` as ``path: message`` when the file is unreadable, not an
    Ed25519 private key, or its ``# public key:`` comment names another key.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the key file: {exc.strerror}.") from exc
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            f"{path}: not an unencrypted PEM PKCS #8 private key (make one with `skyshare keygen`)."
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(f"{path}: the key is {type(key).__name__}, not Ed25519.")
    comment = _PUBLIC_KEY_COMMENT.search(data)
    if comment is not None and comment.group(1).decode("ascii", "replace") != public_key_b64(key):
        raise InvalidInput(
            f"{path}: the '# public key:' comment does not match the private key in the file."
        )
    return key


def read_public_key_file(path: Path) -> str:
    """The validated base64 public key in a ``.pub`` file (blank and ``#`` lines skipped).

    A private key file is refused rather than silently reduced to its public half, so that a
    slip of the finger never sends a private key anywhere.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the public key file: {exc}.") from exc
    if "PRIVATE KEY" in text:
        raise InvalidInput(
            f"{path}: this is a private key; give its public key file "
            f"({public_key_path(path).name}) instead."
        )
    lines = [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if len(lines) != 1:
        raise InvalidInput(
            f"{path}: a public key file holds exactly one base64 line; found {len(lines)}."
        )
    number, line = lines[0]
    try:
        parse_public_key(line, field=None)
    except InvalidInput as exc:
        raise InvalidInput(f"{path}:{number}: {exc.message}") from exc
    return line
