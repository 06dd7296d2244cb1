"""Live operations and hotline: aircraft, states, webhook deliveries, messages, checkpoints,
drills, leases.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_STATE_COLUMNS = (
    "time",
    "lat",
    "lng",
    "altitude_m",
    "ground_speed_mps",
    "track_deg",
    "vertical_rate_mps",
)


def upgrade() -> None:
    op.create_table(
        "aircraft",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("party_id", sa.String(36), sa.ForeignKey("parties.id"), nullable=False),
        *(sa.Column(c, sa.Float, nullable=False) for c in _STATE_COLUMNS),
        sa.Column("first_seen", sa.Float, nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
    )
    op.create_index("ix_aircraft_time", "aircraft", ["time"])
    op.create_table(
        "states",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("aircraft_id", sa.String(64), nullable=False),
        sa.Column("party_id", sa.String(36), nullable=False),
        *(sa.Column(c, sa.Float, nullable=False) for c in _STATE_COLUMNS),
        sa.Column("received_at", sa.Float, nullable=False),
    )
    op.create_index("ix_states_time", "states", ["time"])
    op.create_index("ix_states_aircraft_time", "states", ["aircraft_id", "time"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("party_id", sa.String(36), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("event_seq", sa.Integer, sa.ForeignKey("events.seq"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("delivered_at", sa.Float, nullable=True),
    )
    op.create_index("ix_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_party", "webhook_deliveries", ["party_id", "id"])
    op.create_table(
        "messages",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("sender", sa.String(36), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("recipient", sa.String(36), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("conflict_id", sa.String(36), nullable=True),
        sa.Column("template", sa.String(64), nullable=True),
        sa.Column("params", sa.Text, nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("sent_at", sa.Float, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("acknowledged_at", sa.Float, nullable=True),
        sa.Column("ack_signature", sa.Text, nullable=True),
        sa.Column("overdue_at", sa.Float, nullable=True),
    )
    op.create_index("ix_messages_sender", "messages", ["sender", "created_at"])
    op.create_index("ix_messages_recipient", "messages", ["recipient", "created_at"])
    op.create_table(
        "checkpoints",
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("time", sa.Text, nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
    )
    op.create_table(
        "drills",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("party_id", sa.String(36), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("sent_at", sa.Float, nullable=False),
        sa.Column("acknowledged_at", sa.Float, nullable=True),
        sa.Column("missed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_drills_sent", "drills", ["sent_at"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for name in (
        "leases",
        "drills",
        "checkpoints",
        "messages",
        "webhook_deliveries",
        "states",
        "aircraft",
    ):
        op.drop_table(name)
