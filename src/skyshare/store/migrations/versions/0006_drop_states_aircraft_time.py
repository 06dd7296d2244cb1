"""Drop the (aircraft_id, time) index of the state history: nothing reads it.

Each aircraft's new state landed on its own page of it, so once the history held a few
hundred thousand rows a batch of 1,000 states wrote about a page per state and ingest
slowed threefold. Retention uses ``ix_states_time`` and the detectors' feed uses ``seq``.

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


def downgrade() -> None:
    op.create_index("ix_states_aircraft_time", "states", ["aircraft_id", "time"])
