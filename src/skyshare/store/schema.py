"""The current database schema, one definition for SQLite and PostgreSQL.

Migrations in ``migrations/versions`` are frozen history; a test compares their result with
this metadata so the two cannot drift. Times are float seconds since the Unix epoch (UTC);
JSON documents are stored as text so both databases read them the same way.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "adoptions",
    "agreements",
    "aircraft",
    "audit",
    "checkpoints",
    "conflict_parties",
    "conflicts",
    "counters",
    "drills",
    "event_audience",
    "events",
    "leases",
    "messages",
    "meta",
    "metadata",
    "notices",
    "parties",
    "restrictions",
    "states",
    "webhook_deliveries",
]

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Integer, nullable=False),
)

parties = Table(
    "parties",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("language", String(2), nullable=False),
    Column("public_key", String(64), nullable=True),
    Column("webhook_url", Text, nullable=True),
    Column("webhook_secret", Text, nullable=True),
    Column("created_at", Float, nullable=False),
)

agreements = Table(
    "agreements",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("sha256", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

adoptions = Table(
    "adoptions",
    metadata,
    Column("version", Integer, ForeignKey("agreements.version"), primary_key=True),
    Column("party_id", String(36), ForeignKey("parties.id"), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("adopted_at", Float, nullable=False),
)

notices = Table(
    "notices",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("owner", String(36), ForeignKey("parties.id"), nullable=False),
    Column("state", String(16), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("ovn", String(64), nullable=False),
    Column("late", Boolean, nullable=False),
    Column("volumes", Text, nullable=False),
    Column("private", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("deleted_at", Float, nullable=True),
    Column("rev", Integer, nullable=False),
    Index("ix_notices_rev", "rev"),
    Index("ix_notices_created", "created_at"),
)

restrictions = Table(
    "restrictions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", Text, nullable=False),
    Column("source", Text, nullable=True),
    Column("source_id", Text, nullable=True),
    Column("type", Text, nullable=True),
    Column("volumes", Text, nullable=False),
    Column("schedule", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("deleted_at", Float, nullable=True),
    Column("rev", Integer, nullable=False),
    Index("ix_restrictions_rev", "rev"),
    UniqueConstraint("source", "source_id", name="uq_restrictions_source"),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("identity", Text, nullable=False),
    Column("parties", Text, nullable=False),
    Column("subjects", Text, nullable=False),
    Column("time_start", Float, nullable=True),
    Column("time_end", Float, nullable=True),
    Column("tcpa_s", Float, nullable=True),
    Column("min_horizontal_m", Float, nullable=True),
    Column("min_vertical_m", Float, nullable=True),
    Column("severity", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("acknowledged_by", Text, nullable=False),
    Column("aircraft", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ix_conflicts_identity", "identity", "status"),
    Index("ix_conflicts_created", "created_at"),
)

conflict_parties = Table(
    "conflict_parties",
    metadata,
    Column("party_id", String(36), primary_key=True),
    Column("conflict_id", String(36), ForeignKey("conflicts.id"), primary_key=True),
)

events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("type", String(40), nullable=False),
    Column("time", Float, nullable=False),
    Column("data", Text, nullable=False),
)

event_audience = Table(
    "event_audience",
    metadata,
    Column("party_id", String(36), primary_key=True),
    Column("seq", Integer, ForeignKey("events.seq"), primary_key=True),
)

audit = Table(
    "audit",
    metadata,
    Column("n", Integer, primary_key=True, autoincrement=False),
    Column("time", Float, nullable=False),
    Column("type", String(40), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("record", Text, nullable=False),
    Column("readers", Text, nullable=False),
)

# --- live operations (revision 0002) ---------------------------------------------------------

aircraft = Table(
    "aircraft",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("party_id", String(36), ForeignKey("parties.id"), nullable=False),
    Column("time", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lng", Float, nullable=False),
    Column("altitude_m", Float, nullable=False),
    Column("ground_speed_mps", Float, nullable=False),
    Column("track_deg", Float, nullable=False),
    Column("vertical_rate_mps", Float, nullable=False),
    Column("first_seen", Float, nullable=False),
    Column("received_at", Float, nullable=False),
)

states = Table(
    "states",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("aircraft_id", String(64), nullable=False),
    Column("party_id", String(36), nullable=False),
    Column("time", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lng", Float, nullable=False),
    Column("altitude_m", Float, nullable=False),
    Column("ground_speed_mps", Float, nullable=False),
    Column("track_deg", Float, nullable=False),
    Column("vertical_rate_mps", Float, nullable=False),
    Column("received_at", Float, nullable=False),
    Index("ix_states_time", "time"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("party_id", String(36), ForeignKey("parties.id"), nullable=False),
    Column("event_seq", Integer, ForeignKey("events.seq"), nullable=False),
    Column("url", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Float, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("delivered_at", Float, nullable=True),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
    Index("ix_deliveries_party", "party_id", "id"),
)

# --- hotline (revision 0002) -----------------------------------------------------------------

messages = Table(
    "messages",
    metadata,
    Column("id", String(36), primary_key=True),
    # NULL: sent by the service itself (link-test drills; revision 0004).
    Column("sender", String(36), ForeignKey("parties.id"), nullable=True),
    Column("recipient", String(36), ForeignKey("parties.id"), nullable=False),
    Column("conflict_id", String(36), nullable=True),
    Column("template", String(64), nullable=True),
    Column("params", Text, nullable=True),
    Column("text", Text, nullable=True),
    Column("sent_at", Float, nullable=False),
    Column("body", Text, nullable=False),
    Column("signature", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("acknowledged_at", Float, nullable=True),
    Column("ack_signature", Text, nullable=True),
    Column("overdue_at", Float, nullable=True),
    Index("ix_messages_sender", "sender", "created_at"),
    Index("ix_messages_recipient", "recipient", "created_at"),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("n", Integer, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("time", Text, nullable=False),
    Column("signature", Text, nullable=False),
)

drills = Table(
    "drills",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("party_id", String(36), ForeignKey("parties.id"), nullable=False),
    Column("message_id", String(36), nullable=False),
    Column("sent_at", Float, nullable=False),
    Column("acknowledged_at", Float, nullable=True),
    Column("missed", Boolean, nullable=False),
    Index("ix_drills_sent", "sent_at"),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
)
