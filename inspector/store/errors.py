"""Store failures, each a one-line message that names host and database, never a secret."""


class StoreError(Exception):
    """Base of every store failure the user is told about."""


class StoreUnavailable(StoreError):
    """The database cannot be reached (down, refused, wrong host, auth failed)."""


class StoreTimeout(StoreError):
    """A statement ran past the statement timeout and was cancelled."""


class SchemaMismatch(StoreError):
    """The database does not match schema.sql: a table or column is missing."""


class StoreReadOnly(StoreError):
    """Something tried to write through the read-only store connection."""
