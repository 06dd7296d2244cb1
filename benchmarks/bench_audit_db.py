"""Verify a 1,000,000-entry audit table in a SQLite file with ``skyshare audit verify --db``.

Usage::

    python benchmarks/bench_audit_db.py             # 10^6 entries, median of 3 runs
    python benchmarks/bench_audit_db.py --quick     # 10^4 entries

Builds a real service database (Alembic schema, the service key in ``meta``) whose audit
table holds records shaped like the service's (``bench_audit.make_record``) and a signed
checkpoint every 1,000 entries, as the checkpoint worker would leave them. First checks that
the untouched file verifies (exit 0) and that one edited row is named (exit 1); then times the
command as a user runs it: a fresh process, wall clock, including start-up.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_audit import PARTIES, T0_S, make_record

from skyshare.audit.chain import GENESIS, sign_checkpoint
from skyshare.audit.jcs import canonical_json
from skyshare.audit.signing import generate_private_key, private_key_pem, sign_object
from skyshare.services.service_key import SERVICE_KEY
from skyshare.store.database import open_database
from skyshare.timefmt import format_rfc3339

SKYSHARE = [sys.executable, "-m", "skyshare.cli"]


def build(path: Path, count: int, checkpoint_every: int) -> float:
    """Write the database; returns the seconds it took."""
    start = time.perf_counter()
    open_database(str(path)).dispose()  # the real schema, through the migrations
    key = generate_private_key()
    rng = random.Random(7)
    signature = sign_object(generate_private_key(), {"seed": 7})
    readers = '["' + PARTIES[0] + '","' + PARTIES[1] + '"]'
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)",
                 (SERVICE_KEY, private_key_pem(key).decode("ascii")))  # fmt: skip
    prev = GENESIS
    batch: list[tuple[object, ...]] = []
    checkpoints: list[tuple[object, ...]] = []
    for n in range(1, count + 1):
        t = T0_S + n * 0.5
        time_text = format_rfc3339(t)
        record = make_record(rng, n, time_text, signature)
        text = canonical_json(record)
        digest = hashlib.sha256(bytes.fromhex(prev) + text).hexdigest()
        batch.append((n, t, record["type"], prev, digest, text.decode(), readers))
        if n % checkpoint_every == 0 or n == count:
            cp = sign_checkpoint(key, n, digest, format_rfc3339(t + 0.25))
            checkpoints.append((cp["n"], cp["hash"], cp["time"], cp["signature"]))
        if len(batch) == 50_000:
            conn.executemany("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
            batch.clear()
        prev = digest
    conn.executemany("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
    conn.executemany("INSERT INTO checkpoints VALUES (?, ?, ?, ?)", checkpoints)
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return time.perf_counter() - start


def verify(path: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall-clock seconds of one ``skyshare audit verify --db`` process, and its result."""
    start = time.perf_counter()
    r = subprocess.run([*SKYSHARE, "audit", "verify", "--db", str(path)],
                       capture_output=True, text=True, check=False)  # fmt: skip
    return time.perf_counter() - start, r


def children_cpu_s() -> float:
    """CPU seconds used so far by finished child processes: steadier on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sanity(path: Path, count: int) -> None:
    """Untouched: exit 0. One record edited: exit 1 naming that entry. Then restored."""
    _, r = verify(path)
    assert r.returncode == 0, r.stdout + r.stderr
    n = count * 7 // 9 or 1
    with sqlite3.connect(path) as conn:
        (record,) = conn.execute("SELECT record FROM audit WHERE n = ?", (n,)).fetchone()
        conn.execute("UPDATE audit SET record = ? WHERE n = ?", (record.replace("1", "2"), n))
    _, bad = verify(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE audit SET record = ? WHERE n = ?", (record, n))
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert bad.stdout.startswith(f"entry {n}: "), bad.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^4 entries instead of 10^6")
    parser.add_argument("--entries", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--checkpoint-every", type=int, default=1000)
    args = parser.parse_args()
    count = args.entries or (10_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "audit.db"
        build_s = build(path, count, args.checkpoint_every)
        size_mb = path.stat().st_size / 1e6
        sanity(path, count)
        runs, cpu = [], []
        for _ in range(args.runs):
            before = children_cpu_s()
            seconds, r = verify(path)
            cpu.append(children_cpu_s() - before)
            assert r.returncode == 0, r.stdout + r.stderr
            runs.append(seconds)
        last = r.stdout.strip()
    median_s = statistics.median(runs)
    print(f"entries                          {count:>12,}")
    print(f"build database                   {build_s:>10.1f} s ({size_mb:,.0f} MB)")
    print(
        f"skyshare audit verify --db       {median_s:>10.2f} s median of {args.runs} "
        f"({median_s / count * 1e6:.2f} µs/entry; runs {', '.join(f'{x:.2f}' for x in runs)})"
    )
    print(f"  CPU time of that process         {statistics.median(cpu):>8.2f} s median")
    print(f"  {last}")
    verdict = "met" if median_s <= 10 else "MISSED"
    print(f"target ≤ 10 s                    {verdict} (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
