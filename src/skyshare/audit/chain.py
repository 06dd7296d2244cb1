"""The audit log's hash chain, its signed checkpoints, and the offline export file.

Entry ``n`` carries ``hash_n = hex(SHA-256(bytes.fromhex(hash_{n-1}) ‖ JCS(record_n)))`` with
``hash_0 = GENESIS`` (64 zeros) and JCS the RFC 8785 canonical JSON of the record. Changing,
removing, reordering or inserting any entry therefore breaks the chain at or just after that
entry; the service signs the head (``n``, ``hash``, ``time``) with its Ed25519 key at least
every minute, so that rewriting the whole tail or cutting it off is caught too.

What a verifier can and cannot prove:

* With every record present (the service's own database), :func:`verify_chain` proves each
  record's content, order and linkage.
* A party's copy carries ``record: null`` for entries it may not read. Such an entry's
  linkage (its ``prev_hash`` equals the previous hash) is checked, but its content is not, and
  its ``hash`` cannot be recomputed: an altered entry *before* a redacted one can be hidden by
  rewriting the hashes up to it. Only a signed checkpoint between the altered entry and the
  next redacted one catches that. A redacted export proves linkage, not content.
* ``time`` and ``type`` sit outside the hash. Whenever the record holds a ``time`` or
  ``type`` key, it must equal the entry's; the service should put both into every record.
* Removing entries from the end is caught only up to the last signed checkpoint.

Export file (``skyshare audit verify --export FILE``): UTF-8 JSON lines, written by
:func:`write_export` and read by :func:`read_export`::

    {"format": "skyshare-audit-export", "version": 1, "public_key": "<service key, base64>",
     "entries": 1000000, "checkpoints": 16667}
    {"n": 1, "time": "...", "type": "...", "prev_hash": "000…0", "hash": "…", "record": {…}}
    … one line per entry, exactly as ``GET /v1/audit`` returns them, n = 1, 2, 3, …
    {"n": 60, "hash": "…", "time": "...", "signature": "…"}
    … one line per checkpoint, exactly as ``GET /v1/audit/checkpoints`` returns them

The header (shown wrapped here, one line in the file) states both counts so that a verifier
can reach the checkpoints without parsing every entry twice and so that a truncated file is
noticed. ``public_key`` is the service key from ``GET /v1/audit/key``; a party should compare
it with the key it obtained out of band. Optional header keys: ``party``, ``exported_at``.
A malformed line raises :class:`InvalidInput` as ``file:line: message``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TextIO, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from skyshare.audit.jcs import canonical_json
from skyshare.audit.signing import parse_public_key, sign_object, verify_object
from skyshare.errors import InvalidInput
from skyshare.timefmt import parse_rfc3339

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "GENESIS",
    "AuditEntry",
    "AuditExport",
    "Checkpoint",
    "StoredEntry",
    "VerifyResult",
    "entry_hash",
    "read_export",
    "sign_checkpoint",
    "verify_chain",
    "verify_checkpoints",
    "verify_export",
    "verify_stored_chain",
    "write_export",
]

#: ``prev_hash`` of entry 1 (API.md).
GENESIS: Final = "0" * 64
EXPORT_FORMAT: Final = "skyshare-audit-export"
EXPORT_VERSION: Final = 1

_T = TypeVar("_T")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_ENTRY_KEYS = frozenset({"n", "time", "type", "prev_hash", "hash", "record"})
_CHECKPOINT_KEYS = frozenset({"n", "hash", "time", "signature"})
_HEADER_REQUIRED = frozenset({"format", "version", "public_key", "entries", "checkpoints"})
_HEADER_OPTIONAL = frozenset({"party", "exported_at"})


def entry_hash(prev_hash_hex: str, record: Mapping[str, Any]) -> str:
    """``hex(SHA-256(bytes.fromhex(prev_hash_hex) ‖ JCS(record)))``, the chain step of API.md.

    >>> entry_hash(GENESIS, {"type": "party.key", "party": "p1"})[:16]
    'b400cdd4a28764ed'
    """
    if not _HEX64.fullmatch(prev_hash_hex):
        raise InvalidInput(
            "A previous hash must be 64 lowercase hexadecimal digits (SHA-256).",
            field="prev_hash",
        )
    return hashlib.sha256(bytes.fromhex(prev_hash_hex) + canonical_json(record)).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit log entry as API.md serves it; ``record`` is ``None`` where redacted."""

    n: int
    time: str
    type: str
    prev_hash: str
    hash: str
    record: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        """The API.md shape ``{n, time, type, prev_hash, hash, record}``."""
        return {
            "n": self.n,
            "time": self.time,
            "type": self.type,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "record": self.record,
        }

    @classmethod
    def from_json(cls, obj: object) -> AuditEntry:
        """Parse the API.md shape; types only (the chain check judges the values)."""
        if not isinstance(obj, dict) or obj.keys() != _ENTRY_KEYS:
            raise InvalidInput(
                "An audit entry is an object with exactly the keys n, time, type, prev_hash, "
                "hash and record."
            )
        n, record = obj["n"], obj["record"]
        if type(n) is not int or n < 1:
            raise InvalidInput("An audit entry's n must be an integer ≥ 1.", field="n")
        for key in ("time", "type", "prev_hash", "hash"):
            if not isinstance(obj[key], str):
                raise InvalidInput(f"An audit entry's {key} must be a string.", field=key)
        if record is not None and not isinstance(record, dict):
            raise InvalidInput(
                "An audit entry's record must be a JSON object or null.", field="record"
            )
        return cls(n, obj["time"], obj["type"], obj["prev_hash"], obj["hash"], record)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The service's Ed25519 signature over JCS ``{"n", "hash", "time"}`` of the chain head."""

    n: int
    hash: str
    time: str
    signature: str

    def signed_part(self) -> dict[str, Any]:
        """The object the signature covers."""
        return {"n": self.n, "hash": self.hash, "time": self.time}

    def to_json(self) -> dict[str, Any]:
        """The API.md shape ``{n, hash, time, signature}``."""
        return {"n": self.n, "hash": self.hash, "time": self.time, "signature": self.signature}

    @classmethod
    def from_json(cls, obj: object) -> Checkpoint:
        """Parse the API.md shape, checking types and formats."""
        if not isinstance(obj, Mapping) or set(obj) != _CHECKPOINT_KEYS:
            raise InvalidInput(
                "A checkpoint is an object with exactly the keys n, hash, time and signature."
            )
        n = obj["n"]
        if type(n) is not int or n < 1:
            raise InvalidInput("A checkpoint's n must be an integer ≥ 1.", field="n")
        if not isinstance(obj["hash"], str) or not _HEX64.fullmatch(obj["hash"]):
            raise InvalidInput(
                "A checkpoint's hash must be 64 lowercase hexadecimal digits.", field="hash"
            )
        parse_rfc3339(obj["time"], field="time")
        if not isinstance(obj["signature"], str):
            raise InvalidInput("A checkpoint's signature must be a string.", field="signature")
        return cls(n, obj["hash"], obj["time"], obj["signature"])


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """What a verification established; ``first_bad`` and ``reason`` name the first failure.

    ``entries`` counts entries checked before the first failure (all of them on success),
    ``redacted`` those whose record was withheld, ``checkpoints`` the signed checkpoints that
    held. ``head_n``/``head_hash`` describe the last entry that verified.
    """

    entries: int = 0
    redacted: int = 0
    checkpoints: int = 0
    head_n: int = 0
    head_hash: str = GENESIS
    first_bad: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad is None

    @property
    def message(self) -> str:
        """``entry 1234: hash does not match its record``, or a one-line summary on success."""
        if self.first_bad is not None:
            return f"entry {self.first_bad}: {self.reason}"
        redacted = f" ({self.redacted} redacted: linkage only)" if self.redacted else ""
        return (
            f"ok: {self.entries} entries{redacted} and {self.checkpoints} signed checkpoints "
            f"verify; head is entry {self.head_n} with hash {self.head_hash}"
        )


def verify_chain(
    entries: Iterable[AuditEntry], *, record_hashes_only: bool = False
) -> VerifyResult:
    """Check numbering from 1, ``prev_hash`` linkage and each record's hash, in one pass.

    ``record_hashes_only=False`` (the service's own log): every entry must carry its record.
    ``record_hashes_only=True`` (a party's export): an entry whose record is ``None`` is
    accepted with its linkage checked and its content unproven (see the module docstring).
    Streams: memory does not grow with the number of entries.
    """
    expected = 1
    prev = GENESIS
    redacted = 0
    sha256 = hashlib.sha256
    fromhex = bytes.fromhex
    hex64 = _HEX64.fullmatch

    def failed(n: int, reason: str) -> VerifyResult:
        return VerifyResult(
            entries=expected - 1,
            redacted=redacted,
            head_n=expected - 1,
            head_hash=prev,
            first_bad=n,
            reason=reason,
        )

    for entry in entries:
        n = entry.n
        if n != expected:
            return failed(expected, _numbering_defect(n, expected))
        if entry.prev_hash != prev:
            return failed(n, _link_defect(n))
        record = entry.record
        if record is None:
            if not record_hashes_only:
                return failed(n, "record is missing; a full verification needs every record")
            if not isinstance(entry.hash, str) or not hex64(entry.hash):
                return failed(n, "hash is not 64 lowercase hexadecimal digits")
            redacted += 1
        else:
            if type(record) is not dict:
                return failed(n, "record is not a JSON object")
            try:
                digest = sha256(fromhex(prev) + canonical_json(record)).hexdigest()
            except InvalidInput as exc:
                return failed(n, f"record has no canonical JSON form: {exc.message}")
            if digest != entry.hash:
                return failed(n, "hash does not match its record")
            if "type" in record and record["type"] != entry.type:
                return failed(n, "type does not match the type in its record")
            if "time" in record and record["time"] != entry.time:
                return failed(n, "time does not match the time in its record")
        prev = entry.hash
        expected += 1
    return VerifyResult(
        entries=expected - 1, redacted=redacted, head_n=expected - 1, head_hash=prev
    )


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An entry as the service stores it: the record as the RFC 8785 text that was hashed."""

    n: int
    time: str
    type: str
    prev_hash: str
    hash: str
    record_jcs: str

    @classmethod
    def of(cls, entry: AuditEntry) -> StoredEntry:
        """The stored form of an entry with its record (``canonical_json`` as text)."""
        if entry.record is None:
            raise InvalidInput("A stored entry needs its record.", field="record")
        text = canonical_json(entry.record).decode("utf-8")
        return cls(entry.n, entry.time, entry.type, entry.prev_hash, entry.hash, text)


def verify_stored_chain(
    entries: Iterable[StoredEntry], *, after: tuple[int, str] = (0, GENESIS)
) -> VerifyResult:
    """:func:`verify_chain` for the service's own store, hashing each stored record text as is.

    The stored text is exactly what the hash binds, so any change to it shows without
    re-deriving JCS from a parsed record; it is parsed only to check that it is a JSON object
    whose ``type`` and ``time`` match the entry's. About twice as fast as :func:`verify_chain`.
    What it cannot tell is whether the stored text is canonical; a party's verification, which
    re-derives JCS from the record it is served, would report a non-canonical text as a hash
    mismatch. Messages and failures are the same as :func:`verify_chain`'s.

    ``after=(n, hash)`` verifies a later stretch of the chain, whose first entry must be
    ``n + 1`` and link to ``hash``; ``entries`` then counts that stretch only. Stretches can
    so be verified side by side and joined by their ends.
    """
    start = after[0]
    expected = start + 1
    prev = after[1]
    sha256 = hashlib.sha256
    fromhex = bytes.fromhex
    loads = json.loads

    def failed(n: int, reason: str) -> VerifyResult:
        return VerifyResult(
            entries=expected - 1 - start,
            head_n=expected - 1,
            head_hash=prev,
            first_bad=n,
            reason=reason,
        )

    for entry in entries:
        n = entry.n
        if n != expected:
            return failed(expected, _numbering_defect(n, expected))
        if entry.prev_hash != prev:
            return failed(n, _link_defect(n))
        text = entry.record_jcs
        if type(text) is not str:
            return failed(n, "record is missing; a full verification needs every record")
        if sha256(fromhex(prev) + text.encode("utf-8")).hexdigest() != entry.hash:
            return failed(n, "hash does not match its record")
        try:
            record = loads(text)
        except ValueError:
            return failed(n, "record is not JSON")
        if type(record) is not dict:
            return failed(n, "record is not a JSON object")
        if "type" in record and record["type"] != entry.type:
            return failed(n, "type does not match the type in its record")
        if "time" in record and record["time"] != entry.time:
            return failed(n, "time does not match the time in its record")
        prev = entry.hash
        expected += 1
    return VerifyResult(entries=expected - 1 - start, head_n=expected - 1, head_hash=prev)


def _numbering_defect(n: object, expected: int) -> str:
    if type(n) is int and n > expected:
        return f"missing: entry {n} stands where entry {expected} belongs"
    return (
        f"missing: found entry {n!r} (a duplicate or out of order) where entry {expected} belongs"
    )


def _link_defect(n: int) -> str:
    before = f"entry {n - 1}" if n > 1 else "the genesis hash (64 zeros)"
    return f"prev_hash does not match the hash of {before}"


def sign_checkpoint(private_key: Ed25519PrivateKey, n: int, hash: str, time: str) -> dict[str, Any]:
    """The API.md checkpoint ``{n, hash, time, signature}`` for the chain head ``n``.

    ``time`` is the RFC 3339 string that is served; it is signed exactly as given.
    """
    if type(n) is not int or n < 1:
        raise InvalidInput("A checkpoint's n must be an integer ≥ 1.", field="n")
    if not _HEX64.fullmatch(hash):
        raise InvalidInput(
            "A checkpoint's hash must be 64 lowercase hexadecimal digits.", field="hash"
        )
    parse_rfc3339(time, field="time")
    signed = {"n": n, "hash": hash, "time": time}
    return {**signed, "signature": sign_object(private_key, signed)}


def verify_checkpoints(
    checkpoints: Iterable[Checkpoint | Mapping[str, Any]],
    entry_hash_at: Callable[[int], str | None],
    service_public_key_b64: str,
) -> VerifyResult:
    """Check each checkpoint's signature and that the chain's hash at its ``n`` is the signed one.

    ``entry_hash_at(n)`` returns the chain's stored hash of entry ``n`` or ``None`` when the
    chain has no such entry (it was cut off). Checkpoints must come in order of ``n`` and
    ``time``. A malformed service key raises :class:`InvalidInput`; every other defect is the
    returned failure ``entry n: …``.
    """
    parse_public_key(service_public_key_b64, field="public_key")
    held = 0
    last_n, last_time = 0, float("-inf")
    for index, raw in enumerate(checkpoints, start=1):
        try:
            cp = Checkpoint.from_json(raw.to_json() if isinstance(raw, Checkpoint) else raw)
        except InvalidInput as exc:
            where = raw.get("n") if isinstance(raw, Mapping) else None
            return VerifyResult(
                checkpoints=held,
                first_bad=where if type(where) is int else last_n,
                reason=f"checkpoint {index} is malformed: {exc.message}",
            )
        reason = _checkpoint_defect(cp, entry_hash_at, service_public_key_b64, last_n, last_time)
        if reason is not None:
            return VerifyResult(checkpoints=held, first_bad=cp.n, reason=reason)
        held += 1
        last_n, last_time = cp.n, parse_rfc3339(cp.time)
    return VerifyResult(checkpoints=held)


def _checkpoint_defect(
    cp: Checkpoint,
    entry_hash_at: Callable[[int], str | None],
    service_public_key_b64: str,
    last_n: int,
    last_time: float,
) -> str | None:
    """Why ``cp`` fails, or ``None`` when it holds."""
    try:
        verify_object(service_public_key_b64, cp.signed_part(), cp.signature)
    except InvalidInput as exc:
        return f"the signed checkpoint does not verify with the service key: {exc.message}"
    if cp.n < last_n or parse_rfc3339(cp.time) < last_time:
        return "checkpoints are out of order: each must follow the previous in n and time"
    actual = entry_hash_at(cp.n)
    if actual is None:
        return (
            "a signed checkpoint covers this entry but the chain ends before it "
            "(entries were removed from the end)"
        )
    if actual != cp.hash:
        return "the chain's hash here differs from the hash the service signed"
    return None


@dataclass(frozen=True, slots=True)
class AuditExport:
    """An export file whose header has been read; entries and checkpoints stream on demand."""

    path: Path
    public_key: str
    entry_count: int
    checkpoint_count: int
    party: str | None = None
    exported_at: str | None = None

    def entries(self) -> Iterator[AuditEntry]:
        """The entry lines, parsed one at a time."""
        with self.path.open(encoding="utf-8") as handle:
            handle.readline()
            for line_no, obj in _json_lines(self.path, handle, 2, self.entry_count, "entry"):
                yield _parse_line(self.path, line_no, obj, AuditEntry.from_json)

    def checkpoints(self) -> Iterator[Checkpoint]:
        """The checkpoint lines, parsed one at a time (entry lines are skipped unparsed)."""
        with self.path.open(encoding="utf-8") as handle:
            for line_no in range(1, 2 + self.entry_count):
                if not handle.readline():
                    raise InvalidInput(
                        f"{self.path}:{line_no}: the file ends before the "
                        f"{self.entry_count} entries its header announces."
                    )
            first = 2 + self.entry_count
            lines = _json_lines(self.path, handle, first, self.checkpoint_count, "checkpoint")
            for line_no, obj in lines:
                yield _parse_line(self.path, line_no, obj, Checkpoint.from_json)
            extra = handle.readline()
            if extra.strip():
                end = first + self.checkpoint_count
                raise InvalidInput(
                    f"{self.path}:{end}: unexpected line after the "
                    f"{self.checkpoint_count} checkpoints the header announces."
                )


def read_export(path: Path) -> AuditExport:
    """Open an export file and validate its header line (see the module docstring)."""
    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the export file: {exc}.") from exc
    where = f"{path}:1"
    try:
        header = json.loads(first)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{where}: the header is not JSON: {exc.msg}.") from exc
    if not isinstance(header, dict) or header.get("format") != EXPORT_FORMAT:
        raise InvalidInput(f"{where}: not a skyshare audit export (no {EXPORT_FORMAT} header).")
    keys = set(header)
    if missing := sorted(_HEADER_REQUIRED - keys):
        raise InvalidInput(f"{where}: the header lacks {', '.join(missing)}.")
    if unknown := sorted(keys - _HEADER_REQUIRED - _HEADER_OPTIONAL):
        raise InvalidInput(f"{where}: the header has unknown keys {', '.join(unknown)}.")
    if header["version"] != EXPORT_VERSION:
        raise InvalidInput(
            f"{where}: export version {header['version']!r} is not supported "
            f"(this skyshare reads version {EXPORT_VERSION})."
        )
    for key in ("entries", "checkpoints"):
        if type(header[key]) is not int or header[key] < 0:
            raise InvalidInput(f"{where}: the header's {key} must be a count (an integer ≥ 0).")
    for key in ("party", "exported_at"):
        if key in header and not isinstance(header[key], str):
            raise InvalidInput(f"{where}: the header's {key} must be a string.")
    try:
        parse_public_key(header["public_key"], field=None)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from exc
    return AuditExport(
        path=path,
        public_key=header["public_key"],
        entry_count=header["entries"],
        checkpoint_count=header["checkpoints"],
        party=header.get("party"),
        exported_at=header.get("exported_at"),
    )


def verify_export(path: Path) -> VerifyResult:
    """Verify an export offline: its chain (redacted entries allowed), then its checkpoints.

    Three streaming passes: collect the checkpoints' entry numbers, verify the chain while
    keeping the hashes at those numbers, then verify the checkpoints against them.
    """
    export = read_export(path)
    wanted = {cp.n for cp in export.checkpoints()}
    hashes: dict[int, str] = {}

    def tapped() -> Iterator[AuditEntry]:
        for entry in export.entries():
            if entry.n in wanted:
                hashes[entry.n] = entry.hash
            yield entry

    chain = verify_chain(tapped(), record_hashes_only=True)
    if not chain.ok:
        return chain
    if chain.head_n in wanted:
        hashes[chain.head_n] = chain.head_hash
    marks = verify_checkpoints(export.checkpoints(), hashes.get, export.public_key)
    return VerifyResult(
        entries=chain.entries,
        redacted=chain.redacted,
        checkpoints=marks.checkpoints,
        head_n=chain.head_n,
        head_hash=chain.head_hash,
        first_bad=marks.first_bad,
        reason=marks.reason,
    )


def write_export(
    path: Path,
    public_key_b64: str,
    entries: Iterable[AuditEntry],
    checkpoints: Iterable[Checkpoint | Mapping[str, Any]],
    *,
    party: str | None = None,
    exported_at: str | None = None,
) -> None:
    """Write an export file; entries stream through a temporary file so memory stays flat."""
    parse_public_key(public_key_b64, field="public_key")
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=path.parent) as body:
        entry_count = _write_lines(body, (entry.to_json() for entry in entries))
        checkpoint_count = _write_lines(
            body,
            (
                (cp if isinstance(cp, Checkpoint) else Checkpoint.from_json(cp)).to_json()
                for cp in checkpoints
            ),
        )
        header: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "public_key": public_key_b64,
            "entries": entry_count,
            "checkpoints": checkpoint_count,
        }
        if party is not None:
            header["party"] = party
        if exported_at is not None:
            header["exported_at"] = exported_at
        body.seek(0)
        with path.open("w", encoding="utf-8") as out:
            out.write(json.dumps(header, ensure_ascii=False) + "\n")
            shutil.copyfileobj(body, out)


def _write_lines(handle: TextIO, objects: Iterable[dict[str, Any]]) -> int:
    count = 0
    dumps = json.dumps
    for obj in objects:
        handle.write(dumps(obj, ensure_ascii=False, allow_nan=False) + "\n")
        count += 1
    return count


def _json_lines(
    path: Path, handle: TextIO, first_line: int, count: int, what: str
) -> Iterator[tuple[int, object]]:
    """``count`` JSON values, one per line from ``first_line``; ``file:line`` errors."""
    loads = json.loads
    for line_no in range(first_line, first_line + count):
        line = handle.readline()
        if not line:
            raise InvalidInput(
                f"{path}:{line_no}: the file ends early: the header announces {count} "
                f"{what} lines, found {line_no - first_line}."
            )
        try:
            yield line_no, loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path}:{line_no}: not JSON: {exc.msg}.") from exc


def _parse_line(path: Path, line_no: int, obj: object, parse: Callable[[object], _T]) -> _T:
    try:
        return parse(obj)
    except InvalidInput as exc:
        raise InvalidInput(f"{path}:{line_no}: {exc.message}", field=exc.field) from exc
