"""Regional stores for tests: a second store (`us`) beside the demo store (`eu`), a store
that never answers, and a profile file naming them.

The `us` store is the demo's rows moved to new Installation IDs, Advertising IDs, push
tokens and Customer IDs (`us-…`), except:
- Ana (cust-42) has one phone there too (US_ANA_PHONE), so her Customer ID is in both;
- the web installation (demo.WEB) is in both under the same Installation ID: ambiguous.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from inspector.fixtures import demo
from inspector.fixtures.writer import bulk_insert
from inspector.store.engine import open_writable_engine
from inspector.store.schema import create_schema

_NS = uuid.UUID("5f0e9a3c-1d2b-4c8e-9f7a-6b5d4c3b2a19")


def moved(value: str) -> str:
    """The `us` store's UUID for a demo UUID."""
    return str(uuid.uuid5(_NS, value.lower()))


US_ANA_PHONE = moved(demo.ANA_IPHONE)
US_OPTED_OUT = moved(demo.OPTED_OUT)
US_CUSTOMER_OPTED_OUT = f"us-{demo.CUSTOMER_OPTED_OUT}"
SHARED = demo.WEB  # in both stores: ambiguous


def _token(token: str | None) -> str | None:
    if token is None:
        return None
    if ":" in token:  # FCM: another head keeps its shape
        head, tail = token.split(":", 1)
        return f"us{head[2:]}:{tail}"
    return hashlib.sha256(f"us:{token}".encode()).hexdigest()


def us_rows(now: datetime) -> dict[str, list[dict[str, Any]]]:
    rows = demo.demo_rows(now)
    ids: dict[str, str] = {}
    installations = []
    for row in rows["installations"]:
        iid = row["installation_id"]
        new = dict(row)
        if iid != SHARED:
            new["installation_id"] = ids[iid] = moved(iid)
            cid = row["custom_user_id"]
            new["custom_user_id"] = (
                cid if iid == demo.ANA_IPHONE else (f"us-{cid}" if cid else None)
            )
            adid = row["advertising_id"]
            if adid and adid != demo.ZERO_ADID:
                new["advertising_id"] = moved(adid)
            new["push_token"] = _token(row["push_token"])
        installations.append(new)
    events = [
        dict(e, installation_id=ids.get(e["installation_id"], e["installation_id"]))
        for e in rows["installation_events"]
    ]
    return {"apps": rows["apps"], "installations": installations, "installation_events": events}


def build_us_store(url: URL, now: datetime) -> None:
    engine = open_writable_engine(url)
    try:
        create_schema(engine)
        rows = us_rows(now)
        with engine.begin() as conn:
            for table in ("apps", "installations", "installation_events"):
                bulk_insert(conn, table, rows[table])
    finally:
        engine.dispose()


@contextmanager
def black_hole() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections and never answers: a server that
    hangs. Yields the port; every connection is closed on exit."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:  # the timeout, or the listener closed
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for conn in held:
            conn.close()


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on: a stopped server (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_profile(
    directory: Path,
    stores: dict[str, URL | str],
    *,
    timeout_s: float = 1.0,
    name: str = "regional",
    extra: str = "",
) -> Path:
    """An inspector.toml with one staging profile over `stores` (name -> URL), its
    journal in `directory`. Returns its path."""
    lines = [
        f'default = "{name}"',
        "",
        f"[profiles.{name}]",
        'environment = "staging"',
        f'journal = "sqlite:///{directory / "journal.db"}"',
        'push_policy = "any"',
        f"statement_timeout = {timeout_s}",
        extra,
        "",
        f"[profiles.{name}.stores]",
    ]
    for store, url in stores.items():
        text = url.render_as_string(hide_password=False) if isinstance(url, URL) else url
        lines.append(f'{store} = "{text}"')
    path = directory / "inspector.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
