"""Build and verify a 1,000,000-entry audit chain; target: verify in ≤ 10 s (issue 7).

Usage::

    python benchmarks/bench_audit.py            # 10^6 entries, median of 3 runs
    python benchmarks/bench_audit.py --quick    # 10^4 entries, for CI

First checks, on a sample of the records, that the fast canonical JSON path equals the
reference ``rfc8785`` output and that a tampered entry is caught; then prints medians.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skyshare.audit.chain import (
    GENESIS,
    AuditEntry,
    StoredEntry,
    entry_hash,
    sign_checkpoint,
    verify_chain,
    verify_export,
    verify_stored_chain,
    write_export,
)
from skyshare.audit.jcs import canonical_json, canonical_json_reference
from skyshare.audit.signing import generate_private_key, public_key_b64, sign_object
from skyshare.timefmt import format_rfc3339

T0_S = 1_795_514_400.0  # 2026-11-24T10:00:00Z
PARTIES = ("party-usaf", "party-vks", "party-ansp")


def make_record(rng: random.Random, n: int, time_text: str, signature: str) -> dict[str, Any]:
    """A record shaped like the service's: messages, acks, notices, conflicts, keys."""
    kind = n % 10
    sender, recipient = rng.sample(PARTIES, 2)
    if kind < 4:
        return {
            "type": "message.sent",
            "time": time_text,
            "message_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "from": sender,
            "to": recipient,
            "sent_at": time_text,
            "conflict_id": f"c-{n // 7}",
            "template": "request_climb",
            "params": {"altitude_m": float(rng.randrange(1000, 12000, 50))},
            "signature": signature,
        }
    if kind < 6:
        return {
            "type": "message.acknowledged",
            "time": time_text,
            "message_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "by": recipient,
            "signature": signature,
        }
    if kind < 9:
        lat, lng = rng.uniform(32.0, 37.0), rng.uniform(35.5, 42.0)
        return {
            "type": "notice.written",
            "time": time_text,
            "notice_id": f"n-{n}",
            "owner": sender,
            "ovn": uuid.UUID(int=rng.getrandbits(128)).hex,
            "state": "accepted",
            "volumes": [
                {
                    "outline_circle": {"center": {"lat": lat, "lng": lng}, "radius_m": 9260.0},
                    "altitude_lower": {"value": 3048.0, "reference": "W84", "units": "M"},
                    "altitude_upper": {"value": 6096.0, "reference": "W84", "units": "M"},
                    "time_start": time_text,
                    "time_end": format_rfc3339(T0_S + n + 3600),
                }
            ],
        }
    return {
        "type": "conflict.opened",
        "time": time_text,
        "conflict_id": f"c-{n // 7}",
        "kind": "tactical",
        "parties": sorted((sender, recipient)),
        "tcpa_s": round(rng.uniform(10, 300), 1),
        "dcpa_m": round(rng.uniform(100, 9000), 1),
    }


def build_chain(count: int, seed: int = 7) -> tuple[list[AuditEntry], list[StoredEntry]]:
    """The chain twice: as served (parsed records) and as stored (the hashed JCS text)."""
    rng = random.Random(seed)
    key = generate_private_key()
    signature = sign_object(key, {"seed": seed})
    entries: list[AuditEntry] = []
    stored: list[StoredEntry] = []
    prev = GENESIS
    for n in range(1, count + 1):
        time_text = format_rfc3339(T0_S + n * 0.5)
        record = make_record(rng, n, time_text, signature)
        text = canonical_json(record)
        digest = hashlib.sha256(bytes.fromhex(prev) + text).hexdigest()
        entries.append(AuditEntry(n, time_text, record["type"], prev, digest, record))
        stored.append(StoredEntry(n, time_text, record["type"], prev, digest, text.decode()))
        prev = digest
    return entries, stored


@dataclass(frozen=True)
class Timing:
    """Medians over the runs of wall-clock and CPU seconds (CPU is steadier on a shared box)."""

    wall_s: float
    cpu_s: float
    runs: tuple[float, ...]

    def line(self, label: str, count: int) -> str:
        walls = ", ".join(f"{r:.2f}" for r in self.runs)
        return (
            f"{label:<22} wall {self.wall_s:6.2f} s  CPU {self.cpu_s:6.2f} s "
            f"({self.cpu_s / count * 1e6:5.2f} µs/entry CPU; wall runs {walls})"
        )


def measure(fn: Callable[[], object], runs: int) -> Timing:
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return Timing(statistics.median(walls), statistics.median(cpus), tuple(walls))


def sanity(entries: list[AuditEntry]) -> None:
    """The fast JCS path equals the reference; a tampered entry is named."""
    for entry in entries[:2000]:
        assert entry.record is not None
        assert canonical_json(entry.record) == canonical_json_reference(entry.record)
        assert entry_hash(entry.prev_hash, entry.record) == entry.hash
    k = min(len(entries), 1234)
    tampered = list(entries[: k + 5])
    bad = tampered[k - 1]
    assert bad.record is not None
    tampered[k - 1] = AuditEntry(
        bad.n, bad.time, bad.type, bad.prev_hash, bad.hash, {**bad.record, "to": "forged"}
    )
    result = verify_chain(tampered)
    assert result.first_bad == k, result.message


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^4 entries instead of 10^6")
    parser.add_argument("--entries", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--checkpoint-every", type=int, default=120, help="entries per checkpoint")
    args = parser.parse_args()
    count = args.entries or (10_000 if args.quick else 1_000_000)

    load = os.getloadavg()[0]
    build_s = time.perf_counter()
    entries, stored = build_chain(count)
    build_s = time.perf_counter() - build_s
    sanity(entries)

    chain = measure(lambda: _check(verify_chain(entries).ok), args.runs)
    stored_chain = measure(lambda: _check(verify_stored_chain(stored).ok), args.runs)
    stored.clear()

    sample = entries[:20_000]
    slow = measure(lambda: [canonical_json_reference(e.record) for e in sample], 1)
    fast = measure(lambda: [canonical_json(e.record) for e in sample], 1)

    service_key = generate_private_key()
    every = args.checkpoint_every
    checkpoints = [
        sign_checkpoint(service_key, e.n, e.hash, e.time) for e in entries[every - 1 :: every]
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "audit.jsonl"
        key_b64 = public_key_b64(service_key)
        write = measure(lambda: write_export(path, key_b64, iter(entries), checkpoints), 1)
        size_mb = path.stat().st_size / 1e6
        entries.clear()  # free the in-memory chain before reading the file
        gc.collect()
        export = measure(lambda: _check(verify_export(path).ok), args.runs)

    print(f"entries {count:,}; medians of {args.runs} runs; load average at start {load:.1f}")
    print(f"build chain            wall {build_s:6.2f} s")
    print(chain.line("verify_chain", count))
    print(stored_chain.line("verify_stored_chain", count))
    print(f"JCS fast path          {slow.cpu_s / fast.cpu_s:.1f}× faster than rfc8785 (CPU)")
    print(write.line("write_export", count) + f" {size_mb:,.0f} MB")
    print(export.line("verify_export", count) + f" with {len(checkpoints):,} checkpoints")
    verdict = "met" if chain.cpu_s <= 10 else "MISSED"
    print(f"target: verify 10^6 entries in ≤ 10 s: {verdict} in CPU time")


def _check(ok: bool) -> None:
    assert ok


if __name__ == "__main__":
    main()
