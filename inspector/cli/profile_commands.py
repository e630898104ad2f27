"""`inspector profiles list|check [NAME]`: the profiles of the profile file.

`list` reads the file only (no store, no credential file is opened): what each profile
is and what it may send with, never a secret. `check` opens every store and journal and
reads every credential file (`inspector.profile_check`); its exit code is 0 when all is
well, 2 when anything is to be fixed, 3 when the only problems are stores or journals
that could not be reached. Without a profile file both speak of the one implicit profile
the environment variables make.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from inspector.cli.common import print_json, say
from inspector.config import (
    DEMO_PROFILE,
    IMPLICIT_PROFILE,
    ConfigError,
    Settings,
    demo_settings,
    find_profile_file,
    implicit_settings,
    load_env,
    shown,
)
from inspector.errors import EXIT_OK
from inspector.safetext import escape

if TYPE_CHECKING:
    from inspector.profile_check import ProfileReport
    from inspector.profiles import ProfileFile, ProfileSummary


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    profiles = sub.add_parser(
        "profiles",
        help="the profiles of the profile file: list them, check them",
        description="The profiles of the profile file (--config, else INSPECTOR_CONFIG, "
        "else ./inspector.toml, else the user config directory). Without a file: the one "
        "profile the environment variables make.",
    )
    profiles_sub = profiles.add_subparsers(
        dest="profiles_command", metavar="COMMAND", required=True
    )
    lst = profiles_sub.add_parser(
        "list",
        help="each profile: environment, stores, journal, policy, the apps it has credentials for",
        description="Each profile: its environment, label and colour, its store(s) and "
        "journal (host/database), its push policy, the Firebase projects and APNs topics "
        "it has credentials for, and which one is the default. Never a password, a key id "
        "or a credential's path. Reads the file only.",
    )
    lst.add_argument("--json", action="store_true", help="one JSON document on stdout")
    lst.set_defaults(func=cmd_list)
    check = profiles_sub.add_parser(
        "check",
        help="open each store and journal, read each credential, check them against the apps",
        description="Opens every store (each regional store) and the journal of the profile "
        "(of every profile without NAME, or --profile), reads every credential file, and "
        "checks that each app of the stores has a credential that serves it. One line per "
        "finding. Exit 0: all is well; 2: something to fix; 3: only stores or journals "
        "that could not be reached.",
    )
    check.add_argument("name", nargs="?", metavar="NAME", help="the profile to check")
    check.add_argument("--json", action="store_true", help="one JSON document on stdout")
    check.set_defaults(func=cmd_check)


class _Profiles:
    """The profiles a command speaks of: the file's, or the one implicit profile."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.warnings: list[str] = []
        self.env = load_env(warnings=self.warnings)
        self.path = find_profile_file(getattr(args, "config", None), self.env)
        if self.path is not None:
            from inspector.profiles import ProfileFile

            self.file: ProfileFile | None = ProfileFile.load(self.path)
            self.names: tuple[str, ...] = self.file.names()
        else:
            self.file = None
            # Loaded now: a malformed variable stops the command like any other.
            self.implicit = implicit_settings(self.env, self.warnings)
            self.names = (self.implicit.profile,)

    def chosen(self, name: str | None, named_by: str) -> tuple[str, ...]:
        if name is None:
            return self.names
        if name == DEMO_PROFILE:
            return (DEMO_PROFILE,)
        if self.file is not None:
            return (self.file.resolve(name, named_by=named_by),)
        if name in (IMPLICIT_PROFILE, self.implicit.profile):
            return (self.implicit.profile,)
        raise ConfigError(
            f"no profile file to find profile {shown(name)} in (looked for --config,"
            " INSPECTOR_CONFIG, ./inspector.toml and the user config directory)"
        )

    def builder(self, name: str) -> Callable[[], Settings]:
        if name == DEMO_PROFILE and (self.file is not None or not self.implicit.is_demo):
            return partial(demo_settings, self.env, [])
        if self.file is None:
            implicit = self.implicit
            return lambda: implicit
        return partial(self.file.settings, name, self.env, self.warnings)

    def say_warnings(self) -> None:
        for warning in dict.fromkeys(self.warnings):
            say(f"warning: {warning}", escaped=True)


# -- list -------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    from inspector.profiles import ProfileSummary

    profiles = _Profiles(args)
    profiles.say_warnings()
    if profiles.file is not None:
        summaries = list(profiles.file.summaries())
    else:
        summaries = [ProfileSummary.of(profiles.implicit, is_default=True)]
    projects = _implicit_projects(profiles)
    if args.json:
        print_json(
            {
                "config": str(profiles.path) if profiles.path is not None else None,
                "default": next((s.name for s in summaries if s.is_default), None),
                "profiles": [_summary_json(s, projects) for s in summaries],
            }
        )
        return EXIT_OK
    if profiles.path is not None:
        print(f"profile file {escape(str(profiles.path))}")
    else:
        print("no profile file: the one profile of the environment variables")
    for summary in summaries:
        print()
        for line in _summary_lines(summary, projects):
            print(line)
    return EXIT_OK


def _implicit_projects(profiles: _Profiles) -> tuple[str, ...]:
    """The implicit profile's service account names its project in its file only: read
    it (the project id, nothing else) so the list can say which apps it serves."""
    if profiles.file is not None:
        return ()
    found = []
    for cred in profiles.implicit.fcm:
        try:
            project = json.loads(cred.credentials.read_bytes()).get("project_id")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(project, str) and project.strip():
            found.append(project.strip())
    return tuple(found)


def _fcm_projects(summary: ProfileSummary, implicit: tuple[str, ...]) -> list[str]:
    return [p for p in summary.fcm_projects if p is not None] + list(implicit)


def _summary_json(summary: ProfileSummary, implicit: tuple[str, ...]) -> dict[str, Any]:
    return {
        "name": summary.name,
        "environment": summary.environment.value,
        "label": summary.label,
        "colour": summary.colour,
        "default": summary.is_default,
        "stores": [{"name": name or None, "location": label} for name, label in summary.stores],
        "journal": summary.journal,
        "push_policy": summary.push_policy.value,
        "fcm_projects": _fcm_projects(summary, implicit),
        "fcm_service_accounts": len(summary.fcm_projects),
        "apns_keys": summary.apns_keys,
        "apns_every_topic": summary.apns_topics is None,
        "apns_topics": list(summary.apns_topics or ()),
    }


def _summary_lines(summary: ProfileSummary, implicit: tuple[str, ...]) -> list[str]:
    head = escape(summary.name) + ("  (default)" if summary.is_default else "")
    if len(summary.stores) == 1 and not summary.stores[0][0]:
        stores = ("store", summary.stores[0][1])
    else:
        stores = ("stores", ", ".join(f"{escape(n)}: {label}" for n, label in summary.stores))
    projects = _fcm_projects(summary, implicit)
    unnamed = len(summary.fcm_projects) - len([p for p in summary.fcm_projects if p])
    fcm = ", ".join(escape(p) for p in projects) or ("a service account" if unnamed else "—")
    if summary.apns_keys == 0:
        apns = "—"
    else:
        keys = f"{summary.apns_keys} key{'s' if summary.apns_keys > 1 else ''}"
        topics = summary.apns_topics
        served = "every topic" if topics is None else ", ".join(escape(t) for t in topics)
        apns = f"{served} ({keys})"
    rows = [
        ("environment", summary.environment.value),
        ("label", f"{escape(summary.label)} · colour {escape(summary.colour)}"),
        stores,
        ("journal", summary.journal),
        ("push policy", summary.push_policy.value),
        ("FCM", fcm),
        ("APNs", apns),
    ]
    return [head] + [f"  {key:<12} {value}" for key, value in rows]


# -- check ------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    from inspector.profile_check import check_profiles, exit_status

    profiles = _Profiles(args)
    name = args.name if args.name is not None else getattr(args, "profile", None)
    names = profiles.chosen(name, "NAME" if args.name is not None else "--profile")
    reports = check_profiles([(n, profiles.builder(n)) for n in names])
    profiles.say_warnings()
    status = exit_status(reports)
    if args.json:
        print_json(
            {
                "ok": status == EXIT_OK,
                "profiles": [
                    {
                        "name": r.profile,
                        "ok": r.ok,
                        "stores": r.stores,
                        "journal": r.journal or None,
                        "apps": r.apps,
                        "fcm_service_accounts": r.fcm,
                        "apns_keys": r.apns,
                        "findings": [
                            {"subject": f.subject, "message": f.message, "exit_code": f.code}
                            for f in r.findings
                        ],
                    }
                    for r in reports
                ],
            }
        )
        return status
    for report in reports:
        if report.ok:
            print(f"{escape(report.profile)}: ok ({_looked_at(report)})")
        for finding in report.findings:
            print(finding.line)
    bad = sum(not r.ok for r in reports)
    if bad:
        say(f"{bad} of {len(reports)} profile{'s' if len(reports) > 1 else ''} with findings")
    return status


def _looked_at(report: ProfileReport) -> str:
    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    parts = [
        ("stores " if len(report.stores) > 1 else "store ") + ", ".join(report.stores),
        f"journal {report.journal}",
        n(report.apps, "app"),
        n(report.fcm, "service account"),
        n(report.apns, "APNs key"),
    ]
    return "; ".join(parts)
