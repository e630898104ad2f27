-- The installation store the inspector reads. Portable DDL: it runs unchanged on
-- SQLite, PostgreSQL and MariaDB. Columns beyond this contract must be nullable or
-- have a default. Timestamps are UTC.

CREATE TABLE apps (
    app_id          VARCHAR(64)  NOT NULL PRIMARY KEY,
    name            VARCHAR(255) NOT NULL,
    platform        VARCHAR(16)  NOT NULL,
    bundle_id       VARCHAR(255) NOT NULL,
    fcm_project_id  VARCHAR(255) NULL,
    apns_topic      VARCHAR(255) NULL
);

CREATE TABLE installations (
    installation_id        VARCHAR(64)  NOT NULL PRIMARY KEY,
    app_id                 VARCHAR(64)  NOT NULL REFERENCES apps (app_id),
    custom_user_id         VARCHAR(255) NULL,
    advertising_id         VARCHAR(64)  NULL,
    platform               VARCHAR(16)  NOT NULL,
    device_brand           VARCHAR(64)  NULL,
    device_model           VARCHAR(128) NULL,
    os_version             VARCHAR(32)  NULL,
    app_version            VARCHAR(32)  NULL,
    sdk_version            VARCHAR(32)  NULL,
    language               VARCHAR(16)  NULL,
    region                 VARCHAR(16)  NULL,
    timezone               VARCHAR(64)  NULL,
    push_provider          VARCHAR(16)  NULL,
    push_token             VARCHAR(512) NULL,
    apns_environment       VARCHAR(16)  NULL,
    push_token_updated_at  TIMESTAMP    NULL,
    push_token_status      VARCHAR(16)  NOT NULL,
    notifications_enabled  BOOLEAN      NULL,
    installed_at           TIMESTAMP    NOT NULL,
    last_seen_at           TIMESTAMP    NOT NULL,
    attributes             TEXT         NULL
);

CREATE INDEX ix_installations_custom_user_id ON installations (custom_user_id);
CREATE INDEX ix_installations_advertising_id ON installations (advertising_id);
CREATE INDEX ix_installations_push_token ON installations (push_token);

CREATE TABLE installation_events (
    event_id         BIGINT      NOT NULL PRIMARY KEY,
    installation_id  VARCHAR(64) NOT NULL REFERENCES installations (installation_id),
    occurred_at      TIMESTAMP   NOT NULL,
    kind             VARCHAR(32) NOT NULL,
    detail           TEXT        NULL
);

CREATE INDEX ix_installation_events_installation_occurred
    ON installation_events (installation_id, occurred_at);
