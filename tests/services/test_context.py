"""The context's caches never hold up a writer that needs another cached value."""

from __future__ import annotations

import threading

from skyshare.services.context import Context
from skyshare.store.database import open_database


def test_a_cache_made_by_a_writer_does_not_block_a_writer_reading_another(db_target: str) -> None:
    ctx = Context(open_database(db_target))
    writer_inside = threading.Event()
    maker_started = threading.Event()
    done: list[str] = []

    def make_with_a_write() -> str:
        maker_started.set()
        with ctx.db.write():  # waits for the writer below
            return "made"

    def writer() -> None:
        with ctx.db.write():
            writer_inside.set()
            assert maker_started.wait(5)
            done.append(ctx.cache("plain", lambda: "value"))  # needs the cache meanwhile

    def maker() -> None:
        assert writer_inside.wait(5)
        done.append(ctx.cache("written", make_with_a_write))

    threads = [threading.Thread(target=writer), threading.Thread(target=maker)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in threads), "deadlock"
    assert sorted(done) == ["made", "value"]
    assert ctx.cache("written", lambda: "again") == "made"
    ctx.db.dispose()
