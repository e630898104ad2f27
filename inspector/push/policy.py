"""Who may send now: the off switch, the device's address, the test-device list and the
rate limits. Plain functions of the settings, the journal and one installation, so the
sender, the command line and the screens ask the same question."""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import datetime

from inspector.config import PushPolicy, Settings
from inspector.journal import Journal, JournalError, SendHistory
from inspector.push.payload import apns_address_problem, token_problem, wire_format
from inspector.store.records import Installation


def address_problem(installation: Installation) -> str | None:
    """What every provider needs to address the one device, real or simulated."""
    if wire_format(installation) == "apns":
        return apns_address_problem(installation)
    return None


def switch_or_address_problem(
    settings: Settings, installation: Installation, *, validation: bool = False
) -> str | None:
    """What refuses even a dry run: the off switch, a bad token, no address. `validation`
    words the off switch for a dry run or token check."""
    if settings.push_policy is PushPolicy.OFF:
        if validation:
            return "sending is off here (INSPECTOR_PUSH_POLICY=off), dry runs and token checks too"
        return "sending is off here (INSPECTOR_PUSH_POLICY=off)"
    return token_problem(installation) or address_problem(installation)


def access_problem(
    settings: Settings,
    journal: Journal | None,
    installation: Installation,
    *,
    approved: bool = False,
    test_devices: Collection[str] | None = None,
) -> str | None:
    """Why no send may go to this installation, whatever was sent before: the off switch,
    its address, the test-device list. `approved`: the send carries an approval request
    (the sender claims it before its intent); under `approval` that lets any
    installation through, under `test-devices` it widens nothing. `test_devices`: the
    list's installation ids as read once for many sends (a proof); one not in it is
    asked of the journal."""
    problem = switch_or_address_problem(settings, installation)
    if problem:
        return problem
    policy = settings.push_policy
    if policy is PushPolicy.APPROVAL and approved:
        return None
    if policy in (PushPolicy.TEST_DEVICES, PushPolicy.APPROVAL):
        iid = installation.installation_id
        if journal is None:
            return f"the {policy.value} policy needs the journal, and it is not open"
        if test_devices is not None and iid in test_devices:
            return None
        try:  # asked of the journal itself: its collation decides, as on registering
            device = journal.test_device(iid)
        except JournalError as exc:
            return f"cannot read the test-device list: {exc}"
        if device is not None:
            return None
        if policy is PushPolicy.APPROVAL:
            return (
                f"{iid} is not a test device, and the policy here is approval: a send to it"
                " needs a second person's approval; ask for one with"
                f" `inspector push {iid} … --request`, then send it with"
                " `inspector push --approved REQUEST_ID`"
            )
        return (
            f"{iid} is not a test device, and the policy here is test-devices: add it to"
            " the test devices first"
        )
    return None


def policy_problem(
    settings: Settings,
    journal: Journal | None,
    installation: Installation,
    *,
    approved: bool = False,
) -> str | None:
    """Why a send to this installation is refused now, or None (`approved` as for
    access_problem)."""
    return access_problem(settings, journal, installation, approved=approved) or rate_problem(
        settings, journal, installation
    )


def rate_problem(
    settings: Settings,
    journal: Journal | None,
    installation: Installation,
    now: datetime | None = None,
) -> str | None:
    """The rate limits as the journal stands now: a check ahead of the send. The send
    itself applies `limits_problem` again in the transaction that writes its intent."""
    if journal is None:
        return None
    problem = invalid_limit(settings)
    if problem:
        return problem
    try:
        history = journal.send_history(installation.installation_id, now)
    except JournalError as exc:
        return f"cannot read the journal to apply rate limits: {exc}"
    return limits_problem(settings, history)


def invalid_limit(settings: Settings) -> str | None:
    """Settings from the environment are checked; hand-built ones may not be. A limit
    that is not a number compares false everywhere and would let every send through."""
    for value, name in ((settings.push_max_per_minute, "INSPECTOR_PUSH_MAX_PER_MINUTE"),
                        (settings.push_device_cooldown_s,
                         "INSPECTOR_PUSH_DEVICE_COOLDOWN")):  # fmt: skip
        if not math.isfinite(value) or value < 0:
            return f"{name} is {value!r}, not a limit: no send until it is corrected"
    return None


def limits_problem(settings: Settings, history: SendHistory) -> str | None:
    """The operator's sends per minute and the device's cooldown, given the send history
    (sends only: dry runs and token checks write no intent, so they never count)."""
    problem = invalid_limit(settings)
    if problem:
        return problem
    cap = settings.push_max_per_minute
    cooldown = settings.push_device_cooldown_s
    if cap > 0 and history.operator_sends >= cap:
        return (
            f"rate limit: {settings.operator} sent {history.operator_sends} test pushes in the"
            f" last minute (limit {cap:g}, INSPECTOR_PUSH_MAX_PER_MINUTE); wait a minute"
        )
    last = history.last_to_device
    if cooldown > 0 and last is not None:
        waited = (history.now - last).total_seconds()
        if waited < cooldown:
            return (
                f"this device got a test push {max(waited, 0):.0f} s ago; wait"
                f" {cooldown - waited:.0f} s more (cooldown {cooldown:g} s,"
                " INSPECTOR_PUSH_DEVICE_COOLDOWN)"
            )
    return None


def device_warnings(installation: Installation) -> list[str]:
    """What the confirmation says about a device that will not show the push."""
    warnings = []
    if installation.push_token_status != "active":
        warnings.append(
            f"the token's status in the store is {installation.push_token_status}: expect a"
            " rejection"
        )
    if installation.notifications_enabled is False:
        warnings.append("notifications are turned off on this device: it will not show the push")
    return warnings
