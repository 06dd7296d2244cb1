"""Ingest remembers tokens: a few seconds at most, never an unknown one, forgotten on change."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import update

from skyshare.errors import Unauthorized
from skyshare.services import parties
from skyshare.services.context import Context
from skyshare.store import parties as party_store
from skyshare.store.database import open_database
from skyshare.store.schema import parties as parties_table


@pytest.fixture
def two_processes(db_target: str) -> Iterator[tuple[Context, Context]]:
    """Two contexts on one database, as two server processes would be."""
    first, second = Context(open_database(db_target)), Context(open_database(db_target))
    try:
        yield first, second
    finally:
        first.db.dispose()
        second.db.dispose()


def _bearer(token: str) -> str:
    return f"Bearer {token}"


def _revoke(ctx: Context, party_id: str) -> None:
    """What another process removing the party's credential looks like to this one."""
    with ctx.db.write() as tx:
        tx.conn.execute(
            update(parties_table)
            .where(parties_table.c.id == party_id)
            .values(token_hash="revoked-" + party_id)
        )


def test_a_seen_token_is_trusted_for_the_ttl_then_read_again(
    two_processes: tuple[Context, Context], monkeypatch: pytest.MonkeyPatch
) -> None:
    here, elsewhere = two_processes
    monkeypatch.setattr(parties, "TOKEN_TTL_S", 0.3)
    party, token = parties.add_party(here, "blue")
    assert parties.authenticate_cached(here, _bearer(token)).party_id == party.id
    _revoke(elsewhere, party.id)
    # Within the TTL the remembered answer stands (no read); the plain check reads at once.
    assert parties.authenticate_cached(here, _bearer(token)).party_id == party.id
    with pytest.raises(Unauthorized):
        parties.authenticate(here, _bearer(token))
    time.sleep(0.35)
    with pytest.raises(Unauthorized):
        parties.authenticate_cached(here, _bearer(token))


def test_an_unknown_token_is_not_remembered(two_processes: tuple[Context, Context]) -> None:
    """A party another process adds is known here on its first request."""
    here, elsewhere = two_processes
    token = parties.new_token()
    with pytest.raises(Unauthorized):
        parties.authenticate_cached(here, _bearer(token))
    with elsewhere.db.write() as tx:
        made = party_store.insert(
            tx.conn,
            id=str(uuid.uuid4()),
            name="late",
            token_hash=parties.hash_token(token),
            language="en",
            now=time.time(),
        )
    assert parties.authenticate_cached(here, _bearer(token)).party_id == made.id


def test_changes_in_this_process_forget_every_token(
    two_processes: tuple[Context, Context],
) -> None:
    here, _ = two_processes
    parties.ensure_admin_token(here, "old-admin-token")
    assert parties.authenticate_cached(here, _bearer("old-admin-token")).is_admin
    parties.ensure_admin_token(here, "new-admin-token")
    with pytest.raises(Unauthorized):
        parties.authenticate_cached(here, _bearer("old-admin-token"))
    assert parties.authenticate_cached(here, _bearer("new-admin-token")).is_admin


def test_memory_is_bounded(
    two_processes: tuple[Context, Context], monkeypatch: pytest.MonkeyPatch
) -> None:
    here, _ = two_processes
    monkeypatch.setattr(parties, "_TOKEN_CAP", 2)
    tokens = [parties.add_party(here, f"p{k}")[1] for k in range(5)]
    for token in tokens:
        parties.authenticate_cached(here, _bearer(token))
    assert len(parties._tokens(here).entries) <= 2


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer  "])
def test_malformed_headers_are_refused_like_authenticate(
    two_processes: tuple[Context, Context], header: str | None
) -> None:
    here, _ = two_processes
    with pytest.raises(Unauthorized) as cached:
        parties.authenticate_cached(here, header)
    with pytest.raises(Unauthorized) as plain:
        parties.authenticate(here, header)
    assert str(cached.value) == str(plain.value)
