"""Journal failures: one line for a person, never a secret."""


class JournalError(Exception):
    """The journal cannot be opened, written or read. Sends stop; lookups warn and go on."""


class JournalRefused(JournalError):
    """The journal as configured must not be opened (it would be the store, or its driver
    is missing): a configuration to change, not a server to wait for."""


class IntentRefused(Exception):
    """The send's limits, read with the chain head locked, refuse it: no intent was
    written. The message says why in words (the caller's own)."""


class TestDeviceError(Exception):
    """A test-device change that cannot be made as asked (the journal itself is fine)."""

    __test__ = False  # not a pytest test class


class TestDeviceNotFound(TestDeviceError):
    __test__ = False


class TestDeviceExists(TestDeviceError):
    __test__ = False
