"""Initial schema: parties, agreement, notices, restrictions, conflicts, events, audit.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    op.create_table(
        "parties",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=True),
        sa.Column("webhook_url", sa.Text, nullable=True),
        sa.Column("webhook_secret", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "agreements",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "adoptions",
        sa.Column("version", sa.Integer, sa.ForeignKey("agreements.version"), primary_key=True),
        sa.Column("party_id", sa.String(36), sa.ForeignKey("parties.id"), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("adopted_at", sa.Float, nullable=False),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("owner", sa.String(36), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("ovn", sa.String(64), nullable=False),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("volumes", sa.Text, nullable=False),
        sa.Column("private", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("deleted_at", sa.Float, nullable=True),
        sa.Column("rev", sa.Integer, nullable=False),
    )
    op.create_index("ix_notices_rev", "notices", ["rev"])
    op.create_index("ix_notices_created", "notices", ["created_at"])
    op.create_table(
        "restrictions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("source_id", sa.Text, nullable=True),
        sa.Column("type", sa.Text, nullable=True),
        sa.Column("volumes", sa.Text, nullable=False),
        sa.Column("schedule", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("deleted_at", sa.Float, nullable=True),
        sa.Column("rev", sa.Integer, nullable=False),
        sa.UniqueConstraint("source", "source_id", name="uq_restrictions_source"),
    )
    op.create_index("ix_restrictions_rev", "restrictions", ["rev"])
    op.create_table(
        "conflicts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("identity", sa.Text, nullable=False),
        sa.Column("parties", sa.Text, nullable=False),
        sa.Column("subjects", sa.Text, nullable=False),
        sa.Column("time_start", sa.Float, nullable=True),
        sa.Column("time_end", sa.Float, nullable=True),
        sa.Column("tcpa_s", sa.Float, nullable=True),
        sa.Column("min_horizontal_m", sa.Float, nullable=True),
        sa.Column("min_vertical_m", sa.Float, nullable=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("acknowledged_by", sa.Text, nullable=False),
        sa.Column("aircraft", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_conflicts_identity", "conflicts", ["identity", "status"])
    op.create_index("ix_conflicts_created", "conflicts", ["created_at"])
    op.create_table(
        "conflict_parties",
        sa.Column("party_id", sa.String(36), primary_key=True),
        sa.Column("conflict_id", sa.String(36), sa.ForeignKey("conflicts.id"), primary_key=True),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("time", sa.Float, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "event_audience",
        sa.Column("party_id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.Integer, sa.ForeignKey("events.seq"), primary_key=True),
    )
    op.create_table(
        "audit",
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("time", sa.Float, nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("readers", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for name in (
        "audit",
        "event_audience",
        "events",
        "conflict_parties",
        "conflicts",
        "restrictions",
        "notices",
        "adoptions",
        "agreements",
        "parties",
        "counters",
        "meta",
    ):
        op.drop_table(name)
