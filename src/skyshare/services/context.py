"""The services' composition root: database, clock, in-memory indexes, commit listeners.

Two configurations in one process must be possible, so nothing here is global.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from skyshare.model.party import Party
from skyshare.store.database import Database

__all__ = ["Caller", "Context"]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: a party, or the administrator (``party`` None)."""

    party: Party | None

    @property
    def is_admin(self) -> bool:
        return self.party is None

    @property
    def party_id(self) -> str | None:
        return None if self.party is None else self.party.id


@dataclass
class Context:
    db: Database
    clock: Callable[[], float] = time.time
    #: Called (from any thread) after a transaction that wrote events commits.
    event_listeners: list[Callable[[], None]] = field(default_factory=list)
    #: Called (from any thread) when another process committed aircraft states.
    state_listeners: list[Callable[[], None]] = field(default_factory=list)
    #: Long-lived in-process caches (strategic indexes), keyed by name.
    caches: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _making: dict[str, threading.Lock] = field(default_factory=dict)

    def cache(self, name: str, make: Callable[[], Any]) -> Any:
        """The value under ``name``, made once by ``make`` on first use.

        ``make`` runs under a lock of its own name only: it may take the database writer
        (the service key is created in a write), and a writer holding the database may need
        some other cached value meanwhile. One lock for all names deadlocked exactly so.
        """
        with self._lock:
            if name in self.caches:
                return self.caches[name]
            making = self._making.setdefault(name, threading.Lock())
        with making:
            with self._lock:
                if name in self.caches:
                    return self.caches[name]
            value = make()
            with self._lock:
                self.caches[name] = value
            return value

    def now(self) -> float:
        return self.clock()

    def events_committed(self) -> None:
        for fn in list(self.event_listeners):
            fn()

    def states_committed(self) -> None:
        for fn in list(self.state_listeners):
            fn()
