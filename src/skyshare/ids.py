"""Identifiers that grow with time, so rows written together sit together."""

from __future__ import annotations

import os
import uuid

__all__ = ["time_ordered_uuid"]


def time_ordered_uuid(now: float) -> str:
    """A UUID version 7 (RFC 9562 §5.7): milliseconds since the epoch, then 74 random bits.

    A notice opens dozens of conflicts and events at once; with random (version 4) ids each
    row landed on a different page of the id's unique index, and those pages were most of
    what a commit wrote. Ids that grow with time are appended side by side instead.

    >>> u = uuid.UUID(time_ordered_uuid(1_800_000_000.5))
    >>> (u.version, u.variant == uuid.RFC_4122, u.int >> 80)
    (7, True, 1800000000500)
    """
    ms = int(now * 1000) & 0xFFFF_FFFF_FFFF
    rand = int.from_bytes(os.urandom(10), "big")  # 80 bits; 74 are used
    rand_a, rand_b = (rand >> 62) & 0xFFF, rand & 0x3FFF_FFFF_FFFF_FFFF
    return str(uuid.UUID(int=(ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b))
