"""Sign-off failures: one line for a person, never a secret.

The command line turns them into exit codes itself (refused 2, not found 1); a journal
that cannot be read or written raises the journal's own JournalError (exit 3).
"""

from __future__ import annotations

from inspector.config import OperatorIdentityError
from inspector.push.model import PushRefused

__all__ = [
    "ApprovalRefused",
    "OperatorIdentityError",
    "SignoffError",
    "SignoffNotFound",
    "SignoffRefused",
]


class SignoffError(Exception):
    """A proof or approval request cannot be handled as asked; one line."""


class SignoffRefused(SignoffError):
    """A rule refuses it (self-approval, a second sign-off, an expired request...)."""


class SignoffNotFound(SignoffError):
    """No proof or request with that id (in this profile)."""


class ApprovalRefused(SignoffRefused, PushRefused):
    """Using an approval is refused: nothing was sent. A PushRefused too, so the send
    path (and the error table's "not sent: ..." line) treats it as any refused send."""
