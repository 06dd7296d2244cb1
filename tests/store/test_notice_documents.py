"""A listing shows stored volume JSON as it is: the same documents parsed notices give."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete

from skyshare.model.notice import Notice, NoticeState, notice_owner_json, notice_public_json
from skyshare.model.volume import Volume4D
from skyshare.store import notices as notice_store
from skyshare.store.database import Database, open_database
from skyshare.store.schema import notices, parties
from tests.engines.test_strategic import FAST, scenes

_serial = itertools.count()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder: Path = tmp_path_factory.mktemp("documents")
    database = open_database(str(folder / "documents.db"))
    with database.write() as tx:
        tx.conn.execute(
            parties.insert().values(
                id="p", name="p", token_hash="0" * 64, language="en", created_at=0.0
            )
        )
    yield database
    database.dispose()


@FAST
@given(scenes(), st.none() | st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
def test_documents_show_what_parsed_notices_show(
    db: Database,
    scene: tuple[dict[str, list[Volume4D]], list[Volume4D]],
    private: dict[str, int] | None,
) -> None:
    held, _ = scene
    batch = [
        Notice(
            id=f"{key}-{next(_serial)}",
            owner="p",
            state=NoticeState.ACCEPTED,
            priority=3,
            ovn="o",
            late=True,
            volumes=tuple(volumes),
            private=private,
            created_at=1_796_000_000.125,
            updated_at=1_796_000_001.5,
        )
        for key, volumes in held.items()
    ]
    with db.write() as tx:
        tx.conn.execute(delete(notices))
        notice_store.insert_many(tx.conn, batch)
    ids = [n.id for n in batch]
    with db.read() as conn:
        parsed = notice_store.by_ids(conn, ids)
        shown = notice_store.documents_by_ids(conn, ids)
        listed = notice_store.list_live_documents(conn)
    assert [notice_public_json(n) for n in shown] == [notice_public_json(n) for n in parsed]
    assert [notice_owner_json(n) for n in shown] == [notice_owner_json(n) for n in parsed]
    assert [n.id for n in listed] == [n.id for n in parsed]
