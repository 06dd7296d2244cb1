"""Strategic indexes kept in step with the database.

SQLite (one process): an in-memory VolumeIndex follows the database by its revision clock.
Each write bumps a revision; before each check the index applies every row written since
the revision it last saw. The database stays the truth: a restart rebuilds the same index.

PostgreSQL (several processes): keeping a copy of every notice in every process costs
gigabytes at a million notices, so the database's space-time index (migration 0005) finds
the candidates and a small VolumeIndex built from them makes the exact test. Both paths
run the same engine on the same volumes, so they return the same hits (a test pits them).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

from sqlalchemy.engine import Connection

from skyshare.engines.strategic import Minima, StrategicHit, VolumeIndex, keys_meeting_box
from skyshare.model.volume import Volume4D, volume_from_stored, volume_to_json
from skyshare.store import _json, notice_space

__all__ = ["IndexCache", "StrategicIndex"]

#: Rows changed since a revision: (rev, key, volumes or None when deleted).
ChangeFeed = Callable[[Connection, int], Iterable[tuple[int, str, Sequence[Volume4D] | None]]]

#: Extra reach of the database's candidate search beyond the horizontal minimum: the exact
#: test measures in a local projection, the box in degrees; erring outward costs only time.
_REACH_FACTOR = 1.05
_REACH_PAD_M = 1_000.0


class StrategicIndex(Protocol):
    """What services ask of a strategic index, whichever backend answers."""

    def __len__(self) -> int: ...

    def query(
        self, volumes: Sequence[Volume4D], minima: Minima, *, exclude: str | None = None
    ) -> list[StrategicHit]: ...

    def query_bbox(
        self,
        min_lng: float,
        min_lat: float,
        max_lng: float,
        max_lat: float,
        t_from: float | None,
        t_to: float | None,
    ) -> list[str]: ...


class IndexCache:
    """A VolumeIndex plus the last revision applied to it; on PostgreSQL, the database's."""

    def __init__(self, feed: ChangeFeed, *, in_database: bool = False) -> None:
        self._feed = feed
        self._in_database = in_database
        self._index = VolumeIndex()
        self._rev = 0
        self._lock = threading.Lock()
        self._local = _LocalCopy()

    @contextlib.contextmanager
    def use(self, conn: Connection) -> Iterator[StrategicIndex]:
        """The index as of the snapshot ``conn`` sees (held exclusively meanwhile)."""
        if self._in_database and conn.dialect.name == "postgresql":
            yield DatabaseNoticeIndex(conn, self._local)
            return
        with self._lock:
            for rev, key, volumes in self._feed(conn, self._rev):
                if volumes is None:
                    if key in self._index:
                        self._index.remove(key)
                else:
                    self._index.add(key, volumes)
                self._rev = max(self._rev, rev)
            yield self._index


class _LocalCopy:
    """Notices this process has met as candidates, parsed and indexed, by (id, ovn).

    Candidates recur (traffic has places), and parsing and indexing a notice cost far more
    than finding it, so each process keeps the ones it met, up to ``capacity``, then starts
    afresh. The database's candidates stay the truth: a hit counts only if its notice is
    among them with the same ovn, so a copy that is stale or deleted is never reported.
    """

    def __init__(self, capacity: int = 200_000) -> None:
        self.index = VolumeIndex(grid=False)
        self.indexed: dict[str, str] = {}  # id -> ovn in the index
        self.parsed: dict[str, tuple[str, list[Volume4D]]] = {}  # id -> (ovn, volumes)
        self.capacity = capacity
        self.lock = threading.Lock()

    def volumes(
        self, conn: Connection, found: Sequence[notice_space.Candidate]
    ) -> dict[str, list[Volume4D]]:
        """The found notices' current volumes, parsing only those not seen (hold ``lock``)."""
        if len(self.parsed) + len(found) > self.capacity:
            self.index = VolumeIndex(grid=False)
            self.indexed = {}
            self.parsed = {}
        missing = [c.id for c in found if self.parsed.get(c.id, ("",))[0] != c.ovn]
        for key, (ovn, volumes_json) in notice_space.volumes_of(conn, missing).items():
            volumes = [volume_from_stored(v) for v in _json.loads(volumes_json)]
            self.parsed[key] = (ovn, volumes)
        return {c.id: self.parsed[c.id][1] for c in found if c.id in self.parsed}

    def refresh(self, conn: Connection, found: Sequence[notice_space.Candidate]) -> None:
        """Bring the found notices up to date in the index (hold ``lock``)."""
        volumes = self.volumes(conn, found)
        for c in found:
            if self.indexed.get(c.id) == c.ovn or c.id not in volumes:
                continue
            if c.id in self.indexed:
                self.index.remove(c.id)
            self.index.add(c.id, volumes[c.id])
            self.indexed[c.id] = self.parsed[c.id][0]


class DatabaseNoticeIndex:
    """Live notices as PostgreSQL finds them, then the engine's exact test on those."""

    def __init__(self, conn: Connection, local: _LocalCopy) -> None:
        self._conn = conn
        self._local = local

    def __len__(self) -> int:
        return notice_space.count_live(self._conn)

    def query(
        self,
        volumes: Sequence[Volume4D],
        minima: Minima,
        *,
        exclude: str | None = None,
        since_rev: int | None = None,
    ) -> list[StrategicHit]:
        """The hits among live notices (``since_rev``: only those written after it)."""
        if not volumes:
            return []
        found = notice_space.near(
            self._conn,
            _json.dumps([volume_to_json(v) for v in volumes]),
            minima.horizontal_m * _REACH_FACTOR + _REACH_PAD_M,
            minima.time_buffer_s,
            minima.vertical_m,
            exclude or "",
            since_rev,
        )
        if not found:
            return []
        # The database found the candidates, so the copy keeps no grid: the engine tests
        # every volume of the found notices (a hit's notice is among them, current ovn).
        with self._local.lock:
            self._local.refresh(self._conn, found)
            return self._local.index.query(
                volumes, minima, exclude=exclude, among=[c.id for c in found]
            )

    def written_since(
        self, volumes: Sequence[Volume4D], minima: Minima, *, exclude: str, since_rev: int
    ) -> tuple[set[str], list[StrategicHit]]:
        """Notices written after ``since_rev`` (ids, deleted ones included) and the hits
        among them: what a check made at that revision must drop and add. The database
        picks the few near ones, so only those are parsed (under the writer lock)."""
        touched = notice_space.changed_ids(self._conn, since_rev)
        if not touched:
            return touched, []
        return touched, self.query(volumes, minima, exclude=exclude, since_rev=since_rev)

    def query_bbox(
        self,
        min_lng: float,
        min_lat: float,
        max_lng: float,
        max_lat: float,
        t_from: float | None,
        t_to: float | None,
    ) -> list[str]:
        found = notice_space.in_box(
            self._conn, min_lng, min_lat, max_lng, max_lat, t_from, t_to, _REACH_PAD_M
        )
        if not found:
            return []
        with self._local.lock:
            volumes = self._local.volumes(self._conn, found)
        return keys_meeting_box(volumes, min_lng, min_lat, max_lng, max_lat, t_from, t_to)
