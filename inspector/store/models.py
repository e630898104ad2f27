"""ORM models over the Core tables of store/tables.py (a test proves they agree with
schema.sql on every dialect). The lookup path never imports this module: it loads the
ORM, which a `find` does not need."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import DeclarativeBase, Mapped

from inspector.store import tables


class Base(DeclarativeBase):
    metadata = tables.metadata


class AppRow(Base):
    __table__ = tables.apps

    app_id: Mapped[str]
    name: Mapped[str]
    platform: Mapped[str]
    bundle_id: Mapped[str]
    fcm_project_id: Mapped[str | None]
    apns_topic: Mapped[str | None]


class InstallationRow(Base):
    __table__ = tables.installations

    installation_id: Mapped[str]
    app_id: Mapped[str]
    custom_user_id: Mapped[str | None]
    advertising_id: Mapped[str | None]
    platform: Mapped[str]
    device_brand: Mapped[str | None]
    device_model: Mapped[str | None]
    os_version: Mapped[str | None]
    app_version: Mapped[str | None]
    sdk_version: Mapped[str | None]
    language: Mapped[str | None]
    region: Mapped[str | None]
    timezone: Mapped[str | None]
    push_provider: Mapped[str | None]
    push_token: Mapped[str | None]
    apns_environment: Mapped[str | None]
    push_token_updated_at: Mapped[datetime | None]
    push_token_status: Mapped[str]
    notifications_enabled: Mapped[bool | None]
    installed_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    attributes: Mapped[str | None]


class EventRow(Base):
    __table__ = tables.installation_events

    event_id: Mapped[int]
    installation_id: Mapped[str]
    occurred_at: Mapped[datetime]
    kind: Mapped[str]
    detail: Mapped[str | None]
