"""Drop two indexes that every state paid for and almost nothing reads.

``states (aircraft_id, time)``: each aircraft's new state landed on its own page of it, so
once the history held a few hundred thousand rows a batch of 1,000 states wrote about a
page per state and ingest slowed threefold. Nothing reads it: retention uses
``ix_states_time`` and the detectors' feed uses ``seq``.

``aircraft (time)``: every state moves its aircraft's entry. It served only the start-up
load of the live picture, which now scans the table of aircraft once.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_states_aircraft_time", table_name="states")
    op.drop_index("ix_aircraft_time", table_name="aircraft")


def downgrade() -> None:
    op.create_index("ix_aircraft_time", "aircraft", ["time"])
    op.create_index("ix_states_aircraft_time", "states", ["aircraft_id", "time"])
