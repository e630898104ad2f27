"""The demo's simulated provider: the whole flow with nothing configured, labelled as such."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import URL

from inspector.config import load_settings
from inspector.fixtures.demo import ANA_IPHONE, ANA_PIXEL, REINSTALL_OLD, UNICODE_DEVICE
from inspector.journal import Journal
from inspector.push import Compose, PushService
from inspector.store.repository import StoreRepository

HELLO = Compose(title="Hello", body="from the demo")


@pytest.fixture
def demo_service(
    sqlite_demo_url: URL, store: StoreRepository, tmp_path
) -> Iterator[Callable[[], PushService]]:
    # Nothing configured: the demo store, its default policy (any) and no provider keys.
    settings = load_settings(
        {
            "INSPECTOR_JOURNAL_URL": f"sqlite:///{tmp_path / 'j.db'}",
            "INSPECTOR_OPERATOR": "demo-user",
        }
    )
    assert settings.is_demo
    journal = Journal.open(settings)
    service = PushService.from_settings(settings, store, journal)
    yield service
    service.close()
    journal.close()


def test_demo_sends_are_simulated_and_say_so(demo_service: PushService) -> None:
    assert demo_service.is_simulated(demo_service.store.get(ANA_IPHONE))
    prepared = demo_service.prepare(ANA_IPHONE, HELLO)
    assert prepared.provider == "simulated" and prepared.simulated
    assert "SIMULATED" in "\n".join(prepared.summary_lines())
    result = demo_service.send(prepared)
    assert result.ok and result.simulated and result.provider == "simulated"
    assert result.explanation.startswith("Simulated (demo, nothing was sent)")
    entries = demo_service.journal.entries(installation_id=ANA_IPHONE)
    assert [e.action for e in entries] == ["push.outcome", "push.intent"]
    assert entries[1].details["provider"] == "simulated"


def test_demo_stories_give_their_verdicts(demo_service: PushService) -> None:
    dead = demo_service.send(demo_service.prepare(ANA_PIXEL, HELLO))
    assert (dead.reason, dead.status) == ("UNREGISTERED", 404)
    invalid = demo_service.send(demo_service.prepare(REINSTALL_OLD, HELLO))
    assert invalid.reason == "BadDeviceToken"
    assert "other environment" in invalid.explanation


def test_demo_token_check(demo_service: PushService) -> None:
    assert demo_service.check_token(UNICODE_DEVICE).ok
    assert demo_service.check_token(ANA_IPHONE).reason == "NO_DRY_RUN"
