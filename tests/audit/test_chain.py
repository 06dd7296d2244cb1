"""The audit hash chain: each single tampering is named at the right entry; checkpoints hold."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from skyshare.audit.chain import (
    GENESIS,
    AuditEntry,
    Checkpoint,
    StoredEntry,
    VerifyResult,
    entry_hash,
    read_export,
    sign_checkpoint,
    verify_chain,
    verify_checkpoints,
    verify_export,
    verify_stored_chain,
    write_export,
)
from skyshare.audit.jcs import canonical_json_reference
from skyshare.audit.signing import generate_private_key, public_key_b64
from skyshare.errors import InvalidInput
from skyshare.timefmt import format_rfc3339

T0_S = 1_795_514_400.0


def record(n: int) -> dict[str, Any]:
    """A varied record: messages with floats and non-ASCII text, notices, acks."""
    time = format_rfc3339(T0_S + n)
    if n % 3 == 0:
        return {"type": "message.sent", "time": time, "to": "red", "text": f"Привет {n}"}
    if n % 3 == 1:
        return {"type": "notice.written", "time": time, "altitude_m": 3048.0 + n, "lat": 35.5}
    return {"type": "message.acknowledged", "time": time, "message_id": f"m-{n}"}


def build(count: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    prev = GENESIS
    for n in range(1, count + 1):
        rec = record(n)
        digest = entry_hash(prev, rec)
        entries.append(AuditEntry(n, rec["time"], rec["type"], prev, digest, rec))
        prev = digest
    return entries


def rehash_from(entries: list[AuditEntry], start: int) -> list[AuditEntry]:
    """Renumber from 1 and recompute every hash from index ``start`` on: a careful forger."""
    out = entries[:start]
    prev = out[-1].hash if out else GENESIS
    for index, entry in enumerate(entries[start:], start=start):
        assert entry.record is not None
        digest = entry_hash(prev, entry.record)
        out.append(dataclasses.replace(entry, n=index + 1, prev_hash=prev, hash=digest))
        prev = digest
    return out


def edited(entry: AuditEntry, **changes: Any) -> AuditEntry:
    assert entry.record is not None
    return dataclasses.replace(entry, record={**entry.record, **changes})


CHAIN = build(40)


def test_entry_hash_is_sha256_of_previous_bytes_and_jcs() -> None:
    rec = {"b": 1, "a": "é", "f": 1.5}
    expected = hashlib.sha256(bytes(32) + canonical_json_reference(rec)).hexdigest()
    assert entry_hash(GENESIS, rec) == expected


def test_entry_hash_refuses_a_malformed_previous_hash() -> None:
    with pytest.raises(InvalidInput, match="64 lowercase hexadecimal"):
        entry_hash("AB" * 32, {})


def test_an_honest_chain_verifies() -> None:
    result = verify_chain(CHAIN)
    assert result.ok
    assert (result.entries, result.head_n, result.head_hash) == (40, 40, CHAIN[-1].hash)
    assert result.message.startswith("ok: 40 entries")


def test_an_empty_chain_verifies_to_genesis() -> None:
    assert verify_chain([]) == VerifyResult()


def test_verify_chain_streams_from_an_iterator() -> None:
    assert verify_chain(iter(CHAIN)).ok


def expect_bad(entries: list[AuditEntry], n: int, reason: str) -> VerifyResult:
    result = verify_chain(entries)
    assert not result.ok
    assert result.first_bad == n, result.message
    assert reason in result.message
    assert result.message.startswith(f"entry {n}: ")
    return result


@pytest.mark.parametrize("k", [1, 17, 40])
def test_an_edited_record_is_named(k: int) -> None:
    tampered = list(CHAIN)
    tampered[k - 1] = edited(tampered[k - 1], to="forged")
    result = expect_bad(tampered, k, "hash does not match its record")
    assert result.entries == k - 1


def test_an_edited_record_with_its_hash_recomputed_breaks_the_next_link() -> None:
    k = 17
    tampered = list(CHAIN)
    bad = edited(tampered[k - 1], to="forged")
    assert bad.record is not None
    tampered[k - 1] = dataclasses.replace(bad, hash=entry_hash(bad.prev_hash, bad.record))
    expect_bad(tampered, k + 1, "prev_hash does not match the hash of entry 17")


def test_a_rewritten_tail_verifies_alone_but_not_against_a_checkpoint() -> None:
    key = generate_private_key()
    checkpoint = sign_checkpoint(key, 30, CHAIN[29].hash, CHAIN[29].time)
    tampered = list(CHAIN)
    tampered[19] = edited(tampered[19], to="forged")
    tampered = rehash_from(tampered, 19)
    assert verify_chain(tampered).ok
    hashes = {e.n: e.hash for e in tampered}
    result = verify_checkpoints([checkpoint], hashes.get, public_key_b64(key))
    assert result.first_bad == 30
    assert "differs from the hash the service signed" in result.message


def test_type_and_time_outside_the_hash_must_match_the_record() -> None:
    tampered = list(CHAIN)
    tampered[4] = dataclasses.replace(tampered[4], type="party.key")
    expect_bad(tampered, 5, "type does not match")
    tampered = list(CHAIN)
    tampered[5] = dataclasses.replace(tampered[5], time="2030-01-01T00:00:00Z")
    expect_bad(tampered, 6, "time does not match")


@pytest.mark.parametrize("k", [1, 17, 39])
def test_a_deleted_entry_is_named(k: int) -> None:
    tampered = CHAIN[: k - 1] + CHAIN[k:]
    expect_bad(tampered, k, f"missing: entry {k + 1} stands where entry {k} belongs")


def test_a_deleted_and_renumbered_entry_breaks_the_link() -> None:
    k = 17
    tampered = CHAIN[: k - 1] + [dataclasses.replace(e, n=e.n - 1) for e in CHAIN[k:]]
    expect_bad(tampered, k, "prev_hash does not match the hash of entry 16")


def test_deleting_the_first_entry_is_caught_at_entry_1() -> None:
    renumbered = [dataclasses.replace(e, n=e.n - 1) for e in CHAIN[1:]]
    expect_bad(renumbered, 1, "prev_hash does not match the hash of the genesis")


@pytest.mark.parametrize("k", [1, 17, 39])
def test_two_swapped_entries_are_named(k: int) -> None:
    tampered = list(CHAIN)
    tampered[k - 1], tampered[k] = tampered[k], tampered[k - 1]
    expect_bad(tampered, k, f"entry {k + 1} stands where entry {k} belongs")


def test_swapped_records_with_numbers_kept_break_the_link() -> None:
    k = 17
    tampered = list(CHAIN)
    a, b = tampered[k - 1], tampered[k]
    tampered[k - 1] = dataclasses.replace(b, n=a.n)
    tampered[k] = dataclasses.replace(a, n=b.n)
    expect_bad(tampered, k, "prev_hash does not match the hash of entry 16")


def test_an_entry_moved_to_the_end_is_named_where_it_was() -> None:
    tampered = CHAIN[:9] + CHAIN[10:] + [CHAIN[9]]
    expect_bad(tampered, 10, "entry 11 stands where entry 10 belongs")


def test_an_inserted_entry_with_a_forged_hash_is_named() -> None:
    k = 17
    forged = AuditEntry(k, CHAIN[k - 1].time, "message.sent", CHAIN[k - 2].hash, "f" * 64, {})
    tampered = (
        CHAIN[: k - 1] + [forged] + [dataclasses.replace(e, n=e.n + 1) for e in CHAIN[k - 1 :]]
    )
    expect_bad(tampered, k, "hash does not match its record")


def test_a_consistent_inserted_entry_breaks_the_link_after_it() -> None:
    k = 17
    rec = {"type": "message.sent", "time": CHAIN[k - 1].time, "to": "red", "text": "forged"}
    prev = CHAIN[k - 2].hash
    forged = AuditEntry(k, rec["time"], rec["type"], prev, entry_hash(prev, rec), rec)
    tampered = (
        CHAIN[: k - 1] + [forged] + [dataclasses.replace(e, n=e.n + 1) for e in CHAIN[k - 1 :]]
    )
    expect_bad(tampered, k + 1, f"prev_hash does not match the hash of entry {k}")


def test_an_inserted_duplicate_number_is_named() -> None:
    tampered = [*CHAIN[:17], CHAIN[16], *CHAIN[17:]]
    expect_bad(tampered, 18, "found entry 17 (a duplicate or out of order)")


def test_a_changed_hash_on_the_last_entry_is_named() -> None:
    tampered = [*CHAIN[:-1], dataclasses.replace(CHAIN[-1], hash="0" * 64)]
    expect_bad(tampered, 40, "hash does not match its record")


def test_a_record_that_is_not_an_object_or_not_canonical_is_named() -> None:
    bad: Any = ["a", "list"]
    tampered = [*CHAIN[:3], dataclasses.replace(CHAIN[3], record=bad)]
    expect_bad(tampered, 4, "record is not a JSON object")
    nan = dataclasses.replace(CHAIN[3], record={"x": float("nan")})
    expect_bad([*CHAIN[:3], nan], 4, "record has no canonical JSON form")


def redacted(entries: list[AuditEntry], *ns: int) -> list[AuditEntry]:
    return [dataclasses.replace(e, record=None) if e.n in ns else e for e in entries]


def test_a_redacted_view_verifies_linkage_only_when_allowed() -> None:
    view = redacted(CHAIN, 3, 4, 20)
    result = verify_chain(view, record_hashes_only=True)
    assert result.ok
    assert result.redacted == 3
    assert "3 redacted" in result.message
    expect_bad(view, 3, "record is missing")


def test_a_redacted_entry_still_must_link() -> None:
    view = redacted(CHAIN, 20)
    view[19] = dataclasses.replace(view[19], prev_hash="a" * 64)
    result = verify_chain(view, record_hashes_only=True)
    assert result.first_bad == 20
    bad_hash = redacted(CHAIN, 20)
    bad_hash[19] = dataclasses.replace(bad_hash[19], hash="not hex")
    result = verify_chain(bad_hash, record_hashes_only=True)
    assert result.first_bad == 20
    assert "64 lowercase" in result.message


def test_the_hash_of_a_redacted_entry_is_checked_through_the_next_link() -> None:
    view = redacted(CHAIN, 20)
    view[19] = dataclasses.replace(view[19], hash="b" * 64)
    result = verify_chain(view, record_hashes_only=True)
    assert result.first_bad == 21
    assert "prev_hash" in result.message


# --- checkpoints ---------------------------------------------------------------------------

SERVICE_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
SERVICE_PUB = public_key_b64(SERVICE_KEY)
HASHES = {e.n: e.hash for e in CHAIN}


def checkpoints(*ns: int) -> list[dict[str, Any]]:
    return [sign_checkpoint(SERVICE_KEY, n, HASHES[n], CHAIN[n - 1].time) for n in ns]


def test_sign_checkpoint_has_the_api_shape_and_verifies() -> None:
    cp = checkpoints(10)[0]
    assert set(cp) == {"n", "hash", "time", "signature"}
    result = verify_checkpoints(checkpoints(10, 20, 40), HASHES.get, SERVICE_PUB)
    assert result.ok
    assert result.checkpoints == 3


def test_checkpoints_accept_dataclasses_too() -> None:
    cps = [Checkpoint.from_json(cp) for cp in checkpoints(10, 40)]
    assert verify_checkpoints(cps, HASHES.get, SERVICE_PUB).checkpoints == 2


def test_a_checkpoint_not_matching_the_chain_is_named() -> None:
    hashes = dict(HASHES)
    hashes[20] = "c" * 64
    result = verify_checkpoints(checkpoints(10, 20, 40), hashes.get, SERVICE_PUB)
    assert (result.first_bad, result.checkpoints) == (20, 1)
    assert result.message.startswith("entry 20: the chain's hash here differs")


def test_a_chain_cut_below_a_checkpoint_is_named() -> None:
    short = {n: h for n, h in HASHES.items() if n <= 35}
    result = verify_checkpoints(checkpoints(10, 40), short.get, SERVICE_PUB)
    assert result.first_bad == 40
    assert "chain ends before it" in result.message


def test_a_forged_or_altered_checkpoint_is_named() -> None:
    forged = checkpoints(10)[0] | {"hash": "d" * 64}
    result = verify_checkpoints([forged], HASHES.get, SERVICE_PUB)
    assert result.first_bad == 10
    assert "does not verify with the service key" in result.message
    other = generate_private_key()
    wrong_key = sign_checkpoint(other, 10, HASHES[10], CHAIN[9].time)
    assert verify_checkpoints([wrong_key], HASHES.get, SERVICE_PUB).first_bad == 10


def test_checkpoints_out_of_order_are_named() -> None:
    result = verify_checkpoints(checkpoints(20, 10), HASHES.get, SERVICE_PUB)
    assert result.first_bad == 10
    assert "out of order" in result.message


def test_a_malformed_checkpoint_is_named() -> None:
    result = verify_checkpoints([{"n": 5, "hash": "x"}], HASHES.get, SERVICE_PUB)
    assert result.first_bad == 5
    assert "malformed" in result.message


def test_a_malformed_service_key_is_bad_input() -> None:
    with pytest.raises(InvalidInput, match="32 bytes"):
        verify_checkpoints([], HASHES.get, "AAAA")


@pytest.mark.parametrize(
    ("n", "digest", "time", "field"),
    [
        (0, "a" * 64, "2026-11-24T10:00:00Z", "n"),
        (1, "A" * 64, "2026-11-24T10:00:00Z", "hash"),
        (1, "a" * 64, "yesterday", "time"),
    ],
)
def test_sign_checkpoint_refuses_bad_values(n: int, digest: str, time: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        sign_checkpoint(SERVICE_KEY, n, digest, time)
    assert info.value.field == field


# --- export file ---------------------------------------------------------------------------


def export_file(tmp_path: Path, entries: list[AuditEntry], cps: list[dict[str, Any]]) -> Path:
    path = tmp_path / "audit.jsonl"
    write_export(path, SERVICE_PUB, entries, cps, party="red", exported_at=CHAIN[-1].time)
    return path


def test_an_export_round_trips_and_verifies(tmp_path: Path) -> None:
    path = export_file(tmp_path, redacted(CHAIN, 5, 6), checkpoints(10, 40))
    export = read_export(path)
    assert (export.public_key, export.entry_count, export.checkpoint_count) == (SERVICE_PUB, 40, 2)
    assert export.party == "red"
    assert list(export.entries()) == redacted(CHAIN, 5, 6)
    assert [cp.to_json() for cp in export.checkpoints()] == checkpoints(10, 40)
    result = verify_export(path)
    assert result.ok, result.message
    assert (result.entries, result.redacted, result.checkpoints) == (40, 2, 2)


def test_the_export_lines_are_the_api_shapes(tmp_path: Path) -> None:
    path = export_file(tmp_path, CHAIN[:2], checkpoints(2))
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert lines[0] == {
        "format": "skyshare-audit-export",
        "version": 1,
        "public_key": SERVICE_PUB,
        "entries": 2,
        "checkpoints": 1,
        "party": "red",
        "exported_at": CHAIN[-1].time,
    }
    assert lines[1] == CHAIN[0].to_json()
    assert lines[3] == checkpoints(2)[0]


def test_a_tampered_export_is_named(tmp_path: Path) -> None:
    tampered = list(CHAIN)
    tampered[11] = edited(tampered[11], to="forged")
    result = verify_export(export_file(tmp_path, tampered, checkpoints(40)))
    assert result.first_bad == 12
    assert "hash does not match" in result.message


def test_an_export_with_a_rewritten_tail_fails_its_checkpoint(tmp_path: Path) -> None:
    tampered = list(CHAIN)
    tampered[24] = edited(tampered[24], to="forged")
    tampered = rehash_from(tampered, 24)
    result = verify_export(export_file(tmp_path, tampered, checkpoints(10, 30)))
    assert (result.first_bad, result.entries, result.checkpoints) == (30, 40, 1)


def test_an_export_cut_short_fails_its_checkpoint(tmp_path: Path) -> None:
    result = verify_export(export_file(tmp_path, CHAIN[:35], checkpoints(40)))
    assert result.first_bad == 40
    assert "ends before it" in result.message


def lines_of(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()


def rewrite(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("line_no", "replacement", "message"),
    [
        (3, "{not json", "not JSON"),
        (3, "[1, 2]", "exactly the keys n, time, type, prev_hash, hash and record"),
        (
            3,
            '{"n": "3", "time": "t", "type": "x", "prev_hash": "", "hash": "", "record": null}',
            "n must be an integer",
        ),
        (
            3,
            '{"n": 3, "time": 1, "type": "x", "prev_hash": "", "hash": "", "record": null}',
            "time must be a string",
        ),
        (
            3,
            '{"n": 3, "time": "t", "type": "x", "prev_hash": "", "hash": "", "record": 5}',
            "record must be a JSON object or null",
        ),
        (
            5,
            '{"n": 2, "hash": "zz", "time": "2026-11-24T10:00:00Z", "signature": "AA=="}',
            "hash must be 64 lowercase",
        ),
    ],
)
def test_bad_export_lines_are_named_file_and_line(
    tmp_path: Path, line_no: int, replacement: str, message: str
) -> None:
    path = export_file(tmp_path, CHAIN[:3], checkpoints(3))
    lines = lines_of(path)
    lines[line_no - 1] = replacement
    rewrite(path, lines)
    with pytest.raises(InvalidInput) as info:
        verify_export(path)
    assert info.value.message.startswith(f"{path}:{line_no}: ")
    assert message in info.value.message


def test_an_export_whose_lines_disagree_with_its_header_is_named(tmp_path: Path) -> None:
    path = export_file(tmp_path, CHAIN[:3], checkpoints(3))
    lines = lines_of(path)
    rewrite(path, lines[:-1])
    with pytest.raises(InvalidInput, match=r":5: the file ends early"):
        verify_export(path)
    rewrite(path, [*lines, lines[-1]])
    with pytest.raises(InvalidInput, match=r":6: unexpected line after the 1 checkpoints"):
        verify_export(path)
    rewrite(path, lines[:2])
    with pytest.raises(InvalidInput, match=r":3: the file ends before the 3 entries"):
        verify_export(path)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("nonsense", "the header is not JSON"),
        ('{"format": "other"}', "not a skyshare audit export"),
        ('{"format": "skyshare-audit-export", "version": 1}', "the header lacks"),
        (
            '{"format": "skyshare-audit-export", "version": 2, "public_key": "", "entries": 0, '
            '"checkpoints": 0}',
            "version 2 is not supported",
        ),
        (
            '{"format": "skyshare-audit-export", "version": 1, "public_key": "AAAA", "entries": 0, '
            '"checkpoints": 0}',
            "must decode to 32 bytes",
        ),
        (
            '{"format": "skyshare-audit-export", "version": 1, "public_key": "", "entries": -1, '
            '"checkpoints": 0, "x": 1}',
            "unknown keys x",
        ),
    ],
)
def test_a_bad_export_header_is_named(tmp_path: Path, header: str, message: str) -> None:
    path = rewrite(tmp_path / "audit.jsonl", [header])
    with pytest.raises(InvalidInput) as info:
        read_export(path)
    assert info.value.message.startswith(f"{path}:1: ")
    assert message in info.value.message


def test_a_missing_export_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read the export file"):
        read_export(tmp_path / "absent.jsonl")


def test_audit_and_hotline_stay_free_of_the_service_layers() -> None:
    """They are pure building blocks: no database, web framework or service imports."""
    code = (
        "import sys, skyshare.audit.chain, skyshare.hotline.phrases\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'fastapi', 'httpx')"
        " or m.startswith(('skyshare.store', 'skyshare.services', 'skyshare.api'))]\n"
        "print(','.join(bad))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == ""


def tamperings() -> dict[str, list[AuditEntry]]:
    """One of each single change, every record still present: the catalog for the fast twin."""
    k = 17
    edit = list(CHAIN)
    edit[k - 1] = edited(edit[k - 1], to="forged")
    relinked = list(edit)
    bad = relinked[k - 1]
    assert bad.record is not None
    relinked[k - 1] = dataclasses.replace(bad, hash=entry_hash(bad.prev_hash, bad.record))
    swapped = list(CHAIN)
    swapped[k - 1], swapped[k] = swapped[k], swapped[k - 1]
    rec = {"type": "message.sent", "time": CHAIN[k - 1].time, "to": "red", "text": "forged"}
    prev = CHAIN[k - 2].hash
    forged = AuditEntry(k, rec["time"], rec["type"], prev, entry_hash(prev, rec), rec)
    shifted = [dataclasses.replace(e, n=e.n + 1) for e in CHAIN[k - 1 :]]
    return {
        "honest": list(CHAIN),
        "edit": edit,
        "edit and rehash": relinked,
        "delete": CHAIN[: k - 1] + CHAIN[k:],
        "delete and renumber": CHAIN[: k - 1]
        + [dataclasses.replace(e, n=e.n - 1) for e in CHAIN[k:]],
        "swap": swapped,
        "insert": [*CHAIN[: k - 1], forged, *shifted],
        "duplicate": [*CHAIN[:17], CHAIN[16], *CHAIN[17:]],
        "type column": [*CHAIN[:4], dataclasses.replace(CHAIN[4], type="x"), *CHAIN[5:]],
        "time column": [*CHAIN[:4], dataclasses.replace(CHAIN[4], time="x"), *CHAIN[5:]],
        "hash column": [*CHAIN[:-1], dataclasses.replace(CHAIN[-1], hash="0" * 64)],
        "rewritten tail": rehash_from(edit, k - 1),
    }


@pytest.mark.parametrize(("name", "entries"), list(tamperings().items()))
def test_the_stored_chain_verifier_agrees_with_the_reference(
    name: str, entries: list[AuditEntry]
) -> None:
    fast = verify_stored_chain(StoredEntry.of(e) for e in entries)
    assert fast == verify_chain(entries), name


def test_a_stored_record_text_edited_in_place_is_named() -> None:
    stored = [StoredEntry.of(e) for e in CHAIN]
    stored[9] = dataclasses.replace(
        stored[9], record_jcs=stored[9].record_jcs.replace("3058", "3059")
    )
    result = verify_stored_chain(stored)
    assert result.first_bad == 10
    assert "hash does not match its record" in result.message


@pytest.mark.parametrize(("text", "reason"), [("[1]", "not a JSON object"), ("{bad", "not JSON")])
def test_stored_text_that_is_not_an_object_is_named(text: str, reason: str) -> None:
    stored = [StoredEntry.of(e) for e in CHAIN[:3]]
    prev = stored[1].hash
    digest = hashlib.sha256(bytes.fromhex(prev) + text.encode()).hexdigest()
    stored[2] = dataclasses.replace(stored[2], record_jcs=text, hash=digest)
    result = verify_stored_chain(stored)
    assert result.first_bad == 3
    assert reason in result.message


@pytest.mark.parametrize(
    "module_name",
    [
        "skyshare.audit.jcs",
        "skyshare.audit.signing",
        "skyshare.audit.chain",
        "skyshare.hotline.phrases",
    ],
)
def test_all_lists_exactly_the_public_names(module_name: str) -> None:
    """``__all__`` names every public top-level definition of the module, and nothing else."""
    module = importlib.import_module(module_name)
    tree = ast.parse(inspect.getsource(module))
    defined: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined.add(node.target.id)
    public = {name for name in defined if not name.startswith("_")}
    assert set(module.__all__) == public
