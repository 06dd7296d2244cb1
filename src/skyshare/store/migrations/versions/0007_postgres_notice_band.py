"""PostgreSQL: the space-time index also holds each notice's altitude band.

Candidates found by box and window alone include every notice above or below the new one
(drones under aircraft, in the same place and hour); each must be fetched, parsed and
tested before the engine rules it out. A third GiST column, a conservative band per notice,
lets the database drop them. It errs outward like the box: the band runs from the lowest
floor to the highest ceiling of the notice's volumes, with every AGL limit widened to the
W84 heights it could mean anywhere (floor over the lowest land, ceiling over the highest),
so it contains whatever band the engine compares (as given or widened); an unlimited
ceiling or missing floor leaves that end open.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: The engine's TERRAIN_MIN_M and TERRAIN_MAX_M (frozen here: migrations are history).
BAND_FUNCTION = r"""
CREATE OR REPLACE FUNCTION skyshare_notice_band(volumes text) RETURNS numrange
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT numrange(
    CASE WHEN bool_or((v->'volume'->'altitude_lower'->>'value') IS NULL) THEN NULL
         ELSE min((v->'volume'->'altitude_lower'->>'value')::numeric
                  + CASE WHEN v->'volume'->'altitude_lower'->>'reference' = 'W84'
                         THEN 0 ELSE -430 END) END,
    CASE WHEN bool_or((v->'volume'->'altitude_upper'->>'value') IS NULL) THEN NULL
         ELSE max((v->'volume'->'altitude_upper'->>'value')::numeric
                  + CASE WHEN v->'volume'->'altitude_upper'->>'reference' = 'W84'
                         THEN 0 ELSE 8849 END) END,
    '[]')
  FROM jsonb_array_elements(volumes::jsonb) AS v
$$;
"""


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return  # SQLite: the one process keeps the index in memory
    op.execute(BAND_FUNCTION)
    op.execute("DROP INDEX IF EXISTS ix_notices_space_time")
    op.execute(
        "CREATE INDEX ix_notices_space_time ON notices USING gist "
        "(skyshare_notice_box(volumes), skyshare_notice_window(volumes), "
        "skyshare_notice_band(volumes)) WHERE deleted_at IS NULL"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_notices_space_time")
    op.execute(
        "CREATE INDEX ix_notices_space_time ON notices USING gist "
        "(skyshare_notice_box(volumes), skyshare_notice_window(volumes)) "
        "WHERE deleted_at IS NULL"
    )
    op.execute("DROP FUNCTION IF EXISTS skyshare_notice_band(text)")
