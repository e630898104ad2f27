"""`inspector profiles check`: open every store and the journal of a profile, read every
credential file, and check the credentials against the apps its stores hold.

Profiles (and within a profile its stores, its journal and its credential files) are
checked at once, in threads: the wait is the slowest of them, not their sum. Each
problem is one Finding: a line that names the profile and what it is about, never a
secret (no password, key id or credential path), terminal-safe.

The apps that need a credential (a send picks the provider by the installation, which a
check of the apps table cannot see, so the app says it):
- an app with an `fcm_project_id` needs a service account for that project (a service
  account of another project would be SENDER_ID_MISMATCH);
- an app with an `apns_topic`, or an iOS app without an `fcm_project_id`, needs an
  APNs key serving its topic (`apns_topic`, else `bundle_id`: `push.payload.apns_topic`).
Which credential serves an app is asked of the sender's own chooser
(`push.credentials.choose_fcm` / `choose_apns`): a finding is the refusal a send to that
app would meet, in its words.

No request goes to Google or Apple: a credential is checked by what its file holds. The
demo store's apps need none (the demo sends through the simulated provider).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from inspector.config import ApnsKey, ConfigError, FcmCredential, Settings, StoreSpec, shown
from inspector.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_UNREACHABLE, exit_code, first_line
from inspector.safetext import escape

# The apps table is small (one row per app); more than this is read as "too many to check".
APPS_MAX = 5000
# Apple's key ids and team ids are ten capital letters and digits.
APPLE_ID = re.compile(r"[A-Z0-9]{10}")
MAX_WORKERS = 16


@dataclass(frozen=True)
class Finding:
    """One problem: `subject` says what it is about ("store eu", "journal", "fcm[0]",
    "app shop-ios"), `message` what is wrong; both terminal-safe, neither a secret.
    `code`: EXIT_BAD_INPUT for something to fix, EXIT_UNREACHABLE for something that
    could not be reached (a server down, a file system away)."""

    profile: str
    subject: str
    message: str
    code: int

    @property
    def line(self) -> str:
        return f"{escape(self.profile)}: {self.subject}: {self.message}"


@dataclass(frozen=True)
class App:
    """A row of a store's `apps` table, as the check needs it."""

    store: str
    app_id: str
    name: str
    platform: str
    bundle_id: str
    fcm_project_id: str | None
    apns_topic: str | None

    @property
    def topic(self) -> str | None:
        """The APNs topic, by the sender's rule (push.payload.apns_topic)."""
        return self.apns_topic or self.bundle_id or None

    @property
    def needs_fcm(self) -> bool:
        return bool(self.fcm_project_id)

    @property
    def needs_apns(self) -> bool:
        return bool(self.apns_topic) or (self.platform == "ios" and not self.fcm_project_id)


@dataclass
class ProfileReport:
    """What the check found of one profile, and what it looked at."""

    profile: str
    findings: list[Finding] = field(default_factory=list)
    stores: list[str] = field(default_factory=list)  # labels ("eu: host/db")
    journal: str = ""
    apps: int = 0
    fcm: int = 0
    apns: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def code(self) -> int:
        return exit_status([self])


def exit_status(reports: Iterable[ProfileReport]) -> int:
    """0 when all is well; 2 when anything is to be fixed (whatever else was unreachable:
    a retry would not fix it); 3 when the only problems are what could not be reached."""
    codes = {f.code for r in reports for f in r.findings}
    if not codes:
        return EXIT_OK
    return EXIT_BAD_INPUT if EXIT_BAD_INPUT in codes else EXIT_UNREACHABLE


# A target: a profile's name and how to build its settings (reading its secrets, which
# may fail: an unset password variable is a finding of that profile, not the end).
Target = tuple[str, Callable[[], Settings]]


def check_profiles(targets: Sequence[Target]) -> list[ProfileReport]:
    """Every target checked at once; reports in the order of `targets`."""
    reports = [ProfileReport(name) for name, _ in targets]
    built: list[Settings | None] = []
    for report, (_, build) in zip(reports, targets, strict=True):
        try:
            built.append(build())
        except ConfigError as exc:
            finding = Finding(report.profile, "configuration", _line(exc), EXIT_BAD_INPUT)
            report.findings.append(finding)
            built.append(None)
    _prime_imports(s for s in built if s is not None)
    workers = min(MAX_WORKERS, max(1, sum(_task_count(s) for s in built if s is not None)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="check") as pool:
        pending = [
            (report, cfg, _submit(pool, cfg))
            for report, cfg in zip(reports, built, strict=True)
            if cfg is not None
        ]
        for report, cfg, futures in pending:
            _collect(report, cfg, futures)
    return reports


def _task_count(cfg: Settings) -> int:
    return len(cfg.stores) + 1 + len(cfg.fcm) + len(cfg.apns)


def _prime_imports(configs: Iterable[Settings]) -> None:
    """Import what the threads need once, here: an import is serialised anyway, and a
    module half-imported by one thread must not be seen by another."""
    import inspector.journal
    import inspector.store.repository  # noqa: F401

    if any(c.fcm or c.apns for c in configs):
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        del load_pem_private_key


@dataclass
class _Futures:
    stores: list[tuple[StoreSpec, Future[list[App]]]]
    journal: Future[None]
    fcm: list[tuple[int, FcmCredential, Future[str | None]]]
    apns: list[tuple[int, ApnsKey, Future[None]]]


def _submit(pool: ThreadPoolExecutor, cfg: Settings) -> _Futures:
    return _Futures(
        stores=[(spec, pool.submit(_store_apps, cfg, spec)) for spec in cfg.stores],
        journal=pool.submit(_open_journal, cfg),
        fcm=[(i, c, pool.submit(_service_account, c)) for i, c in enumerate(cfg.fcm)],
        apns=[(i, k, pool.submit(_apns_key, k)) for i, k in enumerate(cfg.apns)],
    )


class _Problem(Exception):
    """A credential file's problem, in words (no path, no key id)."""


def _collect(report: ProfileReport, cfg: Settings, futures: _Futures) -> None:
    try:
        secrets = cfg.secrets()
    except ConfigError:  # a URL SQLAlchemy refuses: the store's own finding says so
        secrets = ()

    def add(subject: str, message: str, code: int) -> None:
        report.findings.append(Finding(report.profile, subject, _scrub(message, secrets), code))

    def failed(subject: str, exc: BaseException) -> None:
        # A store or journal error's own code (3: unreachable, 2: a setting to change).
        code = exit_code(exc)
        add(subject, _line(exc), code if code in (EXIT_BAD_INPUT, EXIT_UNREACHABLE) else 2)

    apps: list[App] = []
    for spec, future in futures.stores:
        subject = f"store {escape(spec.name)}" if spec.name else "store"
        try:
            apps += future.result()
            report.stores.append(f"{escape(spec.name)}: {spec.label}" if spec.name else spec.label)
        except Exception as exc:
            failed(subject, exc)
    try:
        futures.journal.result()
        report.journal = cfg.journal_label
    except Exception as exc:
        failed("journal", exc)

    # The project each service account serves, as the sender's chooser asks it: the
    # entry's own (a file of another project is the finding above, said once, not again
    # for each of its apps); the implicit profile's, the one its file names.
    serves: dict[FcmCredential, str | None] = {}
    for i, cred, project_future in futures.fcm:
        subject = f"fcm[{i}]" + (f" (project {escape(cred.project_id)})" if cred.project_id else "")
        try:
            project = project_future.result()
        except _Problem as exc:
            add(subject, str(exc), EXIT_BAD_INPUT)
            project = None
        except OSError as exc:
            reason = _os_reason(exc)
            add(subject, f"the service-account file cannot be read ({reason})", EXIT_BAD_INPUT)
            project = None
        if cred.project_id is not None:
            if project is not None and project != cred.project_id:
                add(
                    subject,
                    f"the service account is of project {shown(project)}: a send to an app of"
                    f" {shown(cred.project_id)} would fail with SENDER_ID_MISMATCH",
                    EXIT_BAD_INPUT,
                )
            serves[cred] = cred.project_id
        else:
            serves[cred] = project
        report.fcm += 1
    for i, key, key_future in futures.apns:
        subject = f"apns[{i}] (team {escape(key.team_id)})"
        try:
            key_future.result()
        except _Problem as exc:
            add(subject, str(exc), EXIT_BAD_INPUT)
        except OSError as exc:
            add(subject, f"the .p8 key file cannot be read ({_os_reason(exc)})", EXIT_BAD_INPUT)
        for what, value in (("key_id", key.key_id), ("team_id", key.team_id)):
            if not APPLE_ID.fullmatch(value):
                add(subject, f"its {what} is not ten capital letters and digits", EXIT_BAD_INPUT)
        report.apns += 1

    # The demo sends through the simulated provider: its apps need no credential.
    problems = {} if cfg.is_demo else _app_problems(cfg, apps, serves)
    for (subject, problem), stores in sorted(problems.items()):
        add(subject, problem + _in_stores(stores, cfg), EXIT_BAD_INPUT)
    report.apps = len({a.app_id for a in apps})


def _app_problems(
    cfg: Settings, apps: Sequence[App], serves: dict[FcmCredential, str | None]
) -> dict[tuple[str, str], list[str]]:
    """(subject, problem) -> the stores whose apps table says so (an app that regional
    stores all hold is one finding). The credential of each app is chosen by the
    sender's own functions (`push.credentials`), so the check and a send agree."""
    from inspector.push.credentials import NoCredential, choose_apns, choose_fcm
    from inspector.store.records import App as StoreApp

    found: dict[tuple[str, str], list[str]] = {}
    for app in apps:
        subject = f"app {shown(app.app_id)}"
        record = StoreApp(
            app.app_id, app.name, app.platform, app.bundle_id, app.fcm_project_id, app.apns_topic
        )
        problems = []
        if app.needs_fcm:
            try:
                choose_fcm(cfg, record, serves.get)
            except NoCredential as exc:
                problems.append(str(exc))
        if app.needs_apns:
            topic = app.topic
            if topic is None:
                problems.append("it has no bundle id or APNs topic: APNs cannot address it")
            else:
                try:
                    choose_apns(cfg, record, topic)
                except NoCredential as exc:
                    problems.append(str(exc))
        for problem in problems:
            found.setdefault((subject, problem), []).append(app.store)
    return found


def _in_stores(stores: list[str], cfg: Settings) -> str:
    if not cfg.regional:
        return ""
    return f" (store {', '.join(escape(s) for s in stores)})"


# -- the tasks (each in a thread) ---------------------------------------------------


def _store_apps(cfg: Settings, spec: StoreSpec) -> list[App]:
    """Open one store as a lookup would (read-only, checked against schema.sql) and read
    its apps."""
    from sqlalchemy import select

    from inspector.dburl import require_driver
    from inspector.store import tables
    from inspector.store.engine import translated
    from inspector.store.opening import open_configured_store
    from inspector.store.repository import StoreRepository

    if cfg.is_demo:
        store = open_configured_store(cfg)
    else:
        require_driver(spec.url, spec.setting)
        store = StoreRepository.open_checked(spec.url, statement_timeout_s=cfg.statement_timeout_s)
    try:
        c = tables.apps.c
        query = select(
            c.app_id, c.name, c.platform, c.bundle_id, c.fcm_project_id, c.apns_topic
        ).order_by(c.app_id)
        with translated(store.url), store.engine.connect() as conn:
            rows = conn.execute(query.limit(APPS_MAX + 1)).all()
    finally:
        store.close()
    if len(rows) > APPS_MAX:
        raise _TooMany(f"more than {APPS_MAX} apps: too many to check")
    apps = []
    for row in rows:
        app_id, name, platform, bundle_id = (_text(v) or "" for v in row[:4])
        apps.append(
            App(spec.name, app_id, name, platform.lower(), bundle_id, _text(row[4]), _text(row[5]))
        )
    return apps


class _TooMany(ConfigError):
    pass


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _open_journal(cfg: Settings) -> None:
    """Open the journal as a send would (created or upgraded when it is new)."""
    from inspector.journal import Journal

    Journal.open(cfg).close()


def _service_account(cred: FcmCredential) -> str | None:
    """The project a service-account JSON names, once it holds what a send needs."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from inspector.config import check_provider_url

    raw = cred.credentials.read_bytes()
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise _Problem("the service-account file is not JSON") from None
    if not isinstance(doc, dict) or doc.get("type") != "service_account":
        raise _Problem("the file is not a service-account JSON (its type is not service_account)")
    for key in ("client_email", "private_key", "token_uri"):
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            raise _Problem(f"the service-account JSON has no {key}")
    try:
        # Parsed, not validated: OpenSSL's consistency check of an RSA key costs about
        # 100 ms a key (the bulk of a check); a key that parses but is inconsistent is
        # refused by Google's token endpoint at the first send.
        private = load_pem_private_key(
            doc["private_key"].encode(), password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError):
        raise _Problem("the service account's private_key does not load as a PEM key") from None
    if not isinstance(private, rsa.RSAPrivateKey):
        raise _Problem("the service account's private_key is not an RSA key")
    try:
        check_provider_url(doc["token_uri"], "its token_uri")
    except ConfigError as exc:
        # The signed assertion goes there: over TLS, or to this machine.
        raise _Problem(f"the service account's {exc}") from None
    project = doc.get("project_id")
    if not isinstance(project, str) or not project.strip():
        if cred.project_id is None:
            raise _Problem("the service-account JSON names no project_id")
        return None
    return project.strip()


def _apns_key(key: ApnsKey) -> None:
    """The .p8 key loads as an EC P-256 private key (what ES256 signs with)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    raw = key.key_file.read_bytes()
    try:
        private = load_pem_private_key(raw, password=None)
    except (ValueError, TypeError):
        raise _Problem("the .p8 key file does not load as an unencrypted PEM private key") from None
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise _Problem("the .p8 key is not an EC key (APNs signs with ES256)")
    if not isinstance(private.curve, ec.SECP256R1):
        raise _Problem("the .p8 key is not on curve P-256 (APNs signs with ES256)")


# -- words ------------------------------------------------------------------------------


def _line(exc: BaseException) -> str:
    """An error's one terminal-safe line (its row's words when it has one)."""
    from inspector.errors import command_line_message

    return command_line_message(exc) or first_line(exc)


def _os_reason(exc: OSError) -> str:
    return escape(exc.strerror or type(exc).__name__)


def _scrub(message: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        for form in {secret, escape(secret)}:
            if form:
                message = message.replace(form, "***")
    return message
