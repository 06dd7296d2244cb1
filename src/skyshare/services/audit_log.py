"""Reading the audit chain as a party may see it, signing its head, and verifying it whole.

A party sees the record of every entry whose readers include it (or everyone); the other
entries keep ``n``, ``time``, ``type``, ``prev_hash`` and ``hash`` with ``record: null``, so
its copy still chains without revealing what others did (API.md).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator
from typing import Any

from skyshare.audit.chain import (
    GENESIS,
    StoredEntry,
    VerifyResult,
    sign_checkpoint,
    verify_checkpoints,
    verify_stored_chain,
)
from skyshare.services.context import Caller, Context
from skyshare.services.outbox import EVERYONE
from skyshare.services.service_key import service_key, service_public_key, stored_public_key
from skyshare.store import audit as audit_store
from skyshare.store import checkpoints as checkpoint_store
from skyshare.store.checkpoints import CheckpointRow
from skyshare.store.database import Database
from skyshare.timefmt import format_rfc3339, parse_rfc3339

__all__ = [
    "audit_key",
    "checkpoint_now",
    "list_checkpoints",
    "list_entries",
    "verify_database",
]


def list_entries(
    ctx: Context, caller: Caller, after: int = 0, limit: int = 1000
) -> list[dict[str, Any]]:
    """Entries ``n > after`` in order; ``record`` is null where the caller may not read it."""
    with ctx.db.read() as conn:
        rows = list(audit_store.iter_rows(conn, after, limit))
    me = caller.party_id
    out = []
    for r in rows:
        readable = me is None or EVERYONE in r.readers or me in r.readers
        out.append(
            {
                "n": r.n,
                "time": format_rfc3339(r.time),
                "type": r.type,
                "prev_hash": r.prev_hash,
                "hash": r.hash,
                "record": json.loads(r.record) if readable else None,
            }
        )
    return out


def _cp_json(cp: CheckpointRow) -> dict[str, Any]:
    return {"n": cp.n, "hash": cp.hash, "time": cp.time, "signature": cp.signature}


def list_checkpoints(ctx: Context, after: int = 0, limit: int = 10_000) -> list[dict[str, Any]]:
    """Signed checkpoints with ``n > after``, oldest first (every party sees all of them)."""
    with ctx.db.read() as conn:
        return [_cp_json(cp) for cp in checkpoint_store.list_after(conn, after, limit)]


def audit_key(ctx: Context) -> dict[str, Any]:
    """``GET /v1/audit/key``: the service's public key that signs checkpoints and drills."""
    return {"public_key": service_public_key(ctx)}


def checkpoint_now(ctx: Context) -> dict[str, Any] | None:
    """Sign the chain head if it moved since the last checkpoint; the new checkpoint or None.

    Times never go backwards between checkpoints, even if the clock does, because verifiers
    require checkpoints in order of both ``n`` and ``time``.
    """
    key = service_key(ctx)
    with ctx.db.write() as tx:
        head = audit_store.head(tx.conn)
        last = checkpoint_store.latest(tx.conn)
        if head is None or (last is not None and last.n >= head[0]):
            return None
        now = ctx.now()
        if last is not None:
            now = max(now, parse_rfc3339(last.time))
        signed = sign_checkpoint(key, head[0], head[1], format_rfc3339(now))
        cp = CheckpointRow(signed["n"], signed["hash"], signed["time"], signed["signature"])
        checkpoint_store.insert(tx.conn, cp)
        return _cp_json(cp)


class _TimeText:
    """``format_rfc3339`` for a stream of nearby times, making the date part once a minute.

    A third of the time of verifying a stored chain went into formatting entry times; the
    audit's times come in order, so the ``YYYY-MM-DDTHH:MM:`` prefix rarely changes. A value
    that is not a finite number (a tampered column) becomes text no record can match.
    """

    def __init__(self) -> None:
        self._minute: int | None = None
        self._prefix = ""

    def __call__(self, seconds: object) -> str:
        if type(seconds) is not float and type(seconds) is not int:
            return f"not a time: {seconds!r}"
        if not math.isfinite(seconds):
            return f"not a time: {seconds!r}"
        whole = math.floor(seconds)
        ms = round((seconds - whole) * 1000)
        if ms == 1000:
            whole, ms = whole + 1, 0
        minute, second = divmod(whole, 60)
        if minute != self._minute:
            try:
                self._prefix = format_rfc3339(minute * 60)[:17]
            except (ValueError, OverflowError, OSError):
                return f"not a time: {seconds!r}"
            self._minute = minute
        return f"{self._prefix}{second:02d}.{ms:03d}Z" if ms else f"{self._prefix}{second:02d}Z"


def verify_database(
    ctx: Context, public_key: str | None = None, *, jobs: int = 1, min_per_job: int = 100_000
) -> VerifyResult:
    """Verify every stored entry and checkpoint.

    Each stored record text is hashed as is (``verify_stored_chain``): it is what the service
    hashed when it appended the entry. With ``jobs > 1`` and at least ``min_per_job`` entries
    per job, stretches of the chain are verified in parallel processes, each from its own
    read snapshot, and joined by checking that each stretch's first ``prev_hash`` is the hash
    that ends the stretch before it; the first failure by entry number is reported.

    ``public_key`` pins the service key obtained out of band; without it the key stored in the
    same database is used, which proves the chain against checkpoints but not against someone
    who could rewrite the whole file (see ``services/service_key.py``).
    """
    with ctx.db.read() as conn:
        checkpoints = checkpoint_store.list_after(conn)
        key = public_key or stored_public_key(conn)
        last = audit_store.last_n(conn)
    wanted = frozenset(cp.n for cp in checkpoints)
    stretches = max(1, min(jobs, last // max(1, min_per_job)))
    if stretches == 1:
        chain, _, hashes = _verify_stretch(ctx.db, 0, None, wanted)
    else:
        chain, hashes = _verify_in_parallel(ctx.db.url, last, stretches, wanted)
    if not chain.ok or not checkpoints:
        return chain
    if key is None:
        return VerifyResult(
            entries=chain.entries,
            head_n=chain.head_n,
            head_hash=chain.head_hash,
            first_bad=checkpoints[0].n,
            reason="checkpoints are stored but the database holds no service key to check them",
        )
    marks = verify_checkpoints([_cp_json(cp) for cp in checkpoints], hashes.get, key)
    return VerifyResult(
        entries=chain.entries,
        checkpoints=marks.checkpoints,
        head_n=chain.head_n,
        head_hash=chain.head_hash,
        first_bad=marks.first_bad,
        reason=marks.reason,
    )


def _verify_stretch(
    db: Database, after: int, upto: int | None, wanted: frozenset[int]
) -> tuple[VerifyResult, tuple[int, str] | None, dict[int, str]]:
    """Verify entries ``after < n ≤ upto`` (to the end when ``upto`` is None).

    Returns the result, the first entry's ``(n, prev_hash)`` (which the caller joins to the
    stretch before; the first stretch is held to the genesis hash itself), and the stored
    hashes at the entry numbers in ``wanted``.
    """
    hashes: dict[int, str] = {}
    with db.read() as conn:
        rows = audit_store.iter_chain(conn, after, upto)
        first = next(rows, None)
        if first is None:
            return VerifyResult(head_n=after), None, hashes
        joined = first[3] if after > 0 else GENESIS

        def entries() -> Iterator[StoredEntry]:
            time_text = _TimeText()
            for n, time_s, type_, prev_hash, hash_, text in itertools.chain((first,), rows):
                if n in wanted:
                    hashes[n] = hash_
                yield StoredEntry(n, time_text(time_s), type_, prev_hash, hash_, text)

        try:
            result = verify_stored_chain(entries(), after=(after, joined))
        finally:
            rows.close()  # release the cursor before the connection goes back
        return result, (first[0], first[3]), hashes


def _verify_stretch_at(
    url: str, after: int, upto: int | None, wanted: frozenset[int]
) -> tuple[VerifyResult, tuple[int, str] | None, dict[int, str]]:
    """:func:`_verify_stretch` on a database handle of its own, for another process."""
    from skyshare.store.database import open_database

    db = open_database(url, migrate=False)
    try:
        return _verify_stretch(db, after, upto, wanted)
    finally:
        db.dispose()


def _verify_in_parallel(
    url: str, last: int, stretches: int, wanted: frozenset[int]
) -> tuple[VerifyResult, dict[int, str]]:
    """Split ``1 … last`` into ``stretches`` ranges, verify them in processes, join the ends."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    bounds = [last * i // stretches for i in range(stretches + 1)]
    ranges = [(bounds[i], None if i == stretches - 1 else bounds[i + 1]) for i in range(stretches)]
    spawn = multiprocessing.get_context("spawn")  # no inherited threads or open connections
    with ProcessPoolExecutor(max_workers=stretches, mp_context=spawn) as pool:
        futures = [pool.submit(_verify_stretch_at, url, lo, hi, wanted) for lo, hi in ranges]
        parts = [f.result() for f in futures]
    hashes: dict[int, str] = {}
    entries = 0
    head_n, head_hash = 0, GENESIS

    def failed(n: int, reason: str) -> tuple[VerifyResult, dict[int, str]]:
        result = VerifyResult(
            entries=entries, head_n=head_n, head_hash=head_hash, first_bad=n, reason=reason
        )
        return result, hashes

    for (lo, _), (result, first, part_hashes) in zip(ranges, parts, strict=True):
        if first is None:
            continue  # nothing stored in this range; the next stretch notices the gap
        first_n, first_prev = first
        if lo > 0 and head_n != lo:
            # The entries before this stretch end early: the gap starts after head_n.
            return failed(
                head_n + 1, f"missing: entry {first_n} stands where entry {head_n + 1} belongs"
            )
        if lo > 0 and first_n == lo + 1 and first_prev != head_hash:
            return failed(lo + 1, f"prev_hash does not match the hash of entry {lo}")
        hashes.update(part_hashes)
        entries += result.entries
        if not result.ok:
            return VerifyResult(
                entries=entries,
                head_n=result.head_n,
                head_hash=result.head_hash,
                first_bad=result.first_bad,
                reason=result.reason,
            ), hashes
        head_n, head_hash = result.head_n, result.head_hash
    return VerifyResult(entries=entries, head_n=head_n, head_hash=head_hash), hashes
