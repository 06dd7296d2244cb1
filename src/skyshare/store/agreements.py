"""Agreement versions and their adoptions."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from skyshare.model.agreement import Agreement, agreement_from_mapping
from skyshare.store import _json
from skyshare.store.schema import adoptions, agreements

__all__ = [
    "StoredAgreement",
    "adopt",
    "adopted_by",
    "current",
    "current_with_adoptions",
    "insert_version",
]


@dataclass(frozen=True, slots=True)
class StoredAgreement:
    version: int
    sha256: str
    agreement: Agreement
    created_at: float


@functools.lru_cache(maxsize=16)
def _parse(body: str) -> Agreement:
    # A pure memo keyed by the stored text: every check reads the agreement, few change it.
    return agreement_from_mapping(_json.loads(body))


_ADOPTED = (
    select(func.count())
    .select_from(adoptions)
    .where(adoptions.c.version == agreements.c.version)
    .scalar_subquery()
)
_CURRENT = (
    select(agreements, _ADOPTED.label("adopted")).order_by(agreements.c.version.desc()).limit(1)
)


def current(conn: Connection) -> StoredAgreement | None:
    return current_with_adoptions(conn)[0]


def current_with_adoptions(conn: Connection) -> tuple[StoredAgreement | None, int]:
    """The newest version and how many parties adopted it, in one query."""
    row = conn.execute(_CURRENT).mappings().first()
    if row is None:
        return None, 0
    stored = StoredAgreement(
        version=row["version"],
        sha256=row["sha256"],
        agreement=_parse(row["body"]),
        created_at=row["created_at"],
    )
    return stored, int(row["adopted"])


def insert_version(conn: Connection, agreement: Agreement, now: float) -> StoredAgreement:
    latest = conn.execute(select(func.max(agreements.c.version))).scalar()
    version = (latest or 0) + 1
    sha = agreement.sha256()
    conn.execute(
        agreements.insert().values(
            version=version, sha256=sha, body=_json.dumps(agreement.to_json()), created_at=now
        )
    )
    return StoredAgreement(version, sha, agreement, now)


def adopt(conn: Connection, version: int, party_id: str, sha256: str, now: float) -> bool:
    """Record an adoption; False when that party had already adopted this version."""
    exists = conn.execute(
        select(adoptions.c.party_id).where(
            adoptions.c.version == version, adoptions.c.party_id == party_id
        )
    ).first()
    if exists is not None:
        return False
    conn.execute(
        adoptions.insert().values(version=version, party_id=party_id, sha256=sha256, adopted_at=now)
    )
    return True


def adopted_by(conn: Connection, version: int) -> list[str]:
    """Party ids that adopted this version, in adoption order."""
    rows = conn.execute(
        select(adoptions.c.party_id)
        .where(adoptions.c.version == version)
        .order_by(adoptions.c.adopted_at, adoptions.c.party_id)
    )
    return [r[0] for r in rows]
