"""Who is acting: the identity two-person rules compare.

The rule lives where settings are made (inspector.config.operator_for, applied by
load_settings to the implicit profile and to every profile of a file): in a production
profile the operator is the operating-system account of the process (from its uid,
never LOGNAME or USER), and INSPECTOR_OPERATOR naming anyone else is an error; elsewhere
the variable may label the operator. A process that authenticates its user itself (the
browser mode's session) replaces the operator with that verified user. The services
here take the operator of the settings they are given.
"""

from __future__ import annotations

from inspector.config import (
    OPERATOR_VARIABLE,
    OperatorIdentityError,
    Settings,
    operator_for,
    os_account,
    shown,
)

__all__ = [
    "OPERATOR_VARIABLE",
    "OperatorIdentityError",
    "effective_operator",
    "operator_for",
    "os_account",
]


def effective_operator(settings: Settings) -> str:
    """The operator of settings a service is given; refused when it names nobody
    (settings built for a check of a profile file, not for acting)."""
    operator = settings.operator.strip()
    if not operator:
        raise OperatorIdentityError(
            f"profile {shown(settings.profile)} names no operator: two-person rules need to know"
            " who is acting"
        )
    return operator
