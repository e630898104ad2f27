"""A store opener the test releases: for tests of opening slowly, failing and retrying."""

from __future__ import annotations

import threading
from collections.abc import Callable

from inspector.store.repository import StoreRepository


class Gate:
    """A function that opens the store once the test lets it: entered, then released;
    counts the attempts and keeps what it opened."""

    def __init__(self, open_store: Callable[[], StoreRepository]) -> None:
        self.open_store = open_store
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        self.opened: list[StoreRepository] = []

    def __call__(self) -> StoreRepository:
        self.calls += 1
        self.entered.set()
        assert self.release.wait(30), "the test never released the store"
        store = self.open_store()
        self.opened.append(store)
        return store
