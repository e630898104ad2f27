"""Proofs to the test devices with sign-off, and the two-person rule for one-off sends.

Domain code: no textual. The command line (inspector/cli/signoff_commands.py) and the UI
drive the same services: ProofService (plan, send with a per-verdict callback, approve,
reject, export) and ApprovalService (request, approve, reject, claim, send_approved),
over SignoffStore, the sign-off tables in the journal's database.
"""

from inspector.signoff.approvals import ApprovalService
from inspector.signoff.errors import (
    ApprovalRefused,
    OperatorIdentityError,
    SignoffError,
    SignoffNotFound,
    SignoffRefused,
)
from inspector.signoff.identity import effective_operator, operator_for, os_account
from inspector.signoff.proofs import ProofService
from inspector.signoff.records import (
    Claim,
    DeviceVerdict,
    Proof,
    ProofPlan,
    ProofSkip,
    ProofTarget,
    PushRequest,
    SignOff,
)
from inspector.signoff.storage import SignoffStore

__all__ = [
    "ApprovalRefused",
    "ApprovalService",
    "Claim",
    "DeviceVerdict",
    "OperatorIdentityError",
    "Proof",
    "ProofPlan",
    "ProofService",
    "ProofSkip",
    "ProofTarget",
    "PushRequest",
    "SignOff",
    "SignoffError",
    "SignoffNotFound",
    "SignoffRefused",
    "SignoffStore",
    "effective_operator",
    "operator_for",
    "os_account",
]
