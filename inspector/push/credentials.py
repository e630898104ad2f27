"""Which credential of a profile serves an installation's own app.

FCM: the service account of the app's Firebase project (`apps.fcm_project_id`), matched
to a credential's `project_id`; a credential without one (the implicit profile's
INSPECTOR_FCM_CREDENTIALS) serves the project named in its file. A service account whose
file names another project is refused here: FCM would answer SENDER_ID_MISMATCH (or
PERMISSION_DENIED) after the intent was journaled. APNs: the key that serves the app's
topic, a key listing the topic before a key serving every topic.

Plain functions of the settings and one app: the sender asks them before any request,
and `inspector profiles check` can ask them for every app of a store. Their refusals are
one line naming the app and the profile, never a key id nor a path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from inspector.config import ApnsKey, FcmCredential, Settings
from inspector.safetext import clip, escape
from inspector.store.records import App


class NoCredential(Exception):
    """This profile has no credential that may send for this app; one line, no secret."""


def app_words(app: App) -> str:
    """The app as a refusal names it (store text: clipped, one printable line)."""
    name = escape(clip(app.name or "", 60))
    app_id = escape(clip(app.app_id, 60))
    return f"app {name} ({app_id})" if name and name != app_id else f"app {app_id}"


def profile_words(settings: Settings) -> str:
    return f"profile {escape(settings.profile)}"


def fcm_setting(settings: Settings, index: int) -> str:
    """What a message about a credential file calls it: the variable, or the key of the
    profile file (never the path)."""
    if settings.config_path is None:
        return "INSPECTOR_FCM_CREDENTIALS"
    return f"profile {settings.profile} fcm[{index}].credentials"


def apns_setting(settings: Settings, index: int) -> str:
    if settings.config_path is None:
        return "INSPECTOR_APNS_KEY_FILE"
    return f"profile {settings.profile} apns[{index}].key_file"


def choose_fcm(
    settings: Settings, app: App, file_project: Callable[[FcmCredential], str | None]
) -> FcmCredential:
    """The service account that sends for `app`, or NoCredential. `file_project` gives
    the `project_id` written in a credential's file (reading it, once)."""
    where = profile_words(settings)
    project = (app.fcm_project_id or "").strip()
    if not project:
        raise NoCredential(
            f"{app_words(app)} has no fcm_project_id in the store: which Firebase project,"
            f" and so which service account of {where}, is unknown"
        )
    shown = escape(clip(project, 60))
    if not settings.fcm:
        raise NoCredential(
            f"no FCM credential for {app_words(app)} in {where}: {_fcm_hint(settings, shown)}"
        )
    for credential in settings.fcm:
        if credential.project_id == project:
            named = file_project(credential)
            if named != project:
                raise NoCredential(
                    f"the service account given for Firebase project {shown} in {where}"
                    f" belongs to {_project_words(named)}: FCM would refuse it for"
                    f" {app_words(app)} (SENDER_ID_MISMATCH)"
                )
            return credential
    others: list[str] = []
    for credential in settings.fcm:
        if credential.project_id is None:
            named = file_project(credential)
            if named == project:
                return credential
            others.append(_project_words(named))
    if others:
        # The implicit profile's one service account, made for another project.
        raise NoCredential(
            f"the service account of {where} belongs to {', '.join(others)}, not to"
            f" {shown}: FCM would refuse it for {app_words(app)} (SENDER_ID_MISMATCH)"
        )
    raise NoCredential(
        f"no FCM service account for Firebase project {shown} ({app_words(app)}) in"
        f" {where}: {_fcm_hint(settings, shown)}"
    )


def _fcm_hint(settings: Settings, project: str) -> str:
    if settings.config_path is None:
        return "set INSPECTOR_FCM_CREDENTIALS to its service-account JSON"
    return (
        f'add a [[profiles.{settings.profile}.fcm]] with project_id = "{project}" to the'
        " profile file"
    )


def _project_words(named: str | None) -> str:
    return f"project {escape(clip(named, 60))}" if named else "no project (its file names none)"


def choose_apns(settings: Settings, app: App, topic: str) -> ApnsKey:
    """The key that sends to `topic` for `app`, or NoCredential: a key that lists the
    topic first, else one serving every topic."""
    where = profile_words(settings)
    shown = escape(clip(topic, 80))
    if not settings.apns:
        hint = (
            "set INSPECTOR_APNS_KEY_FILE, INSPECTOR_APNS_KEY_ID, INSPECTOR_APNS_TEAM_ID"
            if settings.config_path is None
            else f"add a [[profiles.{settings.profile}.apns]] serving {shown} to the profile file"
        )
        raise NoCredential(f"no APNs key for {app_words(app)} in {where}: {hint}")
    listed = [k for k in settings.apns if k.topics is not None and topic in k.topics]
    if listed:
        return listed[0]
    every = [k for k in settings.apns if k.topics is None]
    if every:
        return every[0]
    teams = ", ".join(dict.fromkeys(escape(k.team_id) for k in settings.apns))
    keys = "key" if len(settings.apns) == 1 else "keys"
    verb = "does" if len(settings.apns) == 1 else "do"
    raise NoCredential(
        f"the APNs {keys} of {where} (team {teams}) {verb} not serve topic {shown} of"
        f" {app_words(app)}: APNs would refuse it (TopicDisallowed)"
    )


def index_of(credentials: Sequence[object], credential: object) -> int:
    """The position of a credential in its profile, for naming its key in a message."""
    for i, c in enumerate(credentials):
        if c is credential:
            return i
    return list(credentials).index(credential)
