"""PostgreSQL: a space-time GiST index over live notices, so API processes need no index.

Under SQLite one process keeps the strategic index in memory. Several PostgreSQL processes
would each need a copy of every notice; instead the database finds candidates: a GiST index
on a conservative lng/lat box and time range per notice (core PostgreSQL: ``box`` and
``numrange``, no extension), computed from the stored volumes by two IMMUTABLE functions.
The exact test stays in Python, so both backends give the same conflicts.

The box must contain every footprint, so it errs outward: circles are bounded with the
polar radius, polygon edges may bow poleward of their vertices (great circles), and a box
that would cross the antimeridian or come near a pole takes every longitude.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BOX_FUNCTION = r"""
CREATE OR REPLACE FUNCTION skyshare_notice_box(volumes text) RETURNS box
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  v jsonb; p jsonb; c jsonb;
  lat float8; lng float8; r float8; d float8; reach float8; span float8;
  vy0 float8; vy1 float8; vx0 float8; vx1 float8;
  y0 float8 := 90; y1 float8 := -90; x0 float8 := 180; x1 float8 := -180;
BEGIN
  FOR v IN SELECT jsonb_array_elements(volumes::jsonb) LOOP
    c := v->'volume'->'outline_circle';
    IF c IS NOT NULL THEN
      lat := (c->'center'->>'lat')::float8;
      lng := (c->'center'->>'lng')::float8;
      r := (c->'radius'->>'value')::float8;
      d := degrees(r / 6356752.0) * 1.01 + 0.001;
      vy0 := lat - d; vy1 := lat + d; vx0 := lng; vx1 := lng;
    ELSE
      vy0 := 90; vy1 := -90; vx0 := 180; vx1 := -180;
      FOR p IN SELECT jsonb_array_elements(v->'volume'->'outline_polygon'->'vertices') LOOP
        lat := (p->>'lat')::float8;
        lng := (p->>'lng')::float8;
        vy0 := least(vy0, lat); vy1 := greatest(vy1, lat);
        vx0 := least(vx0, lng); vx1 := greatest(vx1, lng);
      END LOOP;
      IF vx1 - vx0 > 180 THEN  -- the short way round crosses the antimeridian
        vx0 := -180; vx1 := 180;
      END IF;
      -- Edges are great-circle-like: they bow poleward of the vertices by at most about
      -- L^2 tan(lat) / 8R for an edge of length L; twice that, plus 100 m, is the margin.
      span := radians(greatest(vy1 - vy0, least(vx1 - vx0, 180) * cos(radians(least(
        greatest(abs(vy0), abs(vy1)), 89.0)))) * 1.5) * 6371008.8;
      d := degrees((span * span * tan(radians(least(greatest(abs(vy0), abs(vy1)), 85.0)))
        / (4 * 6371008.8) + 100.0) / 6356752.0);
      vy0 := vy0 - d; vy1 := vy1 + d;
    END IF;
    -- Widen longitudes by d at the box's most poleward latitude; near a pole take them all.
    reach := greatest(abs(vy0), abs(vy1));
    IF reach >= 85.0 THEN
      vx0 := -180; vx1 := 180;
      IF vy1 >= 85.0 THEN vy1 := 90; END IF;
      IF vy0 <= -85.0 THEN vy0 := -90; END IF;
    ELSIF d > 0 THEN
      vx0 := vx0 - d / cos(radians(reach)); vx1 := vx1 + d / cos(radians(reach));
    END IF;
    IF vx0 < -180 OR vx1 > 180 THEN
      vx0 := -180; vx1 := 180;
    END IF;
    y0 := least(y0, greatest(vy0, -90)); y1 := greatest(y1, least(vy1, 90));
    x0 := least(x0, vx0); x1 := greatest(x1, vx1);
  END LOOP;
  RETURN box(point(x0, y0), point(x1, y1));
END $$;
"""

WINDOW_FUNCTION = r"""
CREATE OR REPLACE FUNCTION skyshare_notice_window(volumes text) RETURNS numrange
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT numrange(
    CASE WHEN bool_or(v->'time_start' IS NULL OR v->'time_start' = 'null'::jsonb) THEN NULL
         ELSE min(extract(epoch FROM (v->'time_start'->>'value')::timestamptz)) END,
    CASE WHEN bool_or(v->'time_end' IS NULL OR v->'time_end' = 'null'::jsonb) THEN NULL
         ELSE max(extract(epoch FROM (v->'time_end'->>'value')::timestamptz)) END,
    '[]')
  FROM jsonb_array_elements(volumes::jsonb) AS v
$$;
"""


EXPAND_FUNCTION = r"""
CREATE OR REPLACE FUNCTION skyshare_box_expand(b box, metres float8) RETURNS box
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  d float8 := degrees(metres / 6356752.0);
  y0 float8 := (b[1])[1] - d; y1 float8 := (b[0])[1] + d;
  x0 float8 := (b[1])[0]; x1 float8 := (b[0])[0];
  reach float8 := greatest(abs(y0), abs(y1));
BEGIN
  IF reach >= 85.0 THEN
    RETURN box(point(-180, greatest(y0, -90)), point(180, least(y1, 90)));
  END IF;
  x0 := x0 - d / cos(radians(reach)); x1 := x1 + d / cos(radians(reach));
  IF x0 < -180 OR x1 > 180 THEN
    x0 := -180; x1 := 180;
  END IF;
  RETURN box(point(x0, y0), point(x1, y1));
END $$;
"""


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return  # SQLite: the one process keeps the index in memory
    op.execute(BOX_FUNCTION)
    op.execute(WINDOW_FUNCTION)
    op.execute(EXPAND_FUNCTION)
    op.execute(
        "CREATE INDEX ix_notices_space_time ON notices USING gist "
        "(skyshare_notice_box(volumes), skyshare_notice_window(volumes)) "
        "WHERE deleted_at IS NULL"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_notices_space_time")
    op.execute("DROP FUNCTION IF EXISTS skyshare_box_expand(box, float8)")
    op.execute("DROP FUNCTION IF EXISTS skyshare_notice_window(text)")
    op.execute("DROP FUNCTION IF EXISTS skyshare_notice_box(text)")
