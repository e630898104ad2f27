"""The sign-off tables, kept in the journal's database beside the journal's own.

Their own MetaData and their own version table (`signoff_schema`): the journal's
migrations never touch them, and they are created on first use (storage.py) on SQLite,
PostgreSQL and MariaDB. Times are naive UTC, as the journal keeps them; the timestamp
type, the version table's shape and the MariaDB table options are the journal's
(inspector.journal.schema, `for_mariadb`).

Nothing here imports SQLAlchemy's MySQL dialect: the MariaDB table options are put on
the tables when they are created on a MariaDB server.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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
)

from inspector.journal.schema import Timestamp, version_table

SCHEMA_VERSION = 1

metadata = MetaData()

versions = version_table("signoff_schema", metadata)

# A proof: one payload for one app, sent to its test devices, then signed off.
proofs = Table(
    "signoff_proofs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("app", String(200), nullable=False),
    Column("author", String(200), nullable=False),
    Column("profile", String(64), nullable=False),
    Column("environment", String(32), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("payload", Text, nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("cap", Integer, nullable=False),
    Column("approvals_required", Integer, nullable=False),
    # pending | approved | rejected: kept in step with the sign-offs, under the proof's lock
    Column("status", String(16), nullable=False),
    # The journal record of its creation (proof.create).
    Column("record_id", BigInteger, nullable=True),
    Index("ix_signoff_proofs_profile", "profile", "created_at"),
    Index("ix_signoff_proofs_author", "author", "created_at"),
)

# One row per test device of a proof: the ones it went to and the ones it skipped.
proof_sends = Table(
    "signoff_proof_sends",
    metadata,
    Column("proof_id", String(32), ForeignKey("signoff_proofs.id"), primary_key=True),
    Column("installation_id", String(128), primary_key=True),
    Column("store", String(64), nullable=False),
    Column("label", String(200), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("platform", String(32), nullable=True),
    Column("provider", String(16), nullable=True),
    Column("apns_environment", String(16), nullable=True),
    Column("token", String(64), nullable=True),  # masked
    Column("token_state", String(64), nullable=True),
    # skipped | pending | accepted | rejected | refused | failed
    Column("status", String(16), nullable=False),
    Column("reason", String(200), nullable=True),  # provider code or skip kind
    Column("detail", Text, nullable=True),  # the verdict or the skip in words
    Column("message_id", String(200), nullable=True),
    Column("latency_ms", Float, nullable=True),
    Column("ambiguous", Boolean, nullable=True),
    Column("sent_at", Timestamp, nullable=True),
    Column("finished_at", Timestamp, nullable=True),
    # The journal record of this device's verdict (proof.device).
    Column("record_id", BigInteger, nullable=True),
)

# One sign-off per operator and proof: the primary key is the rule.
signoffs = Table(
    "signoff_signoffs",
    metadata,
    Column("proof_id", String(32), ForeignKey("signoff_proofs.id"), primary_key=True),
    Column("operator", String(200), primary_key=True),
    Column("decision", String(16), nullable=False),  # approve | reject
    Column("comment", Text, nullable=True),
    Column("at", Timestamp, nullable=False),
    Column("record_id", BigInteger, nullable=True),
)

# A one-off send to one installation that a second operator approves, used once.
push_requests = Table(
    "signoff_push_requests",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("requester", String(200), nullable=False),
    Column("profile", String(64), nullable=False),
    Column("environment", String(32), nullable=False),
    Column("installation_id", String(128), nullable=False),
    Column("store", String(64), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("token", String(64), nullable=True),  # masked, for the approver's eyes
    Column("device", Text, nullable=True),  # a line describing the device
    Column("payload", Text, nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("combined_sha256", String(64), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    Column("approved_by", String(200), nullable=True),
    Column("approved_at", Timestamp, nullable=True),
    Column("approve_comment", Text, nullable=True),
    Column("rejected_by", String(200), nullable=True),
    Column("rejected_at", Timestamp, nullable=True),
    Column("reject_comment", Text, nullable=True),
    # Set once, by the conditional UPDATE that claims the approval: single use.
    Column("used_at", Timestamp, nullable=True),
    Column("record_id", BigInteger, nullable=True),
    Index("ix_signoff_requests_profile", "profile", "created_at"),
)

TABLES = (versions, proofs, proof_sends, signoffs, push_requests)
