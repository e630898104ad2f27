"""Who is acting: the identity two-person rules compare.

In a production profile the operator is the operating-system account running the
process (or, in the browser mode, the authenticated user); INSPECTOR_OPERATOR cannot
change it there. Elsewhere INSPECTOR_OPERATOR may label the operator.

The account comes from the process's effective uid (pwd), not from getpass.getuser(),
which believes LOGNAME and USER: anyone can set those.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Mapping

from inspector.config import Environment, Settings, shown
from inspector.signoff.errors import OperatorIdentityError

OPERATOR_VARIABLE = "INSPECTOR_OPERATOR"


def os_account() -> str | None:
    """The name of the account the process runs as, or None when it cannot be told."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name or None
    except (ImportError, KeyError, AttributeError, OSError):
        pass
    try:  # no pwd (Windows): the login name is all there is
        return getpass.getuser() or None
    except (KeyError, OSError):
        return None


def operator_for(
    environment: Environment,
    env: Mapping[str, str],
    *,
    profile: str = "",
    authenticated: str | None = None,
    account: Callable[[], str | None] = os_account,
) -> str:
    """The operator of a profile of this environment, given the variables `env`.

    Production: the authenticated user of the browser mode when there is one, else the
    OS account; an INSPECTOR_OPERATOR naming anyone else is an error. Elsewhere:
    INSPECTOR_OPERATOR, else the OS account. This is the rule settings should apply
    where they set Settings.operator."""
    claimed = (env.get(OPERATOR_VARIABLE) or "").strip()
    if environment is not Environment.PRODUCTION:
        if authenticated:
            return authenticated
        return claimed or account() or "unknown"
    where = f"profile {shown(profile)}" if profile else "a production profile"
    actual = authenticated or account()
    if not actual:
        raise OperatorIdentityError(
            f"in {where} the operator is the operating-system account, and it cannot be"
            " told: two-person rules need to know who is acting"
        )
    if claimed and claimed != actual:
        who = "signed-in user" if authenticated else "operating-system account"
        raise OperatorIdentityError(
            f"in {where} the operator is the {who} {shown(actual)};"
            f" {OPERATOR_VARIABLE}={shown(claimed)} cannot change it (unset it)"
        )
    return actual


def effective_operator(
    settings: Settings,
    *,
    authenticated: str | None = None,
    account: Callable[[], str | None] = os_account,
) -> str:
    """The operator of built settings, checked against the rule: in production, settings
    whose operator is not the OS account (or the signed-in user) are refused, whatever
    set it (INSPECTOR_OPERATOR, or LOGNAME/USER read by getpass)."""
    if settings.environment is not Environment.PRODUCTION:
        return authenticated or settings.operator
    actual = operator_for(
        settings.environment, {}, profile=settings.profile, authenticated=authenticated,
        account=account,
    )  # fmt: skip
    if settings.operator != actual and not authenticated:
        raise OperatorIdentityError(
            f"in profile {shown(settings.profile)} the operator is the operating-system"
            f" account {shown(actual)}, not {shown(settings.operator)}:"
            f" {OPERATOR_VARIABLE} (or LOGNAME/USER) cannot change it (unset it)"
        )
    return actual
