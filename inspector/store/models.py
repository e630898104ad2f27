"""SQLAlchemy models mirroring schema.sql (a test proves they agree on every dialect)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TIMESTAMP


class Base(DeclarativeBase):
    pass


class AppRow(Base):
    __tablename__ = "apps"

    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    platform: Mapped[str] = mapped_column(String(16))
    bundle_id: Mapped[str] = mapped_column(String(255))
    fcm_project_id: Mapped[str | None] = mapped_column(String(255))
    apns_topic: Mapped[str | None] = mapped_column(String(255))


class InstallationRow(Base):
    __tablename__ = "installations"
    __table_args__ = (
        Index("ix_installations_custom_user_id", "custom_user_id"),
        Index("ix_installations_advertising_id", "advertising_id"),
        Index("ix_installations_push_token", "push_token"),
    )

    installation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(64), ForeignKey("apps.app_id"))
    custom_user_id: Mapped[str | None] = mapped_column(String(255))
    advertising_id: Mapped[str | None] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(16))
    device_brand: Mapped[str | None] = mapped_column(String(64))
    device_model: Mapped[str | None] = mapped_column(String(128))
    os_version: Mapped[str | None] = mapped_column(String(32))
    app_version: Mapped[str | None] = mapped_column(String(32))
    sdk_version: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    push_provider: Mapped[str | None] = mapped_column(String(16))
    push_token: Mapped[str | None] = mapped_column(String(512))
    apns_environment: Mapped[str | None] = mapped_column(String(16))
    push_token_updated_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)
    push_token_status: Mapped[str] = mapped_column(String(16))
    notifications_enabled: Mapped[bool | None] = mapped_column(Boolean)
    installed_at: Mapped[datetime] = mapped_column(TIMESTAMP)
    last_seen_at: Mapped[datetime] = mapped_column(TIMESTAMP)
    attributes: Mapped[str | None] = mapped_column(Text)


class EventRow(Base):
    __tablename__ = "installation_events"
    __table_args__ = (
        Index("ix_installation_events_installation_occurred", "installation_id", "occurred_at"),
    )

    # Assigned by the producer: autoincrement is not portable across the engines.
    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    installation_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("installations.installation_id")
    )
    occurred_at: Mapped[datetime] = mapped_column(TIMESTAMP)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
