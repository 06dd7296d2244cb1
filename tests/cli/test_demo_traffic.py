"""The demo's synthetic traffic produces real encounters between blue and red."""

from __future__ import annotations

from pathlib import Path

from skyshare.cli._demo_traffic import LEGS, position
from skyshare.cli.demo import seed
from skyshare.model.conflict import ConflictKind
from skyshare.services import detection, states
from skyshare.services.context import Context
from skyshare.services.parties import authenticate
from skyshare.store import conflicts as conflict_store
from skyshare.store.database import open_database


def test_demo_legs_meet_and_one_enters_the_danger_area(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    tokens = seed(db)
    clock = [1_800_000_000.0]
    start = clock[0]
    ctx = Context(open_database(db), clock=lambda: clock[0])
    try:
        callers = {n: authenticate(ctx, f"Bearer {t}") for n, t in tokens.items()}
        first: dict[str, float] = {}
        for _ in range(20 * 60 // 5):  # twenty minutes in 5 s steps
            for name, caller in callers.items():
                states.ingest(
                    ctx,
                    caller,
                    [position(leg, clock[0], start) for leg in LEGS if leg.party == name],
                )
            detection.run_cycle(ctx)
            with ctx.db.read() as conn:
                for c in conflict_store.list_for_party(conn, None, None, 1000):
                    first.setdefault(c.kind.value, clock[0] - start)
            clock[0] += 5.0
        with ctx.db.read() as conn:
            found = conflict_store.list_for_party(conn, None, None, 10_000)
    finally:
        ctx.db.dispose()
    tactical = {
        frozenset(s.id for s in c.subjects) for c in found if c.kind == ConflictKind.TACTICAL
    }
    assert frozenset({"BLU101", "RED201"}) in tactical
    assert frozenset({"BLU102", "RED202"}) in tactical
    assert all(len(c.parties) == 2 for c in found if c.kind == ConflictKind.TACTICAL)
    entered = {c.subjects[0].id for c in found if c.kind == ConflictKind.RESTRICTION and c.subjects}
    assert "RED203" in entered
    # The clear legs never conflict with anyone.
    involved = {s.id for c in found for s in c.subjects}
    assert "BLU103" not in involved
    assert "RED204" not in involved
    assert any(c.status.value == "resolved" for c in found if c.kind == ConflictKind.TACTICAL)
    assert first["tactical"] <= 60.0  # a demo shows an encounter within its first minute
