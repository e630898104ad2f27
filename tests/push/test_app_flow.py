"""The whole test-push flow inside the inspector app: device page → compose → confirm →
one provider request → the verdict in place on the Push tab, and the journal's record."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input

from inspector.config import Settings
from inspector.fixtures.demo import ANA_IPHONE, ANA_PIXEL, UNICODE_DEVICE
from inspector.journal import Journal
from inspector.push import PushService
from inspector.services import Services
from inspector.store.repository import StoreRepository
from inspector.tui.app import InspectorApp
from inspector.tui.present import kind_label
from inspector.tui.screens.push_compose import PushComposeScreen
from inspector.tui.screens.push_confirm import PushConfirmScreen
from inspector.tui.widgets.history import HistoryView
from tests.conftest import DEMO_NOW
from tests.push.fakes.apns_server import FakeApns
from tests.push.fakes.fcm_server import FakeFcm
from tests.push.test_screens import fill, to_confirm, until
from tests.tui.conftest import search, settle, static_text

SIZE = (130, 50)


@pytest.fixture
def make_app(
    store: StoreRepository, journal: Journal, make_service: Callable[..., PushService]
) -> Callable[[Settings], InspectorApp]:
    """The inspector on these settings, the test's journal and a sender of its own."""

    def make(settings: Settings) -> InspectorApp:
        services = Services(settings, store=store, journal=journal, push=make_service(settings))
        return InspectorApp(settings, services, clock=lambda: DEMO_NOW)

    return make


async def open_push(pilot: Pilot, installation_id: str) -> None:
    """Find the device and ask for a test push from its page."""
    await search(pilot, installation_id)
    await pilot.press("p")


async def send_from_confirm(pilot: Pilot) -> None:
    """Compose, confirm and send; wait for the verdict."""
    app: InspectorApp = pilot.app  # type: ignore[assignment]
    await to_confirm(pilot)
    await pilot.click("#send")
    await until(pilot, lambda: app.main.verdict is not None)


def notes(app: InspectorApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_confirmed_push_makes_one_request_and_shows_the_verdict(
    settings: Settings,
    make_app: Callable[[Settings], InspectorApp],
    store: StoreRepository,
    journal: Journal,
    fcm: FakeFcm,
) -> None:
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await open_push(pilot, UNICODE_DEVICE)
        await send_from_confirm(pilot)
        await settle(pilot)
        shown = static_text(app, "#push-warnings")
        assert "Test push: ✔ Accepted by FCM" in shown
    assert len(fcm.requests) == 1
    message = fcm.requests[0].body["message"]
    assert message["token"] == store.get(UNICODE_DEVICE).push_token  # type: ignore[union-attr]
    assert "topic" not in message and "condition" not in message
    actions = [e.action for e in journal.entries(installation_id=UNICODE_DEVICE)]
    assert actions[:2] == ["push.outcome", "push.intent"]


async def test_apns_push_goes_to_the_device_environment(
    settings: Settings,
    make_app: Callable[[Settings], InspectorApp],
    apns: dict[str, FakeApns],
) -> None:
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await open_push(pilot, ANA_IPHONE)
        await send_from_confirm(pilot)
        assert "Test push: ✔ Accepted by APNs" in app.main.verdict  # type: ignore[operator]
    assert len(apns["production"].requests) == 1
    assert apns["sandbox"].requests == []


async def test_cancel_at_confirmation_sends_nothing(
    settings: Settings,
    make_app: Callable[[Settings], InspectorApp],
    journal: Journal,
    fcm: FakeFcm,
) -> None:
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await open_push(pilot, UNICODE_DEVICE)
        await to_confirm(pilot)
        await pilot.press("enter")  # Cancel has the focus
        await until(pilot, lambda: "Cancelled: nothing was sent." in notes(app))
        assert app.main.verdict is None
    assert fcm.requests == []
    actions = {e.action for e in journal.entries(installation_id=UNICODE_DEVICE)}
    assert not actions & {"push.intent", "push.outcome"}


async def test_production_needs_the_last_four_characters(
    make_settings: Callable[..., Settings],
    make_app: Callable[[Settings], InspectorApp],
    fcm: FakeFcm,
) -> None:
    settings = make_settings(environment="production", push_policy="any")
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await open_push(pilot, UNICODE_DEVICE)
        screen = await to_confirm(pilot)
        assert screen.query_one("#send", Button).disabled
        screen.query_one("#typed", Input).value = UNICODE_DEVICE[-4:]
        await pilot.pause()
        assert not screen.query_one("#send", Button).disabled
        await pilot.click("#send")
        await until(pilot, lambda: app.main.verdict is not None)
    assert len(fcm.requests) == 1


@pytest.mark.parametrize(
    ("policy", "installation_id", "reason"),
    [("test-devices", ANA_PIXEL, "test device"), ("off", UNICODE_DEVICE, "off")],
)
async def test_policy_refuses_before_compose(
    make_settings: Callable[..., Settings],
    make_app: Callable[[Settings], InspectorApp],
    fcm: FakeFcm,
    policy: str,
    installation_id: str,
    reason: str,
) -> None:
    app = make_app(make_settings(push_policy=policy))
    async with app.run_test(size=SIZE) as pilot:
        await open_push(pilot, installation_id)
        await until(pilot, lambda: any(n.startswith("No test push:") for n in notes(app)))
        assert not isinstance(app.screen, PushComposeScreen | PushConfirmScreen)
        refusal = next(n for n in notes(app) if n.startswith("No test push:"))
        assert reason in refusal
    assert fcm.requests == []


async def test_compose_cancel_returns_to_the_device(
    settings: Settings,
    make_app: Callable[[Settings], InspectorApp],
    fcm: FakeFcm,
) -> None:
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await open_push(pilot, UNICODE_DEVICE)
        await until(pilot, lambda: isinstance(app.screen, PushComposeScreen))
        await fill(pilot)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, PushComposeScreen))
        assert app.main.device is not None
    assert fcm.requests == []


async def test_the_timeline_shows_the_test_push_beside_the_store_events(
    settings: Settings,
    make_app: Callable[[Settings], InspectorApp],
    fcm: FakeFcm,
) -> None:
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await open_push(pilot, UNICODE_DEVICE)
        await send_from_confirm(pilot)
        await settle(pilot)
        history = app.query_one(HistoryView)
        await until(pilot, lambda: history._placed == 2)
        kinds = [kind_label(e.kind) for e in history.events.values()]
        # Newest first: the verdict, then the intent, then the store's own events.
        assert kinds[:2] == ["⚑ test push verdict", "⚑ test push asked"]
        assert len(kinds) > 2
        verdict = next(iter(history.events.values()))
        assert verdict.detail["by"] == settings.operator


async def test_the_ui_answers_while_a_send_hangs_and_nothing_is_retried(
    make_settings: Callable[..., Settings],
    make_app: Callable[[Settings], InspectorApp],
    fcm: FakeFcm,
) -> None:
    fcm.mode = "timeout"  # the provider takes the request and never answers
    app = make_app(make_settings(push_read_timeout="2"))
    async with app.run_test(size=SIZE) as pilot:
        await open_push(pilot, UNICODE_DEVICE)
        await to_confirm(pilot)
        await pilot.click("#send")
        await until(pilot, fcm.arrived.is_set)
        # In flight: keys still work.
        assert app.main.verdict is None
        await pilot.press("4")
        assert app.query_one("#tabs").active == "history"  # type: ignore[attr-defined]
        await until(pilot, lambda: app.main.verdict is not None)
        assert "Outcome unknown" in (app.main.verdict or "")
    # An ambiguous timeout is reported, never retried: one request.
    assert len(fcm.requests) == 1
