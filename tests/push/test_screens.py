"""Pilot tests of the compose and confirm screens, in a tiny host app that runs the flow
the inspector runs: compose, prepare, confirm, send, verdict."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static, TextArea

from inspector.config import Settings
from inspector.fixtures.demo import ANA_PIXEL, UNICODE_DEVICE
from inspector.journal import Journal
from inspector.push import PushRefused, PushService
from inspector.tui.screens.push_compose import PushComposeScreen
from inspector.tui.screens.push_confirm import PushConfirmScreen, PushVerdict
from tests.push.fakes.fcm_server import FakeFcm

SIZE = (110, 50)


class Host(App[None]):
    def __init__(self, service: PushService, installation_id: str) -> None:
        super().__init__()
        self.service = service
        self.iid = installation_id
        self.outcome: str | None = None

    def compose(self) -> ComposeResult:
        yield PushVerdict(id="verdict")

    def on_mount(self) -> None:
        self.run_worker(self.flow(), exclusive=True)

    async def flow(self) -> None:
        installation = await asyncio.to_thread(self.service.store.get, self.iid)
        compose = await self.push_screen_wait(PushComposeScreen(self.service, installation))
        if compose is None:
            self.outcome = "cancelled"
            return
        try:
            prepared = await asyncio.to_thread(self.service.prepare, self.iid, compose)
        except PushRefused as exc:
            self.outcome = f"refused: {exc}"
            return
        if not await self.push_screen_wait(PushConfirmScreen(prepared)):
            self.outcome = "cancelled at confirm"
            return
        result = await asyncio.to_thread(self.service.send, prepared)
        self.query_one(PushVerdict).show_result(result)
        self.outcome = "sent"


async def until(pilot: Pilot, condition: Callable[[], bool]) -> None:
    """Let the app work until the condition holds (threads finish in real time)."""
    for _ in range(500):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the condition never held")


def composing(app: App[None]) -> bool:
    """The compose screen is up and built."""
    return isinstance(app.screen, PushComposeScreen) and bool(app.screen.query("#review"))


async def fill(pilot: Pilot, title: str = "Hello", body: str = "From the screen") -> None:
    screen = pilot.app.screen
    screen.query_one("#title", Input).value = title
    screen.query_one("#body", TextArea).text = body
    await pilot.pause()


async def to_compose(pilot: Pilot, **fields: str) -> None:
    """Wait for the compose screen, then fill it (see `fill` for the fields)."""
    await until(pilot, lambda: composing(pilot.app))
    await fill(pilot, **fields)


async def to_confirm(pilot: Pilot) -> PushConfirmScreen:
    await to_compose(pilot)
    await pilot.click("#review")
    await until(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, PushConfirmScreen)
            and pilot.app.focused is not None
            and pilot.app.focused.id == "cancel"
        ),
    )
    return pilot.app.screen  # type: ignore[return-value]


async def until_outcome(pilot: Pilot) -> None:
    """Wait for the host's flow to end (it sets `outcome`)."""
    app: Host = pilot.app  # type: ignore[assignment]
    await until(pilot, lambda: app.outcome is not None)


def size_text(screen: PushComposeScreen) -> str:
    return str(screen.query_one("#size", Static).render())


async def test_compose_shows_the_payload_size_live(service: PushService) -> None:
    app = Host(service, UNICODE_DEVICE)
    async with app.run_test(size=SIZE) as pilot:
        await to_compose(pilot, body="")
        screen = app.screen
        before = size_text(screen)
        await pilot.press("end", *"abc")  # typed into the focused title
        await pilot.pause()
        after = size_text(screen)
        assert before.startswith("Payload ") and "/ 4096 bytes" in before
        assert int(after.split()[1]) == int(before.split()[1]) + 3
        assert screen.query_one("#title", Input).value == "Helloabc"


async def test_invalid_json_data_disables_review(service: PushService) -> None:
    app = Host(service, UNICODE_DEVICE)
    async with app.run_test(size=SIZE) as pilot:
        await to_compose(pilot)
        app.screen.query_one("#data", Input).value = '{"screen": 1'
        await pilot.pause()
        assert "data is not valid JSON" in str(app.screen.query_one("#problem", Static).render())
        assert app.screen.query_one("#review", Button).disabled
        app.screen.query_one("#data", Input).value = '{"screen": "cart"}'
        await pilot.pause()
        assert not app.screen.query_one("#review", Button).disabled


async def test_payload_too_large_disables_review(service: PushService, fcm: FakeFcm) -> None:
    app = Host(service, UNICODE_DEVICE)
    async with app.run_test(size=SIZE) as pilot:
        await to_compose(pilot, body="x" * 2000)
        app.screen.query_one("#data", Input).value = '{"blob": "' + "y" * 2100 + '"}'
        await pilot.pause()
        size = app.screen.query_one("#size", Static)
        assert size.has_class("-over") and "bytes too many" in str(size.render())
        assert app.screen.query_one("#review", Button).disabled
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, PushComposeScreen)
    assert fcm.requests == []


async def test_cancel_on_compose_sends_nothing(service: PushService, fcm: FakeFcm) -> None:
    app = Host(service, UNICODE_DEVICE)
    async with app.run_test(size=SIZE) as pilot:
        await to_compose(pilot)
        await pilot.press("escape")
        await until_outcome(pilot)
    assert app.outcome == "cancelled"
    assert fcm.requests == []


async def test_confirm_shows_the_device_and_cancel_has_the_focus(
    service: PushService, fcm: FakeFcm
) -> None:
    app = Host(service, UNICODE_DEVICE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_confirm(pilot)
        assert app.focused is not None and app.focused.id == "cancel"
        device = str(screen.query_one("#device", Static).render())
        installation = service.store.get(UNICODE_DEVICE)
        assert "José.Núñez-北京" in device and "Xiaomi 14 Ultra" in device
        assert screen.prepared.masked_token in device
        assert installation.push_token not in device
        assert "STAGING" in str(screen.query_one("#environment", Static).render())
        payload = str(screen.query_one("#payload-text", Static).render())
        assert '"title": "[TEST] Hello"' in payload
        assert f"{screen.prepared.payload_bytes} of 4096 bytes" in str(
            screen.query_one("#payload-size").render()
        )
        await pilot.press("enter")  # Enter on the focused Cancel
        await until_outcome(pilot)
    assert app.outcome == "cancelled at confirm"
    assert fcm.requests == []


async def test_compose_and_confirm_say_device_facts_as_inspector_show_does(
    service: PushService,
) -> None:
    """Platform, device and APNs environment read the same as on the command line
    (inspector.facts): 'Android', not 'android'; '— (not APNs)' for an FCM token."""
    from inspector import facts

    installation = service.store.get(ANA_PIXEL)
    app = Host(service, ANA_PIXEL)
    async with app.run_test(size=SIZE) as pilot:
        await to_compose(pilot)
        title = str(app.screen.query_one(".dialog-title", Static).render())
        assert f"ONE device: {facts.device_label(installation)} · " in title
        screen = await to_confirm(pilot)
        device = str(screen.query_one("#device", Static).render())
        platform = facts.platform_name(installation.platform)
        assert f"Device        {platform} · {facts.device_label(installation)} · " in device
        assert f"APNs env      {facts.apns_environment(installation)}" in device
        assert platform == "Android" and "— (not APNs)" in device
        await pilot.press("enter")
        await until_outcome(pilot)


async def test_confirm_sends_exactly_one_request_and_shows_the_verdict(
    service: PushService, fcm: FakeFcm
) -> None:
    app = Host(service, UNICODE_DEVICE)
    async with app.run_test(size=SIZE) as pilot:
        await to_confirm(pilot)
        await pilot.click("#send")
        await until_outcome(pilot)
        verdict = str(app.query_one(PushVerdict).render())
    assert app.outcome == "sent"
    assert len(fcm.requests) == 1
    assert "Accepted by FCM" in verdict


async def test_verdict_explains_a_dead_token(service: PushService, fcm: FakeFcm) -> None:
    fcm.token_modes[service.store.get(ANA_PIXEL).push_token] = "UNREGISTERED"
    app = Host(service, ANA_PIXEL)
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_confirm(pilot)
        assert any("unregistered" in str(w.render()) for w in screen.query(".warning"))
        await pilot.click("#send")
        await until_outcome(pilot)
        verdict = str(app.query_one(PushVerdict).render())
    assert "Rejected by FCM: UNREGISTERED (HTTP 404)" in verdict
    assert "The token is dead" in verdict


async def test_production_confirmation_needs_the_last_four_characters(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    fcm: FakeFcm,
) -> None:
    service = make_service(make_settings(environment="production"))
    app = Host(service, UNICODE_DEVICE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_confirm(pilot)
        send = screen.query_one("#send", Button)
        assert screen.has_class("-production") and send.disabled
        assert app.focused is not None and app.focused.id == "cancel"
        await pilot.click("#send")
        await pilot.pause()
        assert isinstance(app.screen, PushConfirmScreen) and fcm.requests == []
        typed = screen.query_one("#typed", Input)
        typed.focus()
        await pilot.pause()
        # A pasted C1 CSI is its visible escape, never raw (the box holds 4 characters).
        app.post_message(events.Paste("\x9b"))
        await pilot.pause()
        assert typed.value == "\\x9b"
        assert send.disabled
        typed.value = ""
        await pilot.press(*"0000")
        assert send.disabled
        typed.value = ""
        await pilot.press(*UNICODE_DEVICE[-4:])
        assert not send.disabled
        await pilot.click("#send")
        await until_outcome(pilot)
    assert app.outcome == "sent"
    assert len(fcm.requests) == 1


async def test_policy_off_refuses_after_compose(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    fcm: FakeFcm,
) -> None:
    service = make_service(make_settings(push_policy="off"))
    app = Host(service, UNICODE_DEVICE)
    async with app.run_test(size=SIZE) as pilot:
        await to_compose(pilot)
        await pilot.click("#review")
        await until_outcome(pilot)
    assert app.outcome == "refused: sending is off here (INSPECTOR_PUSH_POLICY=off)"
    assert fcm.requests == []


async def test_policy_test_devices_refuses_then_allows(
    service_with_journal: Callable[..., tuple[PushService, Journal]],
    fcm: FakeFcm,
) -> None:
    service, journal = service_with_journal(push_policy="test-devices")
    app = Host(service, UNICODE_DEVICE)
    async with app.run_test(size=SIZE) as pilot:
        await to_compose(pilot)
        await pilot.click("#review")
        await until_outcome(pilot)
    assert app.outcome is not None and "is not a test device" in app.outcome

    journal.add_test_device(UNICODE_DEVICE, "Li's phone", "ana")
    app = Host(service, UNICODE_DEVICE)
    async with app.run_test(size=SIZE) as pilot:
        await to_confirm(pilot)
        await pilot.click("#send")
        await until_outcome(pilot)
    assert app.outcome == "sent"
    assert len(fcm.requests) == 1


async def test_environment_and_buttons_stay_visible_on_a_small_terminal(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    fcm: FakeFcm,
) -> None:
    service = make_service(make_settings(environment="production"))
    app = Host(service, UNICODE_DEVICE)
    async with app.run_test(size=(80, 24)) as pilot:
        visible = Region(0, 0, 80, 24)
        await until(pilot, lambda: composing(app))
        await until(pilot, lambda: bool(app.screen.query_one("#review").region))
        assert visible.contains_region(app.screen.query_one("#review").region)
        screen = await to_confirm(pilot)
        for selector in ("#environment", "#typed", "#cancel", "#send"):
            region = screen.query_one(selector).region
            assert region and visible.contains_region(region), selector


async def test_the_marking_names_the_title_prefix(service: PushService) -> None:
    app = Host(service, UNICODE_DEVICE)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: composing(app))
        label = str(app.screen.query_one("#mark-label", Static).render())
        assert 'Mark as test: "[TEST]" title prefix' in label


async def test_data_typed_as_markup_or_deep_json_is_a_one_line_problem(
    service: PushService, fcm: FakeFcm
) -> None:
    """`{"[/]": 1}` and 1,500 `[` in the data field: the compose screen says why in one
    line of text (never markup, never a RecursionError) and Review stays disabled."""
    app = Host(service, UNICODE_DEVICE)
    async with app.run_test(size=SIZE) as pilot:
        await to_compose(pilot)
        data = app.screen.query_one("#data", Input)
        for text, said in (('{"[/]": 1}', "'[/]' is not"), ("[" * 1_500, "deeper than 64")):
            data.value = text
            await pilot.pause()
            problem = str(app.screen.query_one("#problem", Static).render())
            assert said in problem and "\n" not in problem.strip()
            assert app.screen.query_one("#review", Button).disabled
        assert app.is_running and app._exception is None
        await pilot.press("escape")
        await until_outcome(pilot)
    assert fcm.requests == []


async def test_confirm_shows_markup_in_the_payload_as_text(service: PushService) -> None:
    app = Host(service, UNICODE_DEVICE)
    async with app.run_test(size=SIZE) as pilot:
        await to_compose(pilot, title="[bold red]x[/]", body="[link=file:///etc/passwd]c[/link]")
        app.screen.query_one("#data", Input).value = '{"k": "\\u009b31m\\u202e"}'
        await pilot.pause()
        await pilot.click("#review")
        await until(pilot, lambda: isinstance(app.screen, PushConfirmScreen))
        payload = str(app.screen.query_one("#payload-text", Static).render())
        assert "[TEST] [bold red]x[/]" in payload and "[link=file:///etc/passwd]c[/link]" in payload
        assert "\\x9b31m\\u202e" in payload and "\x9b" not in payload and "\u202e" not in payload
        await pilot.press("escape")
        await until_outcome(pilot)
    assert app.outcome == "cancelled at confirm"
