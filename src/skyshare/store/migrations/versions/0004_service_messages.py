"""Messages the service itself sends (link-test drills) have no sending party.

Revision ID: 0004
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.alter_column("sender", existing_type=sa.String(36), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM messages WHERE sender IS NULL")
    with op.batch_alter_table("messages") as batch:
        batch.alter_column("sender", existing_type=sa.String(36), nullable=False)
