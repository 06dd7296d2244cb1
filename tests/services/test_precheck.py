"""A check made on a snapshot is corrected under the writer for everything written since."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest

from skyshare.errors import MissingNotices
from skyshare.model.agreement import agreement_from_mapping
from skyshare.model.notice import NoticeState
from skyshare.model.party import Party
from skyshare.model.volume import parse_volume4d
from skyshare.services import agreement as agreement_service
from skyshare.services import precheck as precheck_module
from skyshare.services.agreement import agreement_in_force
from skyshare.services.context import Caller, Context
from skyshare.services.notices import NoticeRequest, delete_notice, put_notice
from skyshare.services.parties import add_party
from skyshare.services.precheck import Snapshot, confirm, precheck, recall, snapshot_check
from skyshare.store.database import WRITER_LOCK, open_database, plain_url
from tests.api.bodies import new_id, volume
from tests.conftest import AGREEMENT


@pytest.fixture
def world(db_target: str) -> Iterator[tuple[Context, dict[str, Party]]]:
    ctx = Context(open_database(db_target))
    body = agreement_service.set_agreement(ctx, Caller(None), agreement_from_mapping(AGREEMENT))
    parties = {}
    for name in ("blue", "red"):
        party, _ = add_party(ctx, name, "en")
        agreement_service.adopt(ctx, Caller(party), body["sha256"])
        parties[name] = party
    yield ctx, parties
    ctx.db.dispose()


def request(lat: float) -> NoticeRequest:
    v = parse_volume4d(volume(lat, 37.0, d=0.05))
    return NoticeRequest((v,), NoticeState.ACCEPTED, 0, (), None, None)


def keys_now(ctx: Context, req: NoticeRequest, snap: Snapshot | None, exclude: str) -> list[str]:
    with ctx.db.write() as tx:
        agreement = agreement_in_force(tx.conn)
        hits = confirm(ctx, tx, snap, req.volumes, agreement, exclude=exclude)
        return [h.key for h in hits.notices]


def snapshot_seeing(ctx: Context, mine: str, only: str) -> Snapshot:
    """A snapshot check of ``request(36.0)`` as ``mine``, which must see just ``only``."""
    snap = snapshot_check(ctx, request(36.0).volumes, mine)
    assert snap is not None
    assert [h.key for h in snap.hits.notices] == [only]
    return snap


def test_notices_written_after_the_snapshot_are_found_and_deleted_ones_dropped(
    world: tuple[Context, dict[str, Party]],
) -> None:
    ctx, parties = world
    red = Caller(parties["red"])
    early, _ = put_notice(ctx, red, new_id(), request(36.0))
    mine = new_id()
    snap = snapshot_seeing(ctx, mine, early["id"])
    late, _ = put_notice(ctx, red, new_id(), request(36.01))  # after the snapshot
    far, _ = put_notice(ctx, red, new_id(), request(36.9))  # after, but far away
    delete_notice(ctx, red, early["id"], early["ovn"])
    got = keys_now(ctx, request(36.0), snap, mine)
    assert got == [late["id"]]
    assert far["id"] not in got


def test_notices_replaced_after_the_snapshot_are_tested_as_they_are_now(
    world: tuple[Context, dict[str, Party]],
) -> None:
    ctx, parties = world
    red = Caller(parties["red"])
    leaving, _ = put_notice(ctx, red, new_id(), request(36.0))
    coming, _ = put_notice(ctx, red, new_id(), request(36.9))
    mine = new_id()
    snap = snapshot_seeing(ctx, mine, leaving["id"])
    put_notice(ctx, red, leaving["id"], replace(request(36.9), ovn=leaving["ovn"]))
    put_notice(ctx, red, coming["id"], replace(request(36.01), ovn=coming["ovn"]))
    assert keys_now(ctx, request(36.0), snap, mine) == [coming["id"]]


def test_an_unchanged_database_reuses_the_snapshot(
    world: tuple[Context, dict[str, Party]],
) -> None:
    ctx, parties = world
    red = Caller(parties["red"])
    a, _ = put_notice(ctx, red, new_id(), request(36.0))
    mine = new_id()
    snap = snapshot_check(ctx, request(36.0).volumes, mine)
    assert keys_now(ctx, request(36.0), snap, mine) == [a["id"]]


def test_only_postgres_checks_outside_the_writer(
    world: tuple[Context, dict[str, Party]], backend: str
) -> None:
    ctx, _ = world
    snap = precheck(ctx, request(36.0).volumes, new_id())
    assert (snap is not None) == (backend == "postgres")


def refused_keys(ctx: Context, caller: Caller, nid: str, req: NoticeRequest) -> list[str]:
    """The ovns a refusal lists as missing (the filing must be refused)."""
    with pytest.raises(MissingNotices) as refused:
        put_notice(ctx, caller, nid, req)
    return [m["ovn"] for m in refused.value.details["missing"]]


def test_a_retry_after_a_refusal_finds_what_was_written_in_between(
    world: tuple[Context, dict[str, Party]],
) -> None:
    ctx, parties = world
    red, blue = Caller(parties["red"]), Caller(parties["blue"])
    a, _ = put_notice(ctx, red, new_id(), request(36.0))
    mine, req = new_id(), request(36.0)
    key = refused_keys(ctx, blue, mine, req)
    assert key == [a["ovn"]]
    late, _ = put_notice(ctx, red, new_id(), request(36.01))  # between refusal and retry
    # The retry with the first key is refused again, now for the notice written since.
    again = refused_keys(ctx, blue, mine, replace(req, key=tuple(key)))
    assert again == [late["ovn"]]
    body, created = put_notice(ctx, blue, mine, replace(req, key=(*key, *again)))
    assert created
    others = {s["id"] for c in body["conflicts"] for s in c["subjects"]} - {mine}
    assert others == {a["id"], late["id"]}


def test_a_remembered_check_serves_only_the_same_party_notice_and_volumes(
    world: tuple[Context, dict[str, Party]],
) -> None:
    ctx, parties = world
    red, blue = Caller(parties["red"]), Caller(parties["blue"])
    put_notice(ctx, red, new_id(), request(36.0))
    mine, req = new_id(), request(36.0)
    refused_keys(ctx, blue, mine, req)
    assert recall(ctx, parties["red"].id, mine, req.volumes) is None
    assert recall(ctx, parties["blue"].id, mine, request(36.5).volumes) is None
    refused_keys(ctx, blue, mine, req)
    snap = recall(ctx, parties["blue"].id, mine, req.volumes)
    assert snap is not None
    assert recall(ctx, parties["blue"].id, mine, req.volumes) is None  # once


def test_remembered_checks_are_bounded(
    world: tuple[Context, dict[str, Party]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, parties = world
    monkeypatch.setattr(precheck_module, "REMEMBERED_CHECKS", 3)
    put_notice(ctx, Caller(parties["red"]), new_id(), request(36.0))
    blue = Caller(parties["blue"])
    ids, req = [new_id() for _ in range(5)], request(36.0)
    for nid in ids:
        refused_keys(ctx, blue, nid, req)
    kept = [recall(ctx, parties["blue"].id, nid, req.volumes) for nid in ids]
    assert [k is not None for k in kept] == [False, False, True, True, True]


def test_postgres_refuses_a_filing_without_waiting_for_the_writer(
    world: tuple[Context, dict[str, Party]], backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("one SQLite process checks under its writer")
    import psycopg

    ctx, parties = world
    red, blue = Caller(parties["red"]), Caller(parties["blue"])
    a, _ = put_notice(ctx, red, new_id(), request(36.0))
    with psycopg.connect(plain_url(ctx.db.url), autocommit=True) as holder:
        holder.execute(f"SELECT pg_advisory_lock({WRITER_LOCK})")  # every writer now waits
        outcome: list[object] = []
        mine, req = new_id(), request(36.0)
        worker = threading.Thread(
            target=lambda: outcome.append(refused_keys(ctx, blue, mine, req)), daemon=True
        )
        worker.start()
        worker.join(timeout=20)
        assert outcome == [[a["ovn"]]], "the refusal waited for the writer lock"
        holder.execute(f"SELECT pg_advisory_unlock({WRITER_LOCK})")
    body, created = put_notice(ctx, blue, mine, replace(req, key=(a["ovn"],)))
    assert created
    assert len(body["conflicts"]) == 1
