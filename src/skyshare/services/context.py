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

    def cache(self, name: str, make: Callable[[], Any]) -> Any:
        with self._lock:
            if name not in self.caches:
                self.caches[name] = make()
            return self.caches[name]

    def now(self) -> float:
        return self.clock()

    def events_committed(self) -> None:
        for fn in list(self.event_listeners):
            fn()

    def states_committed(self) -> None:
        for fn in list(self.state_listeners):
            fn()
