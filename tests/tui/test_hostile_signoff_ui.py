"""The profile switcher, proofs and approvals on hostile text: every value from outside
(the profile file, the store's apps, the journal's test devices, the sign-off tables, a
provider's answer, what the user types or pastes) is shown as text, never markup, with
its control characters and escape sequences made visible.

Driven with Pilot on SQLite (the dialects are covered by test_hostile_ui). What the
journal and the sign-off tables refuse to write (control characters in a label, a
comment, a payload) is written into their rows directly, as another writer could. What
is typed is pasted: a paste is how an escape sequence reaches a text box.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from textual import events
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, OptionList, Select, Static, TextArea

from inspector.config import Settings, load_settings
from inspector.journal import Journal
from inspector.push import Compose, PushService
from inspector.safetext import escape
from inspector.services import Services
from inspector.signoff import ApprovalService, ProofService, SignoffStore
from inspector.store.repository import StoreRepository
from inspector.tui.app import InspectorApp
from inspector.tui.screens.approvals import ApprovalsScreen
from inspector.tui.screens.dialogs import ConfirmScreen
from inspector.tui.screens.main import MainScreen
from inspector.tui.screens.profiles import ProfilesScreen, TypeNameScreen
from inspector.tui.screens.proof_compose import ProofComposeScreen
from inspector.tui.screens.proof_confirm import ProofConfirmScreen
from inspector.tui.screens.proof_live import ProofLiveScreen
from inspector.tui.screens.proofs import ProofsScreen
from inspector.tui.screens.signoff_dialogs import CommentScreen
from tests import hostile
from tests.conftest import DEMO_NOW
from tests.push.fakes import apns_server, fcm_server
from tests.tui import test_signoff
from tests.tui.conftest import search, settle, static_text
from tests.tui.signoff_team import (
    APP,
    CUSTOMER_IPHONE,
    DEAD,
    IPAD,
    IPHONE,
    PIXEL,
    TOKENS,
    Fakes,
    build_team_store,
    register_team,
)
from tests.tui.test_hostile_ui import assert_safe, screen_lines
from tests.tui.test_signoff import VERDICT, Desk, until

SIZE = (160, 50)

# What a paste may hold: markup, an OSC title, a clear screen, a C1 CSI, a bidi override.
PASTED = f"{hostile.STYLED}{hostile.OSC_TITLE}{hostile.CLEAR}{hostile.C1_CSI}{hostile.BIDI}!"
# The store's app: its name and, for a second app, its bundle id.
APP_NAME = f"Shop {hostile.ACTION}{hostile.OSC_TITLE}{hostile.LINK}"
ODD_BUNDLE = f"com.example.{hostile.MARKUP}{hostile.CLEAR}"
# The journal's test devices (the journal refuses control characters; another writer).
LABELS = {
    IPHONE: (f"{hostile.STYLED}{hostile.OSC_TITLE}", hostile.ACTION),
    IPAD: (hostile.LINK, f"{hostile.BIDI}ana"),
    PIXEL: (f"Pixel{hostile.CLEAR}{hostile.C1_CSI}", hostile.MARKUP),
    DEAD: (f"{hostile.OSC_CLIPBOARD}old", hostile.LINK),
}
# A provider's answer: APNs's reason, FCM's error code and message.
APNS_REASON = f"[bold]Bad[/]{hostile.OSC_TITLE}{hostile.BIDI}"
FCM_CODE = f"[link=x]{hostile.CLEAR}"
FCM_MESSAGE = f"{hostile.ACTION} token{hostile.C1_CSI}"


def shown(app: InspectorApp) -> str:
    """The screen's text, checked safe."""
    return assert_safe(app)


async def paste(pilot: Pilot[Any], widget: Input | TextArea, pasted: str) -> None:
    """A terminal's bracketed paste into the box: the app hands it to the focused widget."""
    widget.focus()
    await pilot.pause()
    pilot.app.post_message(events.Paste(pasted))
    await pilot.pause()


def text_of(app: InspectorApp, selector: str) -> str:
    """The plain text of a Static of the screen on top."""
    out = io.StringIO()
    Console(width=400, file=out, color_system=None).print(
        app.screen.query_one(selector, Static).content
    )
    return out.getvalue()


def notes(app: InspectorApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def sql(url: URL | str, statement: str, **params: Any) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement), params)
    finally:
        engine.dispose()


# -- the profile switcher ------------------------------------------------------------------

# Labels of at most 40 characters, as the profile file takes them (no control character:
# the file refuses those, see below); a backslash is text too.
STAGING_LABEL = hostile.ACTION
PRODUCTION_LABEL = hostile.LINK
DEV_LABEL = "[b]x[/b]\\x1b]0;PWNED\\x07"


def profile_file(path: Path, store_url: URL, *, dev_label: str = DEV_LABEL) -> Path:
    store = store_url.render_as_string(hide_password=False)
    path.write_text(
        f"""
default = "staging"

[profiles.staging]
environment = "staging"
label = {json.dumps(STAGING_LABEL)}
colour = "cyan"
store = "{store}"
journal = "sqlite:///{path.parent / "journal-staging.db"}"

[profiles.production]
environment = "production"
label = {json.dumps(PRODUCTION_LABEL)}
store = "{store}"
journal = "sqlite:///{path.parent / "journal-production.db"}"

[profiles.dev]
environment = "development"
label = {json.dumps(dev_label)}
store = "{store}"
"""
    )
    return path


def start_from_file(path: Path, name: str = "staging") -> InspectorApp:
    settings = load_settings(profile=name, config=path)
    return InspectorApp(
        settings,
        Services.configured(settings),
        clock=lambda: DEMO_NOW,
        export_dir=path.parent,
        open_services=Services.configured,
    )


async def open_switcher(pilot: Pilot[Any]) -> None:
    app: InspectorApp = pilot.app  # type: ignore[assignment]
    app.main.query_one("#results").focus()
    await pilot.press("P")
    await until(pilot, lambda: isinstance(app.screen, ProfilesScreen), "the switcher")
    await pilot.pause()


async def test_profile_labels_are_text_in_the_switcher_the_name_check_and_the_banner(
    tmp_path: Path, sqlite_demo_url: URL
) -> None:
    app = start_from_file(profile_file(tmp_path / "inspector.toml", sqlite_demo_url))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert STAGING_LABEL in static_text(app, "#banner")
        shown(app)

        await open_switcher(pilot)
        options = app.screen.query_one(OptionList)
        lines = [str(options.get_option_at_index(i).prompt) for i in range(3)]
        assert STAGING_LABEL in lines[0] and PRODUCTION_LABEL in lines[1]
        assert escape(DEV_LABEL) in lines[2]
        text = shown(app)
        for label in (STAGING_LABEL, PRODUCTION_LABEL, escape(DEV_LABEL)):
            assert label in text, label

        # Production asks for its name, its label in the question; a pasted name is
        # refused and shown as it was pasted, made visible.
        options.highlighted = options.get_option_index("production")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TypeNameScreen), "the name check")
        await pilot.pause()
        assert PRODUCTION_LABEL in shown(app)
        typed = app.screen.query_one("#typed-name", Input)
        await paste(pilot, typed, PASTED)
        assert escape(PASTED) in shown(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TypeNameScreen)
        refusal = text_of(app, "#refusal")
        assert f"'{escape(PASTED)}' is not the name of this profile: not switched." in refusal
        shown(app)
        assert app.settings.profile == "staging"

        typed.value = "production"
        await pilot.press("enter")
        await until(
            pilot,
            lambda: app.settings.profile == "production" and app.screen is app.main,
            "the switch",
        )
        await settle(pilot)
        banner = static_text(app, "#banner")
        assert PRODUCTION_LABEL in banner and "PRODUCTION" in banner
        assert any(PRODUCTION_LABEL in n for n in notes(app))
        shown(app)

        # The development profile's label: its backslashes are text, shown escaped.
        await open_switcher(pilot)
        options = app.screen.query_one(OptionList)
        options.highlighted = options.get_option_index("dev")
        await pilot.press("enter")
        await until(pilot, lambda: app.settings.profile == "dev", "the switch")
        await settle(pilot)
        assert escape(DEV_LABEL) in static_text(app, "#banner")
        # The switch's notification names it escaped once: a backslash shows as two.
        said = [n for n in notes(app) if n.startswith("Profile ")]
        assert said and said[-1].startswith(f"Profile {escape(DEV_LABEL)} · DEVELOPMENT"), said
        shown(app)


async def test_a_label_with_an_escape_sequence_is_refused_in_one_line(
    tmp_path: Path, sqlite_demo_url: URL
) -> None:
    path = profile_file(tmp_path / "inspector.toml", sqlite_demo_url)
    app = start_from_file(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # The file changes under the running app: a label holding an OSC title, a C1 CSI.
        profile_file(path, sqlite_demo_url, dev_label="x" + hostile.OSC_TITLE + hostile.C1_CSI)
        app.main.query_one("#results").focus()
        await pilot.press("P")
        await until(pilot, lambda: bool(notes(app)), "the refusal")
        await pilot.pause()
        said = notes(app)[-1]
        assert said.startswith("The profiles cannot be listed:") and "label" in said
        assert isinstance(app.screen, MainScreen) and app.settings.profile == "staging"
        shown(app)


# -- proofs: the team, the fakes, a hostile store and journal -------------------------------


# The fakes and the desks are test_signoff's, over this module's store (team_store_url);
# pytest finds a fixture by the name it is bound to here.
fakes = test_signoff.fakes
team_desk = test_signoff.desk


@pytest.fixture(scope="module")
def team_store_url(make_database: Callable[[str], URL]) -> URL:
    """The team's store, its shop app named with markup and escapes, and an app whose
    bundle id holds them."""
    url = make_database("sqlite")
    build_team_store(url)
    sql(url, "UPDATE apps SET name = :name WHERE bundle_id = :bundle", name=APP_NAME, bundle=APP)
    sql(
        url,
        "INSERT INTO apps (app_id, name, platform, bundle_id) VALUES ('odd', :n, 'ios', :b)",
        n=hostile.STYLED,
        b=ODD_BUNDLE,
    )
    return url


@pytest.fixture
def desk(team_desk: Desk, fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> Desk:
    """`desk("bob")`: one operator's inspector over the test's journal database, where
    APNs answers the iPhone with a hostile reason and FCM the Pixel with a hostile error
    (set once the desk has reset the fakes)."""
    monkeypatch.setitem(apns_server.APNS_ERRORS, APNS_REASON, 400)
    monkeypatch.setitem(fcm_server.FCM_ERRORS, FCM_CODE, (400, "INVALID_ARGUMENT", FCM_MESSAGE))
    fakes.apns["production"].token_modes[TOKENS[IPHONE]] = APNS_REASON
    fakes.fcm.token_modes[TOKENS[PIXEL]] = FCM_CODE
    return team_desk


def journal_url(settings: Settings) -> str:
    return settings.journal_url_text


def hostile_team(settings: Settings) -> None:
    """The team's test devices, then their labels and owners as another writer left them."""
    journal = Journal.open(settings)
    try:
        register_team(journal)
    finally:
        journal.close()
    for iid, (label, owner) in LABELS.items():
        sql(
            journal_url(settings),
            "UPDATE test_devices SET label = :label, owner = :owner WHERE installation_id = :iid",
            label=label,
            owner=owner,
            iid=iid,
        )


def live_text(app: InspectorApp) -> dict[str, list[str]]:
    screen = app.screen
    assert isinstance(screen, ProofLiveScreen)
    return screen.row_cells()


async def test_a_proof_composed_confirmed_and_sent_with_hostile_text(desk: Desk) -> None:
    app = desk("ana")
    hostile_team(app.settings)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, IPHONE)
        shown(app)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, ProofComposeScreen), "the compose")
        await pilot.pause()
        compose = app.screen
        choice = compose.query_one("#proof-app", Select)
        assert choice.value == APP
        prompts = {str(value): str(prompt) for prompt, value in choice._options}
        assert escape(APP_NAME) in prompts[APP]
        assert (
            escape(hostile.STYLED) in prompts[ODD_BUNDLE]
            and escape(ODD_BUNDLE) in prompts[ODD_BUNDLE]
        )
        shown(app)
        # Every app, in the Select's list.
        choice.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert escape(ODD_BUNDLE) in shown(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProofComposeScreen)

        # Markup and a pasted escape sequence in each box: shown as typed, made visible.
        title = compose.query_one("#proof-title", Input)
        await paste(pilot, title, PASTED)
        body = compose.query_one("#proof-body", TextArea)
        await paste(pilot, body, f"{hostile.LINK}\nline two {hostile.OSC_CLIPBOARD}")
        data = '{"k": "[/]\\u001b]0;PWNED\\u0007\\u009b"}'  # JSON escapes, as typed
        compose.query_one("#proof-data", Input).value = data
        await paste(pilot, compose.query_one("#proof-link", Input), f"shop://[b]{hostile.BIDI}")
        text = shown(app)
        assert escape(PASTED) in text
        assert hostile.LINK in text and escape(hostile.OSC_CLIPBOARD) in text
        # The deep link pasted has a [host] that is no IP address: said, not a crash.
        problem = text_of(app, "#proof-problem")
        assert problem.startswith("the deep link 'shop://[b]\\") and "is not a URL" in problem

        # The deep link pasted is not a URL; without it the proof goes on.
        compose.query_one("#proof-link", Input).value = ""
        await pilot.pause()
        assert not compose.query_one("#review", Button).disabled, text_of(app, "#proof-problem")

        # The app whose bundle id holds an escape sequence is refused by the plan: back
        # to the compose as typed, its data the same JSON (what JSON leaves raw, a C1,
        # written as its \\u escape, not made into text that is no JSON).
        choice.value = ODD_BUNDLE
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is not compose, "the plan")
        await until(pilot, lambda: isinstance(app.screen, ProofComposeScreen), "the compose")
        await pilot.pause()
        assert any("No proof: the app must be" in n for n in notes(app))
        compose = app.screen
        assert compose.query_one("#proof-title", Input).value == escape(PASTED)
        again = compose.query_one("#proof-data", Input).value
        assert json.loads(again) == json.loads(data), again
        shown(app)
        compose.query_one("#proof-app", Select).value = APP
        await pilot.pause()
        assert not compose.query_one("#review", Button).disabled, text_of(app, "#proof-problem")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ProofConfirmScreen), "the confirm")
        await pilot.pause()

        # The confirm: every test device's label and owner, the skipped one's, the payload.
        text = shown(app)
        reach = text_of(app, "#proof-targets")
        for iid in (IPHONE, IPAD, PIXEL):
            label, owner = LABELS[iid]
            assert escape(label) in reach and escape(owner) in reach, iid
        assert escape(LABELS[DEAD][0]) in text_of(app, "#proof-skips")
        # The payload as it is sent: what was pasted, made visible; the data's JSON escapes.
        payload = text_of(app, "#proof-payload")
        assert f'"title": {json.dumps(escape(PASTED))}' in payload
        body = f"{hostile.LINK}\nline two {escape(hostile.OSC_CLIPBOARD)}"
        assert f'"body": {json.dumps(body)}' in payload
        assert '"k": "[/]\\u001b]0;PWNED\\u0007\\x9b"' in payload
        assert "\x1b" not in text

        await pilot.click("#send")
        await until(pilot, lambda: isinstance(app.screen, ProofLiveScreen), "the live table")

        def answered() -> bool:
            rows = live_text(app)
            return all(rows[iid][VERDICT] != "… sending" for iid in (IPHONE, IPAD, PIXEL))

        await until(pilot, answered, "every verdict")
        await settle(pilot)
        rows = live_text(app)
        assert rows[IPAD][VERDICT] == "✔ accepted"
        assert rows[IPHONE][VERDICT] == "✘ rejected"
        assert escape(APNS_REASON) in rows[IPHONE][-1]
        assert rows[PIXEL][0] == escape(LABELS[PIXEL][0])
        assert escape(FCM_CODE) in rows[PIXEL][-1]
        # One line a device, however long its detail: a provider's words wrapped would
        # start a line of their own under the device column.
        lines = screen_lines(app)
        top = next(n for n, line in enumerate(lines) if line.startswith(" device "))
        end = next(n for n, line in enumerate(lines) if line.startswith(" Proof p-"))
        drawn = [line for line in lines[top + 1 : end] if line.strip()]
        assert len(drawn) == len(rows), "\n".join(drawn)
        for line, cells in zip(drawn, rows.values(), strict=True):
            # Under the header's first column (both padded by one).
            assert line.startswith(" " + cells[0][:20]), line
        # Cut to the column's width (28), escaped before it is cut.
        assert drawn[0].startswith(" " + escape(LABELS[IPHONE][0])[:27] + "…")
        assert "✘ reject" in drawn[0] and drawn[0].rstrip().endswith("…")
        shown(app)

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        await until(pilot, lambda: any("Proof p-" in n for n in notes(app)), "the proof's end")
        shown(app)


# -- the Proofs screen ----------------------------------------------------------------------

# A payload as another writer left it: JSON whose strings decode to escape sequences.
HOSTILE_PAYLOAD = json.dumps(
    {
        "body": hostile.BIDI + "evil " + hostile.LINK,
        "data": {hostile.MARKUP: hostile.CLEAR},
        "deep_link": None,
        "mark_as_test": False,
        "title": hostile.STYLED + hostile.OSC_TITLE,
    },
    sort_keys=True,
)
STORED_COMMENT = f"{hostile.ACTION}{hostile.OSC_TITLE}{hostile.CLEAR}"


Opened = tuple[ExitStack, StoreRepository | None, Journal, SignoffStore]


@contextmanager
def as_the_cli(settings: Settings, *, store: bool = True) -> Iterator[Opened]:
    """What the command line opens for a sign-off step: the store (if the step reads it),
    the journal and the sign-off tables; closed after, last opened first, with whatever
    the step puts on the stack."""
    with ExitStack() as stack:
        the_store = None
        if store:
            the_store = stack.enter_context(closing(StoreRepository.open(settings.store_url)))
        journal = stack.enter_context(closing(Journal.open(settings)))
        db = stack.enter_context(closing(SignoffStore.open(settings)))
        yield stack, the_store, journal, db


def send_proof(settings: Settings) -> str:
    """A proof sent as the command line sends it, to the hostile team: its id."""
    with as_the_cli(settings) as (stack, store, journal, db):
        proofs = stack.enter_context(closing(ProofService(settings, store, journal, db)))
        compose = Compose(title=hostile.STYLED, body=hostile.ACTION, mark_as_test=False)
        return proofs.send(proofs.plan(APP, compose)).id


def approve_proof(settings: Settings, proof_id: str, comment: str) -> None:
    with as_the_cli(settings, store=False) as (stack, _, journal, db):
        proofs = stack.enter_context(closing(ProofService(settings, None, journal, db)))
        proofs.approve(proof_id, comment)


async def open_screen(pilot: Pilot[Any], key: str, kind: type) -> None:
    app = pilot.app
    await search(pilot, IPHONE)  # the focus on the results, where letters are keys
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, kind), kind.__name__)
    await settle(pilot)


async def comment(pilot: Pilot[Any], key: str, typed: str, pasted: str) -> str:
    """a or x, and a comment typed then pasted into the dialog: the dialog's text."""
    app: InspectorApp = pilot.app  # type: ignore[assignment]
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, CommentScreen), "the comment dialog")
    await pilot.pause()
    box = app.screen.query_one(Input)
    box.value = typed
    await paste(pilot, box, pasted)
    text = shown(app)
    await pilot.press("enter")
    await settle(pilot)
    return text


async def test_the_proofs_screen_shows_hostile_proofs_and_sign_offs_as_text(
    desk: Desk,
) -> None:
    settings_of = desk.settings  # type: ignore[attr-defined]
    ana = settings_of("ana")
    hostile_team(ana)
    edited = send_proof(ana)  # its payload edited: it can be read, not signed off
    signed = send_proof(ana)
    approve_proof(settings_of("carol"), signed, hostile.MARKUP)
    # What the sign-off tables refuse to write, written as another writer could.
    url = journal_url(ana)
    sql(url, "UPDATE signoff_proofs SET payload = :p WHERE id = :id", p=HOSTILE_PAYLOAD, id=edited)
    sql(url, "UPDATE signoff_proofs SET app = :a WHERE id = :id", a=ODD_BUNDLE, id=signed)
    sql(url, "UPDATE signoff_signoffs SET comment = :c", c=STORED_COMMENT)

    bob = desk("bob")
    async with bob.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "O", ProofsScreen)
        table = bob.screen.query_one(DataTable)
        assert escape(hostile.STYLED + hostile.OSC_TITLE) in map(str, table.get_row(edited))
        assert {escape(ODD_BUNDLE), hostile.STYLED} <= set(map(str, table.get_row(signed)))
        table.move_cursor(row=table.get_row_index(edited))
        await pilot.pause()
        detail = text_of(bob, "#proofs-detail")
        assert "\\u001b]0;PWNED" in detail and "\\u202e" in detail  # the payload's JSON
        shown(bob)
        # Refused in words: an edited payload is signed off by nobody, exported by nobody.
        await pilot.press("a")
        await pilot.pause()
        assert "does not match its hash" in text_of(bob, "#proofs-status")
        await pilot.press("e")
        await settle(pilot)
        assert "Not exported" in text_of(bob, "#proofs-status")
        shown(bob)

        table.move_cursor(row=table.get_row_index(signed))
        await pilot.pause()
        detail = text_of(bob, "#proofs-detail")
        for iid in (IPHONE, IPAD, PIXEL, DEAD):
            label, owner = LABELS[iid]
            assert escape(label) in detail and escape(owner) in detail, iid
        assert escape(APNS_REASON) in detail and escape(FCM_CODE) in detail
        assert escape(STORED_COMMENT) in detail and escape(ODD_BUNDLE) in detail
        shown(bob)

        # Approving: the question names the app; the comment pasted is shown visible,
        # then kept as shown (its escape is text) and shown escaped.
        dialog = await comment(pilot, "a", hostile.LINK, hostile.OSC_TITLE)
        assert escape(ODD_BUNDLE) in dialog
        assert hostile.LINK + escape(hostile.OSC_TITLE) in dialog
        status = text_of(bob, "#proofs-status")
        assert f"You approved proof {signed}" in status, status
        detail = text_of(bob, "#proofs-detail")
        assert "approved by bob" in detail
        assert hostile.LINK + escape(escape(hostile.OSC_TITLE)) in detail
        shown(bob)


# -- the Approvals screen ----------------------------------------------------------------


def ask(settings: Settings, compose: Compose) -> str:
    """An approval request for the customer's iPhone, asked as the command line asks."""
    with as_the_cli(settings) as (stack, store, journal, db):
        assert store is not None
        push = stack.enter_context(closing(PushService(settings, store, journal)))
        return ApprovalService(settings, journal, db).request(push, CUSTOMER_IPHONE, compose).id


def approve_request(settings: Settings, request_id: str, comment: str) -> None:
    with as_the_cli(settings, store=False) as (_, _, journal, db):
        ApprovalService(settings, journal, db).approve(request_id, comment)


async def test_the_approvals_screen_shows_hostile_requests_as_text(desk: Desk) -> None:
    settings_of = desk.settings  # type: ignore[attr-defined]
    ana = settings_of("ana", push_policy="approval")
    carol = settings_of("carol", push_policy="approval")
    compose = Compose(title=hostile.STYLED, body=hostile.ACTION, mark_as_test=False)
    edited = ask(ana, compose)  # its payload and comment edited behind the inspector's back
    sendable = ask(ana, Compose(title=hostile.LINK, body="", mark_as_test=False))
    for rid in (edited, sendable):
        approve_request(carol, rid, hostile.MARKUP)
    url = journal_url(ana)
    device = f"customer {hostile.ESCAPE_CUSTOMER} · {hostile.LINK}"
    sql(
        url,
        "UPDATE signoff_push_requests SET payload = :p, approve_comment = :c WHERE id = :id",
        p=HOSTILE_PAYLOAD,
        c=STORED_COMMENT,
        id=edited,
    )
    # The device line is not pinned by the request's hash: the request stays sendable.
    sql(url, "UPDATE signoff_push_requests SET device = :d WHERE id = :id", d=device, id=sendable)
    third = ask(ana, Compose(title="to reject", body="", mark_as_test=False))

    bob = desk("bob", push_policy="approval")
    async with bob.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "a", ApprovalsScreen)
        table = bob.screen.query_one(DataTable)
        cells = [str(c) for c in table.get_row(edited)]
        assert escape(hostile.STYLED + hostile.OSC_TITLE) in cells  # the title
        table.move_cursor(row=table.get_row_index(edited))
        await pilot.pause()
        detail = text_of(bob, "#approvals-detail")
        # The device line names the store's app; the comment and payload as edited.
        assert escape(APP_NAME) in detail and escape(STORED_COMMENT) in detail
        assert "\\u001b]0;PWNED" in detail and "\\u202e" in detail
        shown(bob)
        table.move_cursor(row=table.get_row_index(sendable))
        await pilot.pause()
        assert escape(device) in text_of(bob, "#approvals-detail")
        shown(bob)

        # Rejecting with a comment typed and pasted: shown visible, kept as text.
        table.move_cursor(row=table.get_row_index(third))
        await pilot.pause()
        dialog = await comment(pilot, "x", hostile.STYLED, hostile.CLEAR)
        assert hostile.STYLED + escape(hostile.CLEAR) in dialog
        status = text_of(bob, "#approvals-status")
        assert f"You rejected request {third}" in status, status
        detail = text_of(bob, "#approvals-detail")
        assert hostile.STYLED + escape(escape(hostile.CLEAR)) in detail
        shown(bob)

    ana_app = desk("ana", push_policy="approval")
    async with ana_app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "a", ApprovalsScreen)
        table = ana_app.screen.query_one(DataTable)
        # The edited payload no longer matches its hash: the send is refused in words.
        table.move_cursor(row=table.get_row_index(edited))
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert "Not sent" in text_of(ana_app, "#approvals-status")
        shown(ana_app)
        # The other is sendable: its confirmation quotes the device line, as text.
        table.move_cursor(row=table.get_row_index(sendable))
        await pilot.pause()
        await pilot.press("s")
        await until(pilot, lambda: isinstance(ana_app.screen, ConfirmScreen), "the confirmation")
        await pilot.pause()
        assert escape(hostile.ESCAPE_CUSTOMER) in "\n".join(screen_lines(ana_app))
        shown(ana_app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(ana_app.screen, ApprovalsScreen)
