"""The store's tables declared with SQLAlchemy Core, mirroring schema.sql.

The lookup path (repository, schema check) reads these: Core only, so a `find` never
loads the ORM. The ORM models of store/models.py map onto these same Table objects, for
the generator and the tests that want them.
"""

from __future__ import annotations

from sqlalchemy import (
    TIMESTAMP,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

apps = Table(
    "apps",
    metadata,
    Column("app_id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("bundle_id", String(255), nullable=False),
    Column("fcm_project_id", String(255)),
    Column("apns_topic", String(255)),
)

installations = Table(
    "installations",
    metadata,
    Column("installation_id", String(64), primary_key=True),
    Column("app_id", String(64), ForeignKey("apps.app_id"), nullable=False),
    Column("custom_user_id", String(255)),
    Column("advertising_id", String(64)),
    Column("platform", String(16), nullable=False),
    Column("device_brand", String(64)),
    Column("device_model", String(128)),
    Column("os_version", String(32)),
    Column("app_version", String(32)),
    Column("sdk_version", String(32)),
    Column("language", String(16)),
    Column("region", String(16)),
    Column("timezone", String(64)),
    Column("push_provider", String(16)),
    Column("push_token", String(512)),
    Column("apns_environment", String(16)),
    Column("push_token_updated_at", TIMESTAMP),
    Column("push_token_status", String(16), nullable=False),
    Column("notifications_enabled", Boolean),
    Column("installed_at", TIMESTAMP, nullable=False),
    Column("last_seen_at", TIMESTAMP, nullable=False),
    Column("attributes", Text),
    Index("ix_installations_custom_user_id", "custom_user_id"),
    Index("ix_installations_advertising_id", "advertising_id"),
    Index("ix_installations_push_token", "push_token"),
)

installation_events = Table(
    "installation_events",
    metadata,
    # Assigned by the producer: autoincrement is not portable across the engines.
    Column("event_id", BigInteger, primary_key=True, autoincrement=False),
    Column(
        "installation_id",
        String(64),
        ForeignKey("installations.installation_id"),
        nullable=False,
    ),
    Column("occurred_at", TIMESTAMP, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("detail", Text),
    Index("ix_installation_events_installation_occurred", "installation_id", "occurred_at"),
)
