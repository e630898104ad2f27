"""Open the configured installation store, the way the command line and the UI both do.

No rich, no textual: the caller says the demo store was built (stderr, a status line)
through `on_built`. SQLAlchemy is imported on the call only, so importing this module
(the UI does, before its first frame) costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from inspector.store.errors import StoreError

if TYPE_CHECKING:
    from inspector.config import Settings
    from inspector.store.repository import StoreRepository


def open_configured_store(
    cfg: Settings, on_built: Callable[[str], None] | None = None
) -> StoreRepository:
    """The configured store, or the demo store (built on first use, then `on_built` is
    told where), checked against schema.sql. StoreError (ConfigError for a driver that is
    not installed), never a traceback, when it cannot be opened.

    A regional profile (several stores) gets a RegionalStore: every store opened with
    its own engine and statement timeout; one that cannot be checked now is kept and
    named in `open_warnings` (lookups try it again), none answering is an error."""
    from inspector.dburl import require_driver

    if cfg.is_demo:
        _ensure_demo_store(on_built)
    # A driver that is not installed is one line naming the package (ConfigError), before
    # SQLAlchemy's ImportError could surface.
    for spec in cfg.stores:
        require_driver(spec.url, spec.setting)
    if cfg.regional:
        from inspector.store.regional import RegionalStore

        return RegionalStore.open_all(
            [(spec.name, spec.url) for spec in cfg.stores],
            statement_timeout_s=cfg.statement_timeout_s,
        )
    from inspector.store.repository import StoreRepository

    return StoreRepository.open_checked(cfg.store_url, statement_timeout_s=cfg.statement_timeout_s)


def _ensure_demo_store(on_built: Callable[[str], None] | None) -> None:
    from inspector.config import demo_store_path
    from inspector.fixtures.demo import ensure_demo_store

    path = demo_store_path()
    try:
        built = ensure_demo_store(path)
    except Exception as exc:  # whatever failed (disk full, no permission): say so
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise StoreError(
            f"the demo store could not be built at {path}"
            f" ({type(exc).__name__}{': ' + reason if reason else ''})"
        ) from None
    if built and on_built is not None:
        on_built(str(path))
