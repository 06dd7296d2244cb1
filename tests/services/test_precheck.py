"""A check made on a snapshot is corrected under the writer for everything written since."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skyshare.model.agreement import agreement_from_mapping
from skyshare.model.notice import NoticeState
from skyshare.model.party import Party
from skyshare.model.volume import parse_volume4d
from skyshare.services import agreement as agreement_service
from skyshare.services.agreement import agreement_in_force
from skyshare.services.context import Caller, Context
from skyshare.services.notices import NoticeRequest, delete_notice, put_notice
from skyshare.services.parties import add_party
from skyshare.services.precheck import Snapshot, confirm, precheck, snapshot_check
from skyshare.store.database import open_database
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


def test_notices_written_after_the_snapshot_are_found_and_deleted_ones_dropped(
    world: tuple[Context, dict[str, Party]],
) -> None:
    ctx, parties = world
    red = Caller(parties["red"])
    early, _ = put_notice(ctx, red, new_id(), request(36.0))
    mine = new_id()
    snap = snapshot_check(ctx, request(36.0).volumes, mine)
    assert snap is not None
    assert [h.key for h in snap.hits.notices] == [early["id"]]
    late, _ = put_notice(ctx, red, new_id(), request(36.01))  # after the snapshot
    far, _ = put_notice(ctx, red, new_id(), request(36.9))  # after, but far away
    delete_notice(ctx, red, early["id"], early["ovn"])
    got = keys_now(ctx, request(36.0), snap, mine)
    assert got == [late["id"]]
    assert far["id"] not in got


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
