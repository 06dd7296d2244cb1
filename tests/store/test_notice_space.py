"""PostgreSQL's candidate search never loses a conflict the in-memory index finds.

The database finds candidates by a box and time range computed in SQL from the stored
JSON (migration 0005); the engine then makes the exact test. A box too small would miss a
conflict silently, so the two paths are pitted against each other and the brute-force twin
on random scenes, near the poles and across the antimeridian included.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from skyshare.engines.reference import strategic_conflicts_bruteforce
from skyshare.engines.strategic import Minima
from skyshare.model.volume import Volume4D, volume_from_stored, volume_to_json
from skyshare.services.indexes import DatabaseNoticeIndex, IndexCache
from skyshare.store import _json, notice_space
from skyshare.store.database import Database, open_database
from skyshare.store.schema import notices, parties
from tests.conftest import fresh_database
from tests.engines.strategic_cases import AGL, MINIMA, square, vol
from tests.engines.test_strategic import (
    FAST,
    assert_same,
    bbox_bruteforce,
    index_of,
    minima_st,
    scenes,
)

_serial = itertools.count()
#: Polygons that turn out invalid are drawn again; that is filtering, not a slow test.
SPACE = settings(FAST, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder: Path = tmp_path_factory.mktemp("space")
    for url in fresh_database("postgres", folder):
        db = open_database(url)
        with db.write() as tx:
            tx.conn.execute(
                parties.insert().values(
                    id="p", name="p", token_hash="0" * 64, language="en", created_at=0.0
                )
            )
        yield db
        db.dispose()


def store(db: Database, held: Mapping[str, Sequence[Volume4D]]) -> None:
    with db.write() as tx:
        tx.conn.execute(delete(notices))
        for key, volumes in held.items():
            tx.conn.execute(
                notices.insert().values(
                    id=key,
                    owner="p",
                    state="accepted",
                    priority=0,
                    ovn=f"ovn{next(_serial)}",  # a new ovn per example: no stale parse reused
                    late=False,
                    volumes=_json.dumps([volume_to_json(v) for v in volumes]),
                    created_at=0.0,
                    updated_at=0.0,
                    rev=1,
                )
            )


def as_stored(held: Mapping[str, Sequence[Volume4D]]) -> dict[str, list[Volume4D]]:
    """Volumes as the database returns them: times kept to the millisecond, as in RFC 3339."""
    return {
        k: [volume_from_stored(_json.loads(_json.dumps(volume_to_json(v)))) for v in vs]
        for k, vs in held.items()
    }


def database_index(db: Database) -> tuple[IndexCache, Database]:
    return IndexCache(lambda _c, _r: [], in_database=True), db


@SPACE
@given(scenes(), minima_st)
def test_database_candidates_give_the_same_hits_as_the_twin(
    pg: Database, scene: tuple[dict[str, list[Volume4D]], list[Volume4D]], minima: Minima
) -> None:
    held, new = scene
    store(pg, held)
    held = as_stored(held)
    cache, _ = database_index(pg)
    with pg.read() as conn, cache.use(conn) as index:
        assert isinstance(index, DatabaseNoticeIndex)
        got = index.query(new, minima)
        assert len(index) == len(held)
    assert_same(got, strategic_conflicts_bruteforce(held, new, minima))
    assert_same(got, index_of(held).query(new, minima))


@SPACE
@given(
    scenes(),
    st.floats(-180.0, 180.0),
    st.floats(0.01, 40.0),
    st.floats(-90.0, 89.0),
    st.floats(0.01, 10.0),
    st.one_of(st.none(), st.floats(0.0, 40_000.0)),
    st.one_of(st.none(), st.floats(0.0, 40_000.0)),
)
def test_database_bbox_search_equals_brute_force(
    pg: Database,
    scene: tuple[dict[str, list[Volume4D]], list[Volume4D]],
    min_lng: float,
    width: float,
    min_lat: float,
    height: float,
    t_from: float | None,
    t_to: float | None,
) -> None:
    held, _ = scene
    store(pg, held)
    held = as_stored(held)
    max_lng = (min_lng + width + 180.0) % 360.0 - 180.0
    box = (min_lng, min_lat, max_lng, min(90.0, min_lat + height))
    cache, _ = database_index(pg)
    with pg.read() as conn, cache.use(conn) as index:
        got = index.query_bbox(*box, t_from, t_to)
    assert got == bbox_bruteforce(held, box, t_from, t_to)


def test_the_planner_uses_the_space_time_index(pg: Database) -> None:
    with pg.read() as conn:
        plan = "\n".join(
            r[0]
            for r in conn.exec_driver_sql(
                "EXPLAIN SELECT id FROM notices WHERE deleted_at IS NULL "
                "AND skyshare_notice_box(volumes) && box(point(0,0), point(1,1)) "
                "AND skyshare_notice_window(volumes) && numrange(0, 10, '[]') "
                "AND skyshare_notice_band(volumes) && numrange(0, 10, '[]')"
            )
        )
    assert "ix_notices_space_time" in plan


def test_candidates_leave_out_notices_above_and_below_but_never_a_conflict(
    pg: Database,
) -> None:
    """The band column drops notices vertically clear of the new one, erring outward:
    just inside the vertical minimum stays, AGL limits count as high or low as they could
    mean, and an unlimited ceiling reaches everything above."""
    here = square(36.0, 37.0, 1_000.0)
    v = MINIMA.vertical_m  # new notice: 1,000-2,000 m W84
    held = {
        "inside": [vol(here, 2_000.0 + v - 0.5, 9_000.0)],
        "clear_above": [vol(here, 2_000.0 + v + 5.0, 9_000.0)],
        "clear_below": [vol(here, 0.0, 1_000.0 - v - 5.0)],
        "agl_below": [vol(here, 0.0, 100.0, lo_ref=AGL)],  # 100 m AGL may be 8,949 m W84
        "unlimited": [vol(here, 0.0, None)],
        "mixed": [vol(here, 0.0, 300.0), vol(here, 5_000.0, 6_000.0)],
    }
    store(pg, held)
    new = [vol(here)]
    with pg.read() as conn:
        found = notice_space.near(
            conn,
            _json.dumps([volume_to_json(x) for x in new]),
            MINIMA.horizontal_m,
            MINIMA.time_buffer_s,
            MINIMA.vertical_m,
            "",
        )
    assert sorted(c.id for c in found) == ["agl_below", "inside", "mixed", "unlimited"]
    expected = sorted(h.key for h in strategic_conflicts_bruteforce(as_stored(held), new, MINIMA))
    assert expected == ["agl_below", "inside", "unlimited"]
