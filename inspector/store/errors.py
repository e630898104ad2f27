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


class IncompleteAnswer(StoreError):
    """Some of a profile's stores answered, and the answer depends on one that did not
    (an Installation ID none of the others holds): never "not found"."""


class UnknownStore(StoreError):
    """A store name the profile does not have (`get(iid, store=...)`): a mistake, not an
    outage."""


class AmbiguousInstallation(Exception):
    """An Installation ID held by more than one of a profile's stores: refused, since a
    send or a lookup could reach the wrong device. Not a StoreError: every store
    answered, so nothing is unreachable (and the push service does not wrap it)."""
