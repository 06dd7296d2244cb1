"""``skyshare audit verify``: every single change to the stored log is caught and named."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from skyshare.audit.chain import VerifyResult
from skyshare.audit.jcs import canonical_json
from skyshare.audit.signing import generate_private_key, public_key_b64
from skyshare.cli.main import cli
from skyshare.services.audit_log import verify_database
from skyshare.services.context import Context
from skyshare.store.database import open_database
from tests.cli.audit_db import build, chain_hash, rows


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    path = tmp_path_factory.mktemp("audit") / "skyshare.db"
    return path, build(path)


@pytest.fixture
def db(pristine: tuple[Path, list[int]], tmp_path: Path) -> Path:
    """A private copy of the pristine database to tamper with."""
    copy = tmp_path / "copy.db"
    shutil.copy(pristine[0], copy)
    return copy


def verify_in_stretches(path: Path, jobs: int) -> VerifyResult:
    database = open_database(str(path), migrate=False)
    try:
        return verify_database(Context(database), jobs=jobs, min_per_job=1)
    finally:
        database.dispose()


def verify(*args: str) -> Result:
    return CliRunner().invoke(cli, ["audit", "verify", *args])


def sql(path: Path, *statements: str, params: tuple[object, ...] = ()) -> None:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement, params if "?" in statement else ())


def test_an_untouched_log_verifies(db: Path, pristine: tuple[Path, list[int]]) -> None:
    r = verify("--db", str(db))
    assert r.exit_code == 0, r.output
    total = len(rows(db))
    assert f"ok: {total} entries and {len(pristine[1])} signed checkpoints verify" in r.output
    assert total > 20
    assert verify_in_stretches(db, 3).message == r.output.strip()


def forge(record_text: str) -> str:
    """The same record, canonical, with one field added."""
    return canonical_json(json.loads(record_text) | {"forged": True}).decode()


def shift_up_from(path: Path, k: int) -> None:
    """Renumber entries n ≥ k to n + 1, leaving a gap at k."""
    sql(path, f"UPDATE audit SET n = -n - 1 WHERE n >= {k}", "UPDATE audit SET n = -n WHERE n < 0")


def edit_record(path: Path) -> int:
    n, *_, record = rows(path)[9]
    sql(
        path,
        "UPDATE audit SET record = ? WHERE n = ?",
        params=(record.replace("altitude_m", "altitude_ft"), n),
    )
    return n


def edit_hash(path: Path) -> int:
    n = rows(path)[9][0]
    sql(path, "UPDATE audit SET hash = ? WHERE n = ?", params=("0" * 64, n))
    return n


def edit_prev_hash(path: Path) -> int:
    n = rows(path)[9][0]
    sql(path, "UPDATE audit SET prev_hash = ? WHERE n = ?", params=("f" * 64, n))
    return n


def edit_type(path: Path) -> int:
    n = rows(path)[9][0]
    sql(path, "UPDATE audit SET type = 'message.deleted' WHERE n = ?", params=(n,))
    return n


def edit_time(path: Path) -> int:
    n = rows(path)[9][0]
    sql(path, "UPDATE audit SET time = time + 3600 WHERE n = ?", params=(n,))
    return n


def edit_time_to_text(path: Path) -> int:
    n = rows(path)[9][0]
    sql(path, "UPDATE audit SET time = 'yesterday' WHERE n = ?", params=(n,))
    return n


def delete_one(path: Path) -> int:
    n = rows(path)[9][0]
    sql(path, "DELETE FROM audit WHERE n = ?", params=(n,))
    return n


def delete_and_renumber(path: Path) -> int:
    n = rows(path)[9][0]
    sql(
        path, "DELETE FROM audit WHERE n = ?", "UPDATE audit SET n = n - 1 WHERE n > ?", params=(n,)
    )
    return n


def swap_two(path: Path) -> int:
    a, b = rows(path)[9], rows(path)[10]
    for (n, *_), (_, *rest) in ((a, b), (b, a)):
        sql(
            path,
            "UPDATE audit SET time = ?, type = ?, prev_hash = ?, hash = ?, record = ? WHERE n = ?",
            params=(*rest, n),
        )
    return a[0]


def insert_copy(path: Path) -> int:
    """A duplicate of an entry: the copy fits, so the chain breaks at the original after it."""
    n, *rest = rows(path)[9]
    shift_up_from(path, n)
    sql(
        path,
        "INSERT INTO audit (n, time, type, prev_hash, hash, record, readers) "
        "VALUES (?, ?, ?, ?, ?, ?, '[\"*\"]')",
        params=(n, *rest),
    )
    return n + 1


def insert_well_chained(path: Path) -> int:
    """An entry forged with a correct hash: the chain breaks at the entry after it."""
    n, time_s, _, prev_hash, _, _ = rows(path)[9]
    record = json.dumps({"note": "forged"}, separators=(",", ":"))
    shift_up_from(path, n)
    sql(
        path,
        "INSERT INTO audit (n, time, type, prev_hash, hash, record, readers) "
        "VALUES (?, ?, 'party.added', ?, ?, ?, '[\"*\"]')",
        params=(n, time_s, prev_hash, chain_hash(prev_hash, record), record),
    )
    return n + 1


TAMPERING: list[tuple[Callable[[Path], int], str]] = [
    (edit_record, "hash does not match its record"),
    (edit_hash, "hash does not match its record"),
    (edit_prev_hash, "prev_hash does not match the hash of entry"),
    (edit_type, "type does not match"),
    (edit_time, "time does not match"),
    (edit_time_to_text, "time does not match"),
    (delete_one, "missing"),
    (delete_and_renumber, "prev_hash does not match the hash of entry"),
    (swap_two, "prev_hash does not match"),
    (insert_copy, "prev_hash does not match"),
    (insert_well_chained, "prev_hash does not match"),
]


@pytest.mark.parametrize(("tamper", "reason"), TAMPERING, ids=[t.__name__ for t, _ in TAMPERING])
def test_each_change_is_caught_naming_the_first_bad_entry(
    db: Path, tamper: Callable[[Path], int], reason: str
) -> None:
    bad = tamper(db)
    r = verify("--db", str(db))
    assert r.exit_code == 1, r.output
    first_line = r.output.strip().splitlines()[0]
    assert first_line.startswith(f"entry {bad}: "), first_line
    assert reason in first_line


def boundary(path: Path) -> int:
    """Where two parallel stretches meet: the last entry of the first of two."""
    return len(rows(path)) // 2


def edit_record_at(path: Path, n: int) -> None:
    (record,) = [r[5] for r in rows(path) if r[0] == n]
    sql(path, "UPDATE audit SET record = ? WHERE n = ?", params=(forge(record), n))


STRETCH_TAMPERING: list[tuple[str, Callable[[Path, int], object], int]] = [
    ("record ending the first stretch", edit_record_at, 0),
    ("record starting the second", lambda p, m: edit_record_at(p, m + 1), 1),
    (
        "link across the join",
        lambda p, m: sql(p, f"UPDATE audit SET prev_hash = '{'f' * 64}' WHERE n = {m + 1}"),
        1,
    ),
    ("last of the first deleted", lambda p, m: sql(p, f"DELETE FROM audit WHERE n = {m}"), 0),
    ("first of the second deleted", lambda p, m: sql(p, f"DELETE FROM audit WHERE n = {m + 1}"), 1),
    (
        "a run across the join deleted",
        lambda p, m: sql(p, f"DELETE FROM audit WHERE n BETWEEN {m - 2} AND {m + 2}"),
        -2,
    ),
]


@pytest.mark.parametrize(
    ("case", "tamper", "offset"), STRETCH_TAMPERING, ids=[c[0] for c in STRETCH_TAMPERING]
)
def test_stretches_verified_in_parallel_give_the_same_verdict(
    db: Path, case: str, tamper: Callable[[Path, int], object], offset: int
) -> None:
    m = boundary(db)
    tamper(db, m)
    alone = verify("--db", str(db), "--jobs", "1")
    assert alone.exit_code == 1
    assert alone.output.startswith(f"entry {m + offset}: "), alone.output
    assert verify_in_stretches(db, 2).message == alone.output.strip()


def test_removing_the_tail_is_caught_by_the_last_checkpoint(
    db: Path, pristine: tuple[Path, list[int]]
) -> None:
    last = pristine[1][-1]
    sql(db, f"DELETE FROM audit WHERE n >= {last - 2}")
    r = verify("--db", str(db))
    assert r.exit_code == 1
    assert r.output.startswith(f"entry {last}: ")
    assert "removed from the end" in r.output


def test_a_rewritten_and_rehashed_history_is_caught_by_a_checkpoint(
    db: Path, pristine: tuple[Path, list[int]]
) -> None:
    """Someone without the service key edits a record and re-hashes every entry after it."""
    first_mark = pristine[1][0]
    entries = rows(db)
    prev = entries[4][4]
    with sqlite3.connect(db) as conn:
        for n, _, _, _, _, record in entries[5:]:
            if n == entries[5][0]:
                record = forge(record)
            digest = chain_hash(prev, record)
            conn.execute(
                "UPDATE audit SET prev_hash = ?, hash = ?, record = ? WHERE n = ?",
                (prev, digest, record, n),
            )
            prev = digest
    r = verify("--db", str(db))
    assert r.exit_code == 1
    assert r.output.startswith(f"entry {first_mark}: the chain's hash here differs"), r.output


@pytest.mark.parametrize(
    ("column", "value"),
    [("hash", "'" + "a" * 64 + "'"), ("time", "'2030-01-01T00:00:00Z'"), ("n", "n - 1")],
)
def test_a_checkpoint_that_does_not_match_is_caught(
    db: Path, pristine: tuple[Path, list[int]], column: str, value: str
) -> None:
    mark = pristine[1][0]
    sql(db, f"UPDATE checkpoints SET {column} = {value} WHERE n = {mark}")
    r = verify("--db", str(db))
    assert r.exit_code == 1
    assert r.output.startswith("entry "), r.output
    assert "checkpoint" in r.output or "signed" in r.output


def test_a_forged_checkpoint_signature_is_caught(
    db: Path, pristine: tuple[Path, list[int]]
) -> None:
    mark = pristine[1][-1]
    with sqlite3.connect(db) as conn:
        (signature,) = conn.execute(
            "SELECT signature FROM checkpoints WHERE n = ?", (mark,)
        ).fetchone()
        forged = ("B" if signature[0] == "A" else "A") + signature[1:]
        conn.execute("UPDATE checkpoints SET signature = ? WHERE n = ?", (forged, mark))
    r = verify("--db", str(db))
    assert r.exit_code == 1
    assert r.output.startswith(f"entry {mark}: the signed checkpoint does not verify")


def test_a_pinned_service_key_must_have_signed_the_checkpoints(db: Path) -> None:
    other = public_key_b64(generate_private_key())
    r = verify("--db", str(db), "--public-key", other)
    assert r.exit_code == 1
    assert "does not verify with the service key" in r.output


def test_bad_input_exits_2(tmp_path: Path, db: Path) -> None:
    assert verify("--db", str(tmp_path / "absent.db")).exit_code == 2
    assert verify().exit_code == 2
    assert verify("--db", str(db), "--export", str(db)).exit_code == 2
    assert verify("--db", str(db), "--public-key", "nope").exit_code == 2
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    r = verify("--db", str(empty))
    assert r.exit_code == 2, r.output
    assert "not a skyshare database" in r.output
    junk = tmp_path / "export.jsonl"
    junk.write_text("not json\n")
    r = verify("--export", str(junk))
    assert r.exit_code == 2
    assert f"{junk}:1:" in r.output
