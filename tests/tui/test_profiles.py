"""Switching profile in the UI, over real databases: a staging profile on SQLite and a
production profile on PostgreSQL, written to a profile file in the test's directory.

On a switch nothing of the old profile stays on screen; production asks for its name; a
send confirmed before a switch ends against its own profile and says so by name; a
regional profile shows each result's store and says which store did not answer.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from textual.color import Color
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, OptionList, TextArea

from inspector.config import ConfigError, Settings, load_settings
from inspector.fixtures.demo import (
    ANA_IPHONE,
    CUSTOMER_ANA,
    UNICODE_DEVICE,
    build_demo_store,
)
from inspector.journal import Journal
from inspector.push import PushService
from inspector.push.model import Outgoing, PushResult
from inspector.push.simulated import SimulatedProvider
from inspector.services import Openers, Services, State
from inspector.store.repository import StoreRepository
from inspector.tui.app import InspectorApp
from inspector.tui.screens.dialogs import PickScreen, PromptScreen
from inspector.tui.screens.main import START_HINT, MainScreen
from inspector.tui.screens.profiles import ProfilesScreen, TypeNameScreen
from inspector.tui.screens.push_compose import PushComposeScreen
from inspector.tui.screens.push_confirm import PushConfirmScreen
from inspector.tui.widgets.details import DeviceDetails
from tests.conftest import DEMO_NOW
from tests.gate import Gate
from tests.tui.conftest import results, search, settle, static_text, status_text

SIZE = (140, 45)
PROD_VERSION = "9.9.9-prod"


@pytest.fixture(scope="session")
def production_url(make_database: Callable[[str], URL]) -> URL:
    """The demo store on PostgreSQL, with one device's app version told apart from the
    staging store's, so a lookup shows which store answered."""
    url = make_database("postgresql")
    build_demo_store(url, now=DEMO_NOW)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE installations SET app_version = :v WHERE installation_id = :iid"),
            {"v": PROD_VERSION, "iid": ANA_IPHONE},
        )
    engine.dispose()
    return url


def url_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest.fixture
def profile_file(tmp_path: Path, sqlite_demo_url: URL, production_url: URL) -> Path:
    path = tmp_path / "inspector.toml"
    path.write_text(
        f"""
default = "staging"

[profiles.staging]
environment = "staging"
label = "Staging"
colour = "cyan"
store = "{url_text(sqlite_demo_url)}"
journal = "sqlite:///{tmp_path / "journal-staging.db"}"
push_policy = "any"
push_device_cooldown = 0

[profiles.production]
environment = "production"
label = "Production EU"
store = "{url_text(production_url)}"
journal = "sqlite:///{tmp_path / "journal-production.db"}"
push_policy = "test-devices"

[profiles.broken]
environment = "development"
store = "{url_text(sqlite_demo_url)}"
store_password_env = "INSPECTOR_TEST_UNSET_PASSWORD"
"""
    )
    return path


class GatedProvider(SimulatedProvider):
    """The demo's simulated provider, held mid-send until the test releases it."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def send(self, push: Outgoing, *, dry_run: bool) -> PushResult:
        self.entered.set()
        assert self.release.wait(30), "the test never released the provider"
        return super().send(push, dry_run=dry_run)


@pytest.fixture
def provider() -> Iterator[GatedProvider]:
    gated = GatedProvider()
    yield gated
    gated.release.set()


def services_for(provider: GatedProvider, made: list[Services]) -> Callable[[Settings], Services]:
    """What the profile configures (store, journal), with a push service whose provider
    is the gated one; every Services made is kept for the test to look at."""

    def make(settings: Settings) -> Services:
        configured = Openers.configured(settings)

        def push(store: StoreRepository, journal: Journal | None) -> PushService:
            return PushService(settings, store, journal, {"fcm": provider, "apns": provider})

        services = Services(settings, Openers(configured.store, configured.journal, push))
        made.append(services)
        return services

    return make


def start_app(
    profile_file: Path,
    name: str = "staging",
    open_services: Callable[[Settings], Services] | None = None,
) -> InspectorApp:
    settings = load_settings(profile=name, config=profile_file)
    opener = open_services or Services.configured
    return InspectorApp(
        settings,
        opener(settings),
        clock=lambda: DEMO_NOW,
        export_dir=profile_file.parent,
        open_services=open_services,
    )


async def until(pilot: Pilot[Any], condition: Callable[[], bool]) -> None:
    """Let the app work until the condition holds (threads finish in real time)."""
    for _ in range(1000):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the condition never held")


def screen_text(app: InspectorApp, selector: str) -> str:
    """The text of a Static of the screen on top (a dialog)."""
    out = io.StringIO()
    Console(width=200, file=out, color_system=None).print(app.screen.query_one(selector).content)
    return out.getvalue()


def notes(app: InspectorApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def press_switch(pilot: Pilot[Any]) -> None:
    """The switcher's keys: F2 in the search box (where letters type), else P."""
    await pilot.press("f2" if isinstance(pilot.app.focused, Input) else "P")


async def choose(pilot: Pilot[Any], name: str) -> None:
    """Open the switcher (its key) and pick profile `name`."""
    app: InspectorApp = pilot.app  # type: ignore[assignment]
    await press_switch(pilot)
    await until(pilot, lambda: isinstance(app.screen, ProfilesScreen))
    options = app.screen.query_one(OptionList)
    options.highlighted = options.get_option_index(name)
    await pilot.press("enter")
    await pilot.pause()


async def type_name(pilot: Pilot[Any], name: str) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, TypeNameScreen))
    typed = app.screen.query_one("#typed-name", Input)
    typed.focus()
    typed.value = name
    await pilot.press("enter")
    await pilot.pause()


async def switched(pilot: Pilot[Any], name: str, *, wait: bool = True) -> MainScreen:
    """The new profile's main screen, its search box ready; `wait`: and its workers done
    (not while a send of the old profile is held: settling waits for it)."""
    app: InspectorApp = pilot.app  # type: ignore[assignment]
    await until(
        pilot,
        lambda: (
            app.settings.profile == name
            and app.screen is app.main
            and app.focused is not None
            and app.focused.id == "search"
        ),
    )
    if wait:
        await settle(pilot)
    return app.main


# -- the switcher ------------------------------------------------------------------------


async def test_the_switcher_lists_the_profiles_with_environment_label_and_colour(
    profile_file: Path,
) -> None:
    app = start_app(profile_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_switch(pilot)
        await until(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        options = app.screen.query_one(OptionList)
        lines = [options.get_option_at_index(i).prompt for i in range(options.option_count)]
        said = [str(line) for line in lines]
        assert said[0].startswith("■ staging") and "STAGING" in said[0]
        assert "Staging" in said[0] and "(current)" in said[0]
        assert "PRODUCTION" in said[1] and "Production EU" in said[1]
        assert "127.0.0.1:5432/insp_" in said[1]  # the store, never a password
        assert "DEVELOPMENT" in said[2]
        # Each profile's colour; production is red.
        swatches = [line.spans[0].style.color for line in lines]  # type: ignore[union-attr]
        assert swatches[0].name != swatches[1].name  # type: ignore[union-attr]
        assert swatches[1].triplet == Color.parse("red").rich_color.triplet  # type: ignore[union-attr]
        assert swatches[0].triplet == Color.parse("cyan").rich_color.triplet  # type: ignore[union-attr]
        await pilot.press("escape")
        assert app.screen is app.main and app.settings.profile == "staging"


async def test_the_switch_key_has_an_id_a_tooltip_and_a_palette_entry(
    profile_file: Path,
) -> None:
    app = start_app(profile_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        binding = next(b for b in app.main.BINDINGS if getattr(b, "action", "") == "profiles")
        assert binding.id == "inspector.profiles" and binding.tooltip  # type: ignore[union-attr]
        await pilot.press("ctrl+p")
        await pilot.press(*"switch profile")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        palette_list = app.screen.query_one("CommandList", OptionList)
        assert "Switch profile" in str(palette_list.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ProfilesScreen))


async def test_without_a_profile_file_there_is_one_profile(
    sqlite_demo_url: URL,
) -> None:
    from tests.tui.conftest import settings_for

    settings = settings_for(sqlite_demo_url, "staging")
    assert settings.config_path is None
    store = StoreRepository.open(settings.store_url)
    app = InspectorApp(settings, Services(settings, store=store), clock=lambda: DEMO_NOW)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await press_switch(pilot)
            await until(pilot, lambda: isinstance(app.screen, ProfilesScreen))
            said = screen_text(app, "#no-profile-file")
            assert "There is one profile" in said
            assert "inspector.toml" in said and "--config" in said
            assert not app.screen.query(OptionList)
            await pilot.press("escape")
            assert app.screen is app.main
    finally:
        store.close()


async def test_from_the_demo_the_switcher_lists_the_profile_file_s_profiles(
    profile_file: Path, sqlite_demo_url: URL
) -> None:
    from tests.tui.conftest import settings_for

    # `inspector --profile demo` where ./inspector.toml is (the test's directory).
    assert Path("inspector.toml").resolve() == profile_file.resolve()
    demo = settings_for(sqlite_demo_url, "demo")
    assert demo.is_demo and demo.config_path is None
    store = StoreRepository.open(demo.store_url)
    app = InspectorApp(demo, Services(demo, store=store), clock=lambda: DEMO_NOW)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await choose(pilot, "staging")
            main = await switched(pilot, "staging")
            assert "STAGING" in static_text(app, "#banner")
            assert main.services.state is State.OPEN
    finally:
        store.close()


# -- switching -----------------------------------------------------------------------------


async def test_switching_to_production_asks_for_its_name_and_clears_the_screen(
    profile_file: Path, production_url: URL
) -> None:
    made: list[Services] = []
    app = start_app(profile_file, open_services=services_for(GatedProvider(), made))
    async with app.run_test(size=SIZE) as pilot:
        staging_screen, staging_services = app.main, app.services
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("4")  # the History tab of the first device
        await settle(pilot)
        assert results(app) and app.main.device is not None
        assert "STAGING" in static_text(app, "#banner")
        assert "Staging" in static_text(app, "#banner")
        assert app.main.query_one("#banner").styles.background == Color.parse("cyan")

        # Production: the name is asked for, Cancel has the focus, a wrong name refuses.
        await choose(pilot, "production")
        await until(pilot, lambda: isinstance(app.screen, TypeNameScreen))
        assert app.focused is not None and app.focused.id == "cancel"
        said = screen_text(app, "#production")
        assert "PRODUCTION" in said and "Production EU" in said
        await type_name(pilot, "Production")
        assert isinstance(app.screen, TypeNameScreen)
        refusal = screen_text(app, "#refusal")
        assert "'Production' is not the name of this profile: not switched." in refusal
        assert app.settings.profile == "staging" and app.main is staging_screen
        assert app.screen.query_one("#typed-name", Input).value == ""
        # Cancel keeps everything as it was.
        app.screen.query_one("#cancel", Button).focus()
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is staging_screen)
        assert "Not switched: still on profile Staging." in notes(app)
        assert results(app)

        await choose(pilot, "production")
        await type_name(pilot, "production")
        main = await switched(pilot, "production")

        # Nothing of staging is left: its screen, results, device, search text, status.
        assert staging_screen not in app.screen_stack and main is not staging_screen
        assert main.query_one("#search", Input).value == ""
        table = main.query_one("#results", DataTable)
        assert table.row_count == 0 and not table.display
        assert main.device is None and main.view is None and not main.back_stack
        assert main.verdict is None
        assert all(not d.display for d in main.query(DeviceDetails))
        assert main.query_one("#empty").display
        assert status_text(app) == START_HINT
        assert not any("installations of customer" in n for n in notes(app))
        assert [n for n in notes(app) if n.startswith("Profile ")] == [
            "Profile Production EU · PRODUCTION: lookups and sends now go to"
            f" 127.0.0.1:5432/{production_url.database}."
        ]
        banner = static_text(app, "#banner")
        assert "PRODUCTION" in banner and "Production EU" in banner
        assert f"127.0.0.1:5432/{production_url.database}" in banner
        assert "sqlite" not in banner and "Staging" not in banner
        # Production is red.
        assert app.main.query_one("#banner").styles.background == Color.parse("darkred")

        # Lookups go to the production store now.
        await search(pilot, ANA_IPHONE)
        assert [row["version"] for row in results(app)] == [PROD_VERSION]
        # The staging services are closed (in a worker), the production ones open.
        await until(pilot, lambda: staging_services.state is State.CLOSED)
        assert app.services is made[-1] and app.services.state is State.OPEN


async def test_the_new_profile_s_search_box_is_ready_while_its_store_opens(
    profile_file: Path,
) -> None:
    gates: list[Gate] = []

    def gated(settings: Settings) -> Services:
        """Production's store opens when the test lets it."""
        configured = Openers.configured(settings)
        if settings.profile != "production":
            return Services(settings, configured)
        assert configured.store is not None
        gates.append(Gate(configured.store))
        return Services(settings, Openers(gates[-1], configured.journal, configured.push))

    app = start_app(profile_file, open_services=gated)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose(pilot, "production")
        await type_name(pilot, "production")
        main = await switched(pilot, "production", wait=False)
        await until(pilot, gates[0].entered.is_set)
        # The store is still opening: the screen answers and takes a search.
        assert app.services.opening
        assert "Opening the store" in status_text(app)
        main.query_one("#search", Input).value = ANA_IPHONE
        await pilot.press("enter")
        assert "once the store is open" in status_text(app)
        assert isinstance(app.screen, MainScreen) and app.screen is main
        gates[0].release.set()
        await settle(pilot)
        assert [row["version"] for row in results(app)] == [PROD_VERSION]


async def test_switching_back_to_staging_asks_nothing(profile_file: Path) -> None:
    app = start_app(profile_file, "production")
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, ANA_IPHONE)
        assert [row["version"] for row in results(app)] == [PROD_VERSION]
        await choose(pilot, "staging")
        main = await switched(pilot, "staging")
        assert not isinstance(app.screen, TypeNameScreen)
        assert main.query_one("#results", DataTable).row_count == 0
        await search(pilot, ANA_IPHONE)
        assert [row["version"] for row in results(app)] != [PROD_VERSION]
        assert "STAGING" in static_text(app, "#banner")
        # A profile of one store has no store column.
        assert "store" not in results(app)[0]


async def test_dialogs_name_the_profile_they_act_on(profile_file: Path) -> None:
    app = start_app(profile_file, "production")
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, ANA_IPHONE)
        await pilot.press("r")  # reveal: the token or the Advertising ID?
        await until(pilot, lambda: isinstance(app.screen, PickScreen))
        said = screen_text(app, ".dialog-profile")
        assert "Profile Production EU (production) · PRODUCTION" in said
        await pilot.press("escape")
        await pilot.press("t")  # a label for this test device
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        assert "Production EU (production)" in screen_text(app, ".dialog-profile")


async def test_a_profile_that_cannot_be_loaded_is_one_line_and_nothing_changes(
    profile_file: Path,
) -> None:
    app = start_app(profile_file)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, CUSTOMER_ANA)
        before, services = app.main, app.services
        await choose(pilot, "broken")
        await until(pilot, lambda: any(n.startswith("Not switched:") for n in notes(app)))
        refusal = next(n for n in notes(app) if n.startswith("Not switched:"))
        assert "\n" not in refusal and "INSPECTOR_TEST_UNSET_PASSWORD" in refusal
        assert "broken" in refusal
        with pytest.raises(ConfigError):
            load_settings(profile="broken", config=profile_file)
        assert app.main is before and app.services is services
        assert app.settings.profile == "staging" and results(app)
        assert services.state is State.OPEN


async def test_a_dialog_of_the_old_profile_closes_on_a_switch_and_sends_nothing(
    profile_file: Path, provider: GatedProvider
) -> None:
    made: list[Services] = []
    app = start_app(profile_file, open_services=services_for(provider, made))
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, UNICODE_DEVICE)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PushComposeScreen))
        staging_journal = app.services.journal
        app.switch_profile(load_settings(profile="production", config=profile_file))
        await switched(pilot, "production")
        assert not any(isinstance(s, PushComposeScreen) for s in app.screen_stack)
        assert len(app.screen_stack) == 1
    assert provider.requests == []
    assert staging_journal is not None


# -- a send belongs to its profile ----------------------------------------------------------


async def test_a_send_started_before_a_switch_reports_against_its_own_profile(
    profile_file: Path, provider: GatedProvider, tmp_path: Path
) -> None:
    made: list[Services] = []
    app = start_app(profile_file, open_services=services_for(provider, made))
    async with app.run_test(size=SIZE) as pilot:
        staging = app.services
        await search(pilot, UNICODE_DEVICE)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PushComposeScreen))
        app.screen.query_one("#title", Input).value = "Hello"
        app.screen.query_one("#body", TextArea).text = "From staging"
        await pilot.pause()
        await pilot.click("#review")
        await until(pilot, lambda: isinstance(app.screen, PushConfirmScreen))
        # The confirm screen names the profile the push belongs to.
        environment = screen_text(app, "#environment")
        assert "Staging" in environment and "STAGING" in environment
        await pilot.click("#send")
        await until(pilot, provider.entered.is_set)

        # Mid-send: switch to production.
        await choose(pilot, "production")
        await type_name(pilot, "production")
        main = await switched(pilot, "production", wait=False)
        # The staging services stay open while their send runs.
        assert staging.state is State.OPEN and staging is not app.services

        provider.release.set()
        await until(pilot, lambda: any(n.startswith("Profile Staging:") for n in notes(app)))
        verdict = next(n for n in notes(app) if n.startswith("Profile Staging:"))
        assert "Test push:" in verdict
        # Nothing drawn into production's screen.
        assert main.verdict is None and main.device is None
        assert "Test push" not in status_text(app)
        # Its send over, staging's services close.
        await until(pilot, lambda: staging.state is State.CLOSED)
    assert [r[0] for r in provider.requests] == [UNICODE_DEVICE]
    # The outcome is in the staging journal; production's has no send.
    for name, sent in (("staging", True), ("production", False)):
        journal = Journal.open(load_settings(profile=name, config=profile_file))
        try:
            actions = {e.action for e in journal.entries(installation_id=UNICODE_DEVICE)}
        finally:
            journal.close()
        assert ({"push.intent", "push.outcome"} <= actions) is sent, (name, actions)


# -- regional stores ----------------------------------------------------------------------


def regional_file(tmp_path: Path, eu: str, us: str) -> Settings:
    """A staging profile of two stores, `eu` and `us`, each a URL text."""
    path = tmp_path / "regional.toml"
    path.write_text(
        f"""
[profiles.regional]
environment = "staging"
journal = "sqlite:///{tmp_path / "journal-regional.db"}"
statement_timeout = 2

[profiles.regional.stores]
eu = "{eu}"
us = "{us}"
"""
    )
    settings = load_settings({}, profile="regional", config=path)
    assert settings.regional
    return settings


def regional_app(settings: Settings) -> InspectorApp:
    """The app on the regional profile's own stores (inspector.store.regional), opened as
    the UI opens them."""
    return InspectorApp(settings, Services.configured(settings), clock=lambda: DEMO_NOW)


async def test_a_regional_profile_shows_each_result_s_store(
    tmp_path: Path, sqlite_demo_url: URL, production_url: URL
) -> None:
    settings = regional_file(tmp_path, url_text(sqlite_demo_url), url_text(production_url))
    app = regional_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, ANA_IPHONE)
        rows = results(app)
        # The same Installation ID in two stores: two rows, each naming its store.
        assert sorted((r["store"], r["version"]) for r in rows)[1] == ("us", PROD_VERSION)
        assert sorted(r["store"] for r in rows) == ["eu", "us"]
        table = app.main.query_one("#results", DataTable)
        table.focus()
        us_row = next(i for i, r in enumerate(rows) if r["store"] == "us")
        table.move_cursor(row=us_row)
        await settle(pilot)
        device = app.main.device
        assert device is not None and device.installation.store == "us"
        assert PROD_VERSION in static_text(app, "#overview-fields")
        assert "⚠" not in status_text(app)
        # Its history is read from its own store.
        await pilot.press("4")
        await settle(pilot)
        assert app.main.query_one(DeviceDetails).history.events
        # An export is re-read from that store, and says which.
        await pilot.press("e")
        await settle(pilot)
        (exported,) = tmp_path.glob("inspector-*.json")
        document = json.loads(exported.read_text("utf-8"))
        assert document["profile"] == "regional"
        assert document["store"] == f"127.0.0.1:5432/{production_url.database}"
        assert document["installation"]["store"] == "us"
        assert document["installation"]["app_version"] == PROD_VERSION


async def test_a_store_that_does_not_answer_gives_partial_results_and_names_it(
    tmp_path: Path, sqlite_demo_url: URL
) -> None:
    from tests.push.conftest import closed_port_url

    port = closed_port_url().rsplit(":", 1)[1]
    down = f"postgresql+psycopg://postgres@127.0.0.1:{port}/installations"
    settings = regional_file(tmp_path, url_text(sqlite_demo_url), down)
    app = regional_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, CUSTOMER_ANA)
        rows = results(app)
        assert rows and {r["store"] for r in rows} == {"eu"}
        status = status_text(app)
        assert "installations of customer cust-42" in status
        assert "⚠ Partial results:" in status and "us" in status.split("⚠", 1)[1]
        partial = [n for n in notes(app) if n.startswith("Partial results:")]
        assert partial and all("us" in n for n in partial)
        # Nothing found where a store did not answer is not "no installation".
        await search(pilot, "cid:nobody-at-all")
        status = status_text(app)
        assert "Nothing found for" in status and "No installation has" not in status
        assert "⚠ Partial results:" in status
