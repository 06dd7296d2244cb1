"""In-memory strategic indexes kept in step with the database by its revision clock.

Each write bumps a revision; before each check an index applies every row written since
the revision it last saw. The database stays the truth: a process that restarts, or a second
process on the same database, rebuilds the same index from the same rows.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence

from sqlalchemy.engine import Connection

from skyshare.engines.strategic import VolumeIndex
from skyshare.model.volume import Volume4D

__all__ = ["IndexCache"]

#: Rows changed since a revision: (rev, key, volumes or None when deleted).
ChangeFeed = Callable[[Connection, int], Iterable[tuple[int, str, Sequence[Volume4D] | None]]]


class IndexCache:
    """A VolumeIndex plus the last revision applied to it."""

    def __init__(self, feed: ChangeFeed) -> None:
        self._feed = feed
        self._index = VolumeIndex()
        self._rev = 0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def use(self, conn: Connection) -> Iterator[VolumeIndex]:
        """The index brought up to the snapshot ``conn`` sees, held exclusively meanwhile."""
        with self._lock:
            for rev, key, volumes in self._feed(conn, self._rev):
                if volumes is None:
                    if key in self._index:
                        self._index.remove(key)
                else:
                    self._index.add(key, volumes)
                self._rev = max(self._rev, rev)
            yield self._index
