"""Everyday actions: reveal, copy, export, customer jump and back, help, palette, the banner,
and the push placeholders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import URL
from textual.color import Color

from inspector.config import data_dir
from inspector.fixtures.demo import (
    ANA_IPAD,
    ANA_IPHONE,
    ANA_IPHONE_IDFA,
    ANA_PIXEL,
    CUSTOMER_ANA,
    CUSTOMER_WEB,
)
from inspector.journal import Journal
from inspector.store.repository import StoreRepository
from inspector.tui.app import InspectorApp
from inspector.tui.commands import COMMANDS
from tests.tui.conftest import (
    AppFactory,
    results,
    search,
    settings_for,
    settle,
    static_text,
    status_text,
)


def notifications(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications]


@pytest.fixture
def iphone_token(sqlite_demo_url: URL) -> str:
    store = StoreRepository.open(sqlite_demo_url)
    iphone = store.get(ANA_IPHONE)
    store.close()
    assert iphone is not None and iphone.push_token
    return iphone.push_token


async def test_reveal_shows_one_value_of_this_device_and_is_audited(
    make_app: AppFactory, iphone_token: str
) -> None:
    app = make_app(journal=True)
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("2")
        assert iphone_token not in static_text(app, "#push-fields")
        await pilot.press("r")
        assert type(app.screen).__name__ == "PickScreen"
        await pilot.press("enter")  # the first choice: the push token
        await settle(pilot)
        assert iphone_token in static_text(app, "#push-fields")
        # Only the token: the advertising ID stays masked.
        assert ANA_IPHONE_IDFA not in static_text(app, "#overview-fields")
        entries = app.services.journal.entries(installation_id=ANA_IPHONE)
        reveals = [e for e in entries if e.action == "reveal"]
        assert len(reveals) == 1 and reveals[0].details == {"field": "push_token"}
        assert iphone_token not in json.dumps([e.details for e in entries])
        # Another device is masked again, and so is this one when it comes back.
        app.query_one("#results").focus()
        await pilot.press("down")
        await settle(pilot)
        assert "(masked)" in static_text(app, "#push-fields")
        await pilot.press("up")
        await settle(pilot)
        assert iphone_token not in static_text(app, "#push-fields")


async def test_reveal_advertising_id(make_app: AppFactory) -> None:
    app = make_app(journal=True)
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("r", "down", "enter")
        await settle(pilot)
        assert ANA_IPHONE_IDFA in static_text(app, "#overview-fields")
        assert "Advertising ID revealed for this device only; the reveal is audited." in (
            notifications(app)
        )


async def test_reveal_without_a_journal_is_refused(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("r", "down", "enter")
        await settle(pilot)
        assert ANA_IPHONE_IDFA not in static_text(app, "#overview-fields")
        assert notifications(app)[-1].startswith("Not revealed: there is no audit journal")


async def test_journal_failure_on_reveal_refuses_it(make_app: AppFactory,
                                                    iphone_token: str) -> None:  # fmt: skip
    settings = settings_for("sqlite:///unused.db")
    journal = Journal.open(settings)
    journal.close()
    journal_file = data_dir() / "journal.db"
    journal_file.unlink()
    journal_file.mkdir()  # a directory where the database should be: every write fails
    app = make_app(journal=journal)
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        assert any("lookup was not written" in n for n in notifications(app))
        await pilot.press("2", "r", "enter")
        await settle(pilot)
        # Audited means recorded first: the journal could not record it, so not shown.
        assert iphone_token not in static_text(app, "#push-fields")
        assert notifications(app)[-1].startswith(
            "Not revealed: the audit journal could not record it"
        )
        assert app.is_running


async def test_lookups_are_audited_without_the_identifier(make_app: AppFactory) -> None:
    app = make_app(journal=True)
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await search(pilot, "cust-nobody")
        entries = [e for e in app.services.journal.entries() if e.action == "lookup"]
        assert [(e.outcome, e.details["found"]) for e in entries] == [("not_found", 0), ("ok", 3)]
        assert CUSTOMER_ANA not in json.dumps([e.details for e in entries])


async def test_copy_puts_the_installation_id_on_the_clipboard(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("c", "enter")
        assert app.clipboard == ANA_IPHONE
        await pilot.press("c", "down", "enter")
        assert app.clipboard == CUSTOMER_ANA
        assert "Customer ID copied to the clipboard." in notifications(app)


async def test_copy_offers_the_token_only_once_revealed(
    make_app: AppFactory, iphone_token: str
) -> None:
    app = make_app(journal=True)
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("c")
        assert app.screen.query_one("OptionList").option_count == 2
        await pilot.press("escape", "r", "enter")
        await settle(pilot)
        await pilot.press("c")
        assert app.screen.query_one("OptionList").option_count == 3
        await pilot.press("down", "down", "enter")
        assert app.clipboard == iphone_token


async def test_export_writes_the_device_and_recent_history(
    make_app: AppFactory, tmp_path: Path, iphone_token: str
) -> None:
    app = make_app(journal=True, export_dir=tmp_path)
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("e")
        await settle(pilot)
        files = list(tmp_path.glob("inspector-*.json"))
        assert [f.name for f in files] == [f"inspector-{ANA_IPHONE}-20261127T120000Z.json"]
        text = files[0].read_text("utf-8")
        document = json.loads(text)
        assert document["installation"]["installation_id"] == ANA_IPHONE
        assert document["installation"]["push_token_masked"] is True
        assert iphone_token not in text and ANA_IPHONE_IDFA not in text
        history = document["history"]
        assert len(history) == 200 and document["history_complete"] is False
        stamps = [e["occurred_at"] for e in history]
        assert stamps == sorted(stamps, reverse=True)
        assert document["environment"] == "demo" and document["exported_by"] == "ana"
        exports = [e for e in app.services.journal.entries() if e.action == "export"]
        assert exports and exports[0].installation_id == ANA_IPHONE
        assert any(str(files[0]) in n for n in notifications(app))


async def test_export_failure_is_said_not_raised(make_app: AppFactory, tmp_path: Path) -> None:
    app = make_app(journal=True, export_dir=tmp_path / "missing" / "folder")
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("e")
        await settle(pilot)
        assert any(n.startswith("Could not use the file") for n in notifications(app))
        assert app.is_running


async def test_jump_to_customer_devices_and_back(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, ANA_IPAD)
        assert len(results(app)) == 1
        await pilot.press("g")
        await settle(pilot)
        assert status_text(app) == "3 installations of customer cust-42"
        assert app.query_one("#search").value == f"cid:{CUSTOMER_ANA}"
        await pilot.press("b")
        assert len(results(app)) == 1
        assert (
            app.main.device is not None and app.main.device.installation.installation_id == ANA_IPAD
        )
        assert app.query_one("#search").value == ANA_IPAD
        # Nothing left to go back to: the action is disabled.
        assert app.main.check_action("back", ()) is None


async def test_back_restores_the_selected_device(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("down")
        await search(pilot, CUSTOMER_WEB)
        await pilot.press("b")
        assert (
            app.main.device is not None and app.main.device.installation.installation_id == ANA_IPAD
        )


async def test_help_lists_every_command(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 50)) as pilot:
        await pilot.press("f1")
        assert type(app.screen).__name__ == "HelpScreen"
        text = static_text(app.screen, "#help-commands")  # type: ignore[arg-type]
        for command in COMMANDS:
            assert (command.title if command.group is None else command.label.title()) in text
        await pilot.press("escape")
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        # Keys of the main screen do nothing under the help screen.
        await pilot.press("e")
        await pilot.press("escape")
        assert type(app.screen).__name__ == "MainScreen"
        assert not any("Exported" in n for n in notifications(app))


async def test_every_command_has_a_footer_binding() -> None:
    from inspector.tui.screens.main import MainScreen

    bound = {b.action: b for b in MainScreen.BINDINGS}  # type: ignore[union-attr]
    for command in COMMANDS:
        binding = bound[command.action]
        assert binding.description and binding.tooltip
        assert binding.show or command.action == "quit"


async def test_command_palette_runs_a_command(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("ctrl+p")
        await pilot.press(*"copy an identifier")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        palette_list = app.screen.query_one("CommandList")
        assert "Copy an identifier" in str(palette_list.get_option_at_index(0).prompt)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "PickScreen"
        await pilot.press("enter")
        assert app.clipboard == ANA_IPHONE


@pytest.mark.parametrize(
    ("environment", "label", "background"),
    [
        ("production", "PRODUCTION", "darkred"),
        ("qa-east", "PRODUCTION", "darkred"),  # unknown is production
        ("staging", "STAGING", "darkorange"),
    ],
)
async def test_banner_names_environment_store_and_operator(
    make_app: AppFactory, environment: str, label: str, background: str
) -> None:
    url = "postgresql+psycopg://inspector:s3cret-pw@replica.db.internal:5432/installations"
    app = make_app(environment, url=url)
    async with app.run_test(size=(140, 30)):
        banner = app.query_one("#banner")
        text = static_text(app, "#banner")
        assert f" {label} " in text
        assert "replica.db.internal:5432/installations" in text and "operator ana" in text
        assert "s3cret" not in text
        assert banner.styles.background == Color.parse(background)


async def test_demo_banner_says_demo(make_app: AppFactory) -> None:
    app = make_app("demo")
    async with app.run_test(size=(140, 30)):
        assert " DEMO " in static_text(app, "#banner")
        assert app.query_one("#banner").styles.background != Color.parse("darkred")


async def test_push_and_test_device_say_why_when_not_configured(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("escape")
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("p", "k", "t")
        said = notifications(app)
        assert "Push is not configured: no test push can be sent." in said
        assert "Push is not configured: the token cannot be checked." in said
        assert "Journal unavailable: the test-device list cannot be changed." in said


async def test_device_actions_wait_for_a_device(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)):
        for action in ("reveal", "copy", "export", "customer", "push"):
            assert app.main.check_action(action, ()) is None


async def test_test_device_is_added_with_a_label_and_removed(make_app: AppFactory) -> None:
    app = make_app(journal=True)
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("t")
        await pilot.pause()
        assert type(app.screen).__name__ == "PromptScreen"
        await pilot.press(*"Ana's iPhone", "enter")
        await settle(pilot)
        device = app.services.journal.test_device(ANA_IPHONE)
        assert device is not None and device.label == "Ana's iPhone" and device.owner == "ana"
        assert '"Ana\'s iPhone" (ana)' in static_text(app, "#push-fields")
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.services.journal.test_device(ANA_IPHONE) is None
        assert "not on the test-device list" in static_text(app, "#push-fields")


def test_banner_text_is_built_without_textual_app() -> None:
    from inspector.tui.widgets.banner import banner_text

    settings = settings_for("mysql+pymysql://u:pw@db:3306/store", "development")
    assert banner_text(settings).plain == " inspector · DEVELOPMENT · db:3306/store · operator ana"


async def test_key_bar_follows_the_focus_and_the_selection(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        bar = app.query_one("#keybar")
        assert static_text(app, "#keybar").strip().startswith("Enter search")
        await search(pilot, "cust-nobody")
        app.set_focus(None)  # nothing selected, out of the search box
        await pilot.pause()
        assert "r reveal" in static_text(app, "#keybar")
        assert "reveal" not in [action for *_, action in bar._spans]  # shown, disabled
        await search(pilot, CUSTOMER_ANA)
        text = static_text(app, "#keybar")
        for words in ("/ search", "p push", "k check", "r reveal", "c copy", "e export",
                      "g customer", "1-5 tabs", "? help"):  # fmt: skip
            assert words in text
        assert "reveal" in [action for *_, action in bar._spans]
        start = next(s for s, _, action in bar._spans if action == "export")
        await pilot.hover("#keybar", offset=(start + 1, 0))
        assert bar.tooltip == "Write this device and its recent history to a JSON file (audited)."
        # A click on a key runs its command.
        start = next(s for s, _, action in bar._spans if action == "help")
        await pilot.click("#keybar", offset=(start + 1, 0))
        assert type(app.screen).__name__ == "HelpScreen"


async def test_question_mark_in_the_empty_search_box_opens_help(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert app.query_one("#search").value == ""


async def test_check_token_shows_the_provider_verdict(make_app: AppFactory) -> None:
    from inspector.push import PushService

    def with_push(**kwargs: object) -> InspectorApp:
        app = make_app(journal=True, **kwargs)
        app.services.push = PushService.from_settings(
            app.settings, app.services.store_if_open(), app.services.journal
        )
        return app

    app = with_push()
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, ANA_PIXEL)
        await pilot.press("k")
        await settle(pilot)
        verdicts = [n for n in notifications(app) if n != "Checking the token with the provider…"]
        assert verdicts, "the check says what the provider answered"
        assert app.main.verdict == verdicts[-1]
        shown = static_text(app, "#push-warnings")
        # The demo's Pixel has a dead token: the simulated provider says so, like FCM would.
        assert "Token check: ✘ Rejected by the simulated provider: UNREGISTERED" in shown
        assert "must open the app to register a new one" in shown
    app.services.push.close()
