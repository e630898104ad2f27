"""Proofs and approvals in the UI, against the local fake FCM and APNs.

A proof: compose for an app (the device on screen's by default) → a confirm screen
listing every device it reaches and every one it skips, Cancel focused → a live table,
one row per device, each filled as its verdict arrives; a failing or slow device
leaves the others' rows. Sign-off in the Proofs screen by other operators (each an app
of their own, on the same journal database), with the refusals said in words. The
two-person rule: a request from the device page, approved by another operator in the
Approvals screen, then sent once by its requester. A profile switch takes these screens
away with the rest.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy.engine import URL
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Select, Static, TextArea

from inspector.config import Settings, load_settings
from inspector.fixtures.demo import CUSTOMER_ANA
from inspector.journal import Journal
from inspector.push import Compose, PushService
from inspector.services import Services
from inspector.signoff import ProofService, SignoffStore
from inspector.store.repository import StoreRepository
from inspector.tui.app import InspectorApp
from inspector.tui.present import kind_label
from inspector.tui.screens.approvals import ApprovalsScreen
from inspector.tui.screens.main import MainScreen
from inspector.tui.screens.proof_compose import ProofComposeScreen
from inspector.tui.screens.proof_confirm import ProofConfirmScreen
from inspector.tui.screens.proof_live import ProofLiveScreen
from inspector.tui.screens.proofs import ExportScreen, ProofsScreen
from inspector.tui.screens.push_compose import PushComposeScreen
from inspector.tui.screens.push_confirm import PushConfirmScreen
from inspector.tui.screens.signoff_dialogs import CommentScreen
from inspector.tui.signoff_desk import DeskUnavailable
from inspector.tui.widgets.history import HistoryView
from tests.conftest import DEMO_NOW
from tests.tui.conftest import AppFactory, search, settle, static_text
from tests.tui.signoff_team import (
    APP,
    CUSTOMER_IPHONE,
    DEAD,
    IPAD,
    IPHONE,
    LABELS,
    MUTED,
    PIXEL,
    TOKENS,
    Fakes,
    build_team_store,
    register_team,
)

SIZE = (150, 45)
VERDICT = 5  # the verdict column of the live table
SALE = Compose(title="Spring sale", body="30% off until Sunday", mark_as_test=False)


@pytest.fixture(scope="module")
def fakes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fakes]:
    made = Fakes(tmp_path_factory.mktemp("signoff-ui-credentials"))
    yield made
    made.stop()


@pytest.fixture(scope="module")
def team_store_url(make_database: Callable[[str], URL]) -> URL:
    url = make_database("sqlite")
    build_team_store(url)
    return url


Desk = Callable[..., InspectorApp]


@pytest.fixture
def desk(fakes: Fakes, team_store_url: URL, tmp_path: Path) -> Iterator[Desk]:
    """`desk("bob", push_policy="approval")`: one operator's inspector over the test's
    journal database (every desk of a test shares it), with a push service on the
    fakes. Keyword overrides by variable suffix."""
    fakes.reset()
    opened: list[Any] = []

    def settings_of(operator: str = "ana", **overrides: str) -> Settings:
        env = fakes.env(team_store_url, tmp_path / "journal.db", operator=operator, **overrides)
        return load_settings(env)

    def make(
        operator: str = "ana",
        *,
        open_services: Callable[[Settings], Services] | None = None,
        **overrides: str,
    ) -> InspectorApp:
        settings = settings_of(operator, **overrides)
        store = StoreRepository.open(settings.store_url)
        journal = Journal.open(settings)
        push = PushService(settings, store, journal)
        opened.extend([push, journal, store])
        services = Services(settings, store=store, journal=journal, push=push)
        return InspectorApp(
            settings,
            services,
            clock=lambda: DEMO_NOW,
            export_dir=tmp_path,
            open_services=open_services,
        )

    make.settings = settings_of  # type: ignore[attr-defined]
    yield make
    for thing in opened:
        thing.close()


# -- helpers ------------------------------------------------------------------------------


async def until(pilot: Pilot[Any], condition: Callable[[], bool], what: str = "") -> None:
    """Let the app work until the condition holds (threads finish in real time)."""
    for _ in range(1500):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"never happened: {what}")


def rendered(widget: Any) -> str:
    out = io.StringIO()
    Console(width=220, file=out, color_system=None).print(widget.content)
    return out.getvalue()


def text_of(app: InspectorApp, selector: str) -> str:
    """The plain text of a Static on the screen on top."""
    return rendered(app.screen.query_one(selector, Static))


def notes(app: InspectorApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def live_rows(app: InspectorApp) -> dict[str, list[str]]:
    """The live table: each row's cells by its device key (the installation id)."""
    screen = app.screen
    assert isinstance(screen, ProofLiveScreen)
    return screen.row_cells()


async def compose_proof(pilot: Pilot[Any], compose: Compose = SALE) -> None:
    """From the main screen: o, the compose filled in, Review."""
    app: InspectorApp = pilot.app  # type: ignore[assignment]
    await pilot.press("o")
    await until(pilot, lambda: isinstance(app.screen, ProofComposeScreen), "the compose")
    await pilot.pause()
    screen = app.screen
    screen.query_one("#proof-title", Input).value = compose.title
    screen.query_one("#proof-body", TextArea).text = compose.body
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(app.screen, ProofConfirmScreen), "the confirm screen")
    await pilot.pause()


async def confirm_proof(pilot: Pilot[Any]) -> None:
    app: InspectorApp = pilot.app  # type: ignore[assignment]
    await pilot.click("#send")
    await until(pilot, lambda: isinstance(app.screen, ProofLiveScreen), "the live table")


async def leave_search(pilot: Pilot[Any]) -> None:
    """Letters typed in the search box are text: a search (a team device) puts the focus
    on its results, where they are keys."""
    await search(pilot, IPHONE)


async def palette(pilot: Pilot[Any], title: str) -> None:
    """Run a command from the command palette (it works from the search box too)."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await pilot.press(*title)
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    first = app.screen.query_one("CommandList").get_option_at_index(0)  # type: ignore[attr-defined]
    assert title in str(first.prompt)
    await pilot.press("enter")


def request_id_in(texts: list[str]) -> str:
    for text in texts:
        found = re.search(r"\br-[0-9a-f]{10}\b", text)
        if found:
            return found.group(0)
    raise AssertionError(f"no request id in {texts}")


# -- a proof --------------------------------------------------------------------------------


async def test_proof_compose_confirm_then_a_live_row_per_device(desk: Desk, fakes: Fakes) -> None:
    app = desk("ana")
    journal = app.services.journal
    assert journal is not None
    register_team(journal)
    # A label is the journal's text: shown as written, never as markup.
    journal.rename_test_device(IPHONE, "[b]Ana[/b]'s iPhone")
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, IPHONE)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, ProofComposeScreen), "the compose")
        await pilot.pause()
        # The device on screen's app (its bundle id: iOS and Android alike) by default.
        assert app.screen.query_one("#proof-app", Select).value == APP
        review = app.screen.query_one("#review", Button)
        assert review.disabled  # no title nor body yet
        app.screen.query_one("#proof-title", Input).value = SALE.title
        app.screen.query_one("#proof-body", TextArea).text = SALE.body
        await pilot.pause()
        assert not review.disabled
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ProofConfirmScreen), "the confirm")
        await pilot.pause()

        confirm = app.screen
        assert confirm.focused is confirm.query_one("#cancel")
        header = text_of(app, "#proof-environment")
        assert "Profile" in header and "STAGING" in header and "operator ana" in header
        reach = text_of(app, "#proof-targets")
        lines = {
            iid: next(ln for ln in reach.splitlines() if iid in ln) for iid in (IPHONE, IPAD, PIXEL)
        }
        assert "[b]Ana[/b]'s iPhone" in lines[IPHONE] and "production" in lines[IPHONE]
        assert "ana" in lines[IPAD] and "sandbox" in lines[IPAD]
        assert "Bob's Pixel" in lines[PIXEL] and "bob" in lines[PIXEL]
        assert "Android" in lines[PIXEL] and "active" in lines[PIXEL]
        assert TOKENS[IPHONE] not in reach  # masked
        skipped = text_of(app, "#proof-skips")
        assert "Old Pixel" in skipped and "dead token" in skipped
        assert "Muted iPhone" in skipped and "notifications are turned off" in skipped
        assert "Send to 3 devices" in str(confirm.query_one("#send", Button).label)
        # Nothing is sent before Send.
        assert fakes.sent() == {"fcm": [], "production": [], "sandbox": []}

        await confirm_proof(pilot)
        await settle(pilot)
        rows = live_rows(app)
        assert {iid: rows[iid][VERDICT] for iid in (IPHONE, IPAD, PIXEL)} == {
            IPHONE: "✔ accepted", IPAD: "✔ accepted", PIXEL: "✔ accepted",
        }  # fmt: skip
        assert rendered(app.screen.query_one("#proof-live-table")).count("✔ accepted  ") == 3
        assert rows[IPHONE][0] == "[b]Ana[/b]'s iPhone"
        assert rows[DEAD][VERDICT] == rows[MUTED][VERDICT] == "– skipped"
        status = text_of(app, "#proof-live-status")
        assert "3 accepted" in status and "Proofs (O)" in status
        # Exactly three requests, each to its own token and host; none to anyone else.
        assert fakes.sent() == {
            "fcm": [TOKENS[PIXEL]],
            "production": [TOKENS[IPHONE]],
            "sandbox": [TOKENS[IPAD]],
        }

        # The proof went through the app's own providers: a test push from the app after
        # it reuses the APNs connection and token the proof opened.
        push = app.services.push
        assert push is not None
        compose = Compose(title="again", body="one device")
        push.send(push.prepare(IPHONE, compose))
        assert fakes.apns["production"].connections == 1
        assert len(fakes.apns["production"].jwts) == 1

        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        assert any("Proof p-" in n and "3 accepted" in n for n in notes(app))

        # The device's timeline shows the proof that reached it.
        await search(pilot, IPAD)
        history = app.main.query_one(HistoryView)
        await until(pilot, lambda: bool(history._placed), "the timeline")
        kinds = [kind_label(e.kind) for e in history.events.values()]
        assert "⚑ proof sent to it" in kinds


async def test_cancel_sends_nothing(desk: Desk, fakes: Fakes) -> None:
    app = desk("ana")
    assert app.services.journal is not None
    register_team(app.services.journal)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, PIXEL)
        await compose_proof(pilot)
        await pilot.press("enter")  # Cancel has the focus
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert "Cancelled: nothing was sent." in notes(app)
    assert fakes.sent() == {"fcm": [], "production": [], "sandbox": []}


async def test_a_failing_device_leaves_the_others_rows(desk: Desk, fakes: Fakes) -> None:
    app = desk("ana")
    assert app.services.journal is not None
    register_team(app.services.journal)
    fakes.fcm.token_modes[TOKENS[PIXEL]] = "reset"
    fakes.apns["sandbox"].token_modes[TOKENS[IPAD]] = "BadDeviceToken"
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, IPHONE)
        await compose_proof(pilot)
        await confirm_proof(pilot)
        await settle(pilot)
        rows = live_rows(app)
        assert rows[IPHONE][VERDICT] == "✔ accepted"
        assert rows[IPAD][VERDICT] == "✘ rejected" and "BadDeviceToken" in rows[IPAD][-1]
        assert rows[PIXEL][VERDICT] == "? failed"
        assert "1 accepted" in text_of(app, "#proof-live-status")


async def test_a_slow_device_holds_up_no_other_row(desk: Desk, fakes: Fakes) -> None:
    # Long enough that the quick rows are drawn before it, on a loaded machine too.
    app = desk("ana", push_read_timeout="6")
    assert app.services.journal is not None
    register_team(app.services.journal)
    fakes.fcm.token_modes[TOKENS[PIXEL]] = "timeout"  # never answers
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, IPHONE)
        await compose_proof(pilot)
        await confirm_proof(pilot)

        def answered() -> bool:
            rows = live_rows(app)
            return rows[IPHONE][VERDICT] == rows[IPAD][VERDICT] == "✔ accepted"

        await until(pilot, answered, "the two quick devices' verdicts")
        assert live_rows(app)[PIXEL][VERDICT] == "… sending", live_rows(app)[PIXEL][-1]
        assert "2 of 3 answered" in text_of(app, "#proof-live-status")
        # The screen answers keys meanwhile; closing it stops nothing: the proof's end
        # is said when the slow device's verdict is in.
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await settle(pilot)
        assert any("2 accepted, 1 failed" in n for n in notes(app))


# -- sign-off -------------------------------------------------------------------------------


def send_proof(settings: Settings, store_url: URL) -> str:
    """A proof sent the way the command line sends it: its id."""
    store = StoreRepository.open(store_url)
    journal = Journal.open(settings)
    db = SignoffStore.open(settings)
    proofs = ProofService(settings, store, journal, db)
    try:
        register_team(journal)
        return proofs.send(proofs.plan(APP, SALE)).id
    finally:
        for thing in (proofs, db, journal, store):
            thing.close()


async def open_proofs(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await leave_search(pilot)
    await pilot.press("O")
    await settle(pilot)
    await until(pilot, lambda: isinstance(app.screen, ProofsScreen), "the Proofs screen")
    await settle(pilot)


async def sign(pilot: Pilot[Any], key: str, comment: str) -> None:
    """a or x on the Proofs or Approvals screen, with a comment when it asks for one."""
    app = pilot.app
    await pilot.press(key)
    await pilot.pause()
    if isinstance(app.screen, CommentScreen):
        app.screen.query_one(Input).value = comment
        await pilot.press("enter")
    await settle(pilot)


async def test_proofs_screen_signs_off_with_refusals_in_words(
    desk: Desk, team_store_url: URL
) -> None:
    settings_of = desk.settings  # type: ignore[attr-defined]
    proof_id = send_proof(settings_of("ana"), team_store_url)

    bob = desk("bob")
    async with bob.run_test(size=SIZE) as pilot:
        await open_proofs(pilot)
        table = bob.screen.query_one(DataTable)
        assert table.row_count == 1
        detail = text_of(bob, "#proofs-detail")
        assert f"Proof {proof_id}" in detail and '"title": "Spring sale"' in detail
        assert "accepted" in detail and LABELS[IPAD] in detail and "none yet" in detail
        await sign(pilot, "e", "")
        assert "Not exported" in text_of(bob, "#proofs-status")
        assert "is pending (0 of 2 approvals)" in text_of(bob, "#proofs-status")
        await sign(pilot, "a", "looks right on my Pixel")
        assert f"You approved proof {proof_id}: it is pending now." in text_of(
            bob, "#proofs-status"
        )
        assert "approved by bob" in text_of(bob, "#proofs-detail")
        assert "looks right on my Pixel" in text_of(bob, "#proofs-detail")
        await sign(pilot, "a", "again")
        assert "bob already approved" in text_of(bob, "#proofs-status")

    ana = desk("ana")
    async with ana.run_test(size=SIZE) as pilot:
        await open_proofs(pilot)
        await sign(pilot, "a", "mine")
        assert "its author cannot approve it" in text_of(ana, "#proofs-status")

    carol = desk("carol")
    async with carol.run_test(size=SIZE) as pilot:
        await open_proofs(pilot)
        await sign(pilot, "a", "")
        assert "it is approved now" in text_of(carol, "#proofs-status")
        await pilot.press("e")
        await settle(pilot)
        await until(pilot, lambda: isinstance(carol.screen, ExportScreen), "the export")
        export = text_of(carol, "#proof-export-json")
        assert f'"proof_id": "{proof_id}"' in export and '"status": "approved"' in export
        assert '"operator": "bob"' in export and '"operator": "carol"' in export
        await pilot.press("escape")

    dave = desk("dave")
    async with dave.run_test(size=SIZE) as pilot:
        await open_proofs(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(dave.screen, CommentScreen)
        await pilot.press("enter")  # a rejection needs a comment
        assert isinstance(dave.screen, CommentScreen)
        assert "needs a comment" in rendered(dave.screen.query_one("#comment-problem"))
        dave.screen.query_one(Input).value = "the [link] is wrong"
        await pilot.press("enter")
        await settle(pilot)
        assert "it is rejected now" in text_of(dave, "#proofs-status")
        assert "the [link] is wrong" in text_of(dave, "#proofs-detail")

    eve = desk("eve")
    async with eve.run_test(size=SIZE) as pilot:
        await open_proofs(pilot)
        await sign(pilot, "a", "")
        assert "was rejected by dave" in text_of(eve, "#proofs-status")


# -- the two-person rule ----------------------------------------------------------------------


async def open_approvals(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await leave_search(pilot)
    await pilot.press("a")
    await settle(pilot)
    await until(pilot, lambda: isinstance(app.screen, ApprovalsScreen), "the Approvals screen")
    await settle(pilot)


def approvals_status(app: InspectorApp) -> str:
    return text_of(app, "#approvals-status")


async def test_approval_request_approved_by_another_then_sent_once(
    desk: Desk, fakes: Fakes
) -> None:
    ana = desk("ana", push_policy="approval")
    async with ana.run_test(size=SIZE) as pilot:
        await search(pilot, CUSTOMER_IPHONE)
        await pilot.press("p")  # not a test device: a request instead of a send
        await until(pilot, lambda: isinstance(ana.screen, PushComposeScreen), "the compose")
        await pilot.pause()
        assert "Ask for approval" in rendered(ana.screen.query_one(".dialog-title"))
        ana.screen.query_one("#title", Input).value = "Your order"
        ana.screen.query_one("#body", TextArea).text = "is on its way"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(ana.screen, PushConfirmScreen), "the confirm")
        await pilot.pause()
        assert ana.screen.focused is ana.screen.query_one("#cancel")
        assert "Ask for approval" in str(ana.screen.query_one("#send", Button).label)
        await pilot.click("#send")
        await until(pilot, lambda: any("Approval request r-" in n for n in notes(ana)), "asked")
        request_id = request_id_in(notes(ana))
        assert fakes.sent() == {"fcm": [], "production": [], "sandbox": []}

        await open_approvals(pilot)
        rows = ana.screen.query_one(DataTable)
        assert str(rows.get_row(request_id)[1]) == "pending"
        detail = text_of(ana, "#approvals-detail")
        assert CUSTOMER_IPHONE in detail and '"title": "Your order"' in detail
        assert TOKENS[CUSTOMER_IPHONE] not in detail
        await sign(pilot, "a", "")  # one's own request
        assert "a different operator must approve it" in approvals_status(ana)
        await pilot.press("s")
        await pilot.pause()
        assert "has not been approved yet" in approvals_status(ana)

    bob = desk("bob", push_policy="approval")
    async with bob.run_test(size=SIZE) as pilot:
        await open_approvals(pilot)
        await pilot.press("s")  # another's request
        await pilot.pause()
        assert "only they can send it" in approvals_status(bob)
        await sign(pilot, "a", "customer asked on the phone")
        assert f"You approved request {request_id}" in approvals_status(bob)
        assert str(bob.screen.query_one(DataTable).get_row(request_id)[1]) == "approved"
    assert fakes.sent() == {"fcm": [], "production": [], "sandbox": []}

    ana = desk("ana", push_policy="approval")
    async with ana.run_test(size=SIZE) as pilot:
        await open_approvals(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert ana.screen.focused is ana.screen.query_one("#cancel")
        await pilot.click("#send")
        await settle(pilot)
        await until(pilot, lambda: "sent" in approvals_status(ana), "the send's verdict")
        assert f"Request {request_id} sent: ✔ Accepted" in approvals_status(ana)
        assert fakes.sent() == {"fcm": [], "production": [TOKENS[CUSTOMER_IPHONE]], "sandbox": []}
        await until(
            pilot,
            lambda: str(ana.screen.query_one(DataTable).get_row(request_id)[1]) == "used",
            "the request used",
        )
        await pilot.press("s")  # once only
        await pilot.pause()
        assert "was already used" in approvals_status(ana)
        assert "an approval is good once" in approvals_status(ana)
    assert len(fakes.sent()["production"]) == 1


async def test_a_rejected_request_cannot_be_sent(desk: Desk, fakes: Fakes) -> None:
    ana = desk("ana", push_policy="approval")
    async with ana.run_test(size=SIZE) as pilot:
        await search(pilot, CUSTOMER_IPHONE)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(ana.screen, PushComposeScreen), "the compose")
        await pilot.pause()
        ana.screen.query_one("#title", Input).value = "Refund"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(ana.screen, PushConfirmScreen), "the confirm")
        await pilot.click("#send")
        await until(pilot, lambda: any("Approval request r-" in n for n in notes(ana)), "asked")
        request_id = request_id_in(notes(ana))

    bob = desk("bob", push_policy="approval")
    async with bob.run_test(size=SIZE) as pilot:
        await open_approvals(pilot)
        await sign(pilot, "x", "not without a ticket")
        assert f"You rejected request {request_id}" in approvals_status(bob)
        assert str(bob.screen.query_one(DataTable).get_row(request_id)[1]) == "rejected"
        await sign(pilot, "a", "")
        assert "was rejected by bob (not without a ticket)" in approvals_status(bob)

    ana = desk("ana", push_policy="approval")
    async with ana.run_test(size=SIZE) as pilot:
        await open_approvals(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert "was rejected by bob" in approvals_status(ana)
    assert fakes.sent() == {"fcm": [], "production": [], "sandbox": []}


# -- a profile switch -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "screen_type"), [("Proofs", ProofsScreen), ("Approvals", ApprovalsScreen)]
)
async def test_a_profile_switch_takes_the_proof_and_approval_screens_away(
    desk: Desk, team_store_url: URL, title: str, screen_type: type
) -> None:
    settings_of = desk.settings  # type: ignore[attr-defined]
    other = settings_of("ana", push_policy="off")
    other_store = StoreRepository.open(team_store_url)
    app = desk("ana", open_services=lambda s: Services(s, store=other_store))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await palette(pilot, title)
            await settle(pilot)
            await until(pilot, lambda: isinstance(app.screen, screen_type), "the screen")
            await settle(pilot)
            old = app.services
            old_desk = app.signoff_desk(old)
            app.switch_profile(other)
            await settle(pilot)
            assert isinstance(app.screen, MainScreen) and app.services is not old
            assert not any(isinstance(s, screen_type) for s in app.screen_stack)
            # The old profile's proofs and approvals are closed with it.
            with pytest.raises(DeskUnavailable, match="being closed"):
                old_desk.open()
    finally:
        other_store.close()


# -- keys -----------------------------------------------------------------------------------


async def test_the_keys_have_ids_tooltips_palette_entries_and_a_place_in_the_key_bar(
    make_app: AppFactory,
) -> None:
    from inspector.tui.commands import BY_ACTION

    bound = {b.action: b for b in MainScreen.BINDINGS}  # type: ignore[union-attr]
    for action, key in (("proof", "o"), ("proofs", "O"), ("approvals", "a")):
        binding = bound[action]
        assert binding.key == key and binding.id == f"inspector.{action}"
        assert binding.tooltip == BY_ACTION[action].help
    app = make_app()
    async with app.run_test(size=(240, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        bar = static_text(app, "#keybar")
        for words in ("o proof", "O proofs", "a approvals", "? help"):
            assert words in bar
        # Without a journal there is nothing to sign off: said, nothing opens.
        await pilot.press("o", "O", "a")
        await pilot.pause()
        assert sum("Journal unavailable" in n for n in notes(app)) == 3
        assert isinstance(app.screen, MainScreen)
