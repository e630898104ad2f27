"""Figures for `inspector serve` in headless Chromium (Debian's chromium and chromedriver).
A script, not a test:

    .venv/bin/python bench/bench_web.py [--logins 7] [--keys 20] [--sessions 10]

Everything lives in a temporary directory: the demo store (built by the server as on a
first `inspector serve`), the journal, the accounts. Prints:
- login submitted -> the search box ready in the browser (the terminal's rows show the
  search box and the banner), p50/p90 over --logins logins (a logout between two);
- a keystroke in the search box -> the character shown in the browser, p50/p90 over
  --keys keys, timed in the page: from the browser's keydown to xterm.js's render of
  the rows once a row holds it (through the server, the app process and back);
- resident memory (RSS, and PSS which shares libraries fairly) of one session's app
  process after a lookup, and of the server with --sessions sessions open;
- SIGTERM -> the server gone with those sessions open.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEARCH_READY = "Customer ID, Installation ID, Advertising ID or push token"
PASSWORD = "bench passphrase, long enough"

ECHO_SCRIPT = """
window.__echo = [];
window.__expect = null;
var t = window.inspectorTerminal;
document.addEventListener('keydown', function () { window.__t0 = performance.now(); }, true);
t.onRender(function () {
  if (!window.__expect) { return; }
  var b = t.buffer.active;
  for (var y = 0; y < t.rows; y++) {
    var line = b.getLine(b.viewportY + y);
    if (line && line.translateToString(true).indexOf(window.__expect) >= 0) {
      window.__echo.push(performance.now() - window.__t0);
      window.__expect = null;
      return;
    }
  }
});
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def kib(pid: int, field: str) -> int:
    """VmRSS from status, or Pss from smaps_rollup, in KiB."""
    source = "smaps_rollup" if field == "Pss" else "status"
    for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(x) for x in text.split()]


def mib(value_kib: float) -> str:
    return f"{value_kib / 1024:.0f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--logins", type=int, default=7)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=10)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    os.environ["XDG_DATA_HOME"] = str(work / "data")
    os.environ["XDG_CONFIG_HOME"] = str(work / "config")
    for name in [n for n in os.environ if n.startswith("INSPECTOR_")]:
        del os.environ[name]
    os.chdir(work)

    from tests.web.running import (
        Page,
        ServeProcess,
        add_user,
        chromium_missing,
        start_chromium,
    )

    missing = chromium_missing()
    if missing:
        print(f"bench_web: {missing}", file=sys.stderr)
        return 2
    add_user("bench", PASSWORD)
    limit = str(max(args.sessions, 3))
    serve = ServeProcess(
        work / "serve.err", "--max-sessions", limit, "--max-sessions-per-user", limit
    )
    try:
        print(f"bench_web: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; work in {work}")
        driver = start_chromium(work / "chromium")
        try:
            page = Page(driver, serve.origin)
            from selenium.webdriver.common.by import By

            # -- login -> search box ready ---------------------------------------------------
            ready: list[float] = []
            for i in range(args.logins + 1):
                driver.get(f"{serve.origin}/login")
                driver.find_element(By.ID, "name").send_keys("bench")
                driver.find_element(By.ID, "password").send_keys(PASSWORD)
                began = time.perf_counter()
                driver.find_element(By.ID, "login").click()
                page.wait_for(SEARCH_READY, "operator bench", timeout=60)
                took = time.perf_counter() - began
                if i > 0:  # the first warms the disk cache and Chromium
                    ready.append(took)
                if i < args.logins:
                    driver.find_element(By.ID, "logout").click()
                    time.sleep(0.5)
            print(
                f"login submitted -> search box ready: p50 {pct(ready, 0.5) * 1000:.0f} ms,"
                f" p90 {pct(ready, 0.9) * 1000:.0f} ms over {len(ready)} logins"
                " (target: p50 under 2 s)"
            )

            # -- keystroke echo -----------------------------------------------------------------
            time.sleep(1.0)  # the store and journal open after the first frame
            driver.execute_script(ECHO_SCRIPT)
            typed = ""
            word = "keystrokeechobenchmarkxyz" * 4
            for ch in word[: args.keys]:
                typed += ch
                driver.execute_script("window.__expect = arguments[0];", typed)
                page.type(ch)
                deadline = time.monotonic() + 5
                while (
                    driver.execute_script("return window.__expect") and time.monotonic() < deadline
                ):
                    time.sleep(0.01)
                time.sleep(0.25)  # a person's pace; lets xterm's row refresh run at once
            echoes = [float(x) for x in driver.execute_script("return window.__echo")]
            print(
                f"keystroke -> echoed in the browser: p50 {pct(echoes, 0.5):.0f} ms,"
                f" p90 {pct(echoes, 0.9):.0f} ms over {len(echoes)} keys (target: p50 under 100 ms)"
            )

            # -- memory: one session after a lookup (the store and its driver in use) -------------
            from selenium.webdriver.common.keys import Keys

            for key in [Keys.BACKSPACE] * len(typed) + list("cust-42") + [Keys.ENTER]:
                page.type(key)
                time.sleep(0.05)
            page.wait_for("iPhone 16 Pro", timeout=30)
            time.sleep(0.5)
            (one,) = children(serve.process.pid)
            print(
                f"one session's app process after a lookup: RSS {mib(kib(one, 'VmRSS'))},"
                f" PSS {mib(kib(one, 'Pss'))}"
            )
        finally:
            driver.quit()

        asyncio.run(many_sessions(serve, args.sessions))
    finally:
        serve.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


async def many_sessions(serve: object, count: int) -> None:
    import aiohttp

    from tests.web.conftest import read_until
    from tests.web.running import ServeProcess

    assert isinstance(serve, ServeProcess)
    time.sleep(2.0)  # the browser's session ends
    server_alone = kib(serve.process.pid, "VmRSS")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await client.post(
            f"{serve.origin}/login",
            data={"name": "bench", "password": PASSWORD},
            headers={"Origin": serve.origin},
        )
        sockets = []
        for _ in range(count):
            ws = await client.ws_connect(
                f"{serve.origin}/ws?width=160&height=45", headers={"Origin": serve.origin}
            )
            await read_until(ws, "operator bench", timeout=120)
            sockets.append(ws)
        await asyncio.sleep(2.0)
        pids = children(serve.process.pid)
        rss = [kib(p, "VmRSS") for p in pids]
        pss = [kib(p, "Pss") for p in pids]
        server = kib(serve.process.pid, "VmRSS")
        print(
            f"server with {len(pids)} sessions: server process RSS {mib(server)}"
            f" ({mib(server_alone)} with none); app processes RSS {mib(sum(rss))} in all"
            f" (median {mib(statistics.median(rss))} each), PSS {mib(sum(pss))} in all;"
            f" total RSS {mib(server + sum(rss))}"
        )
        began = time.perf_counter()
        serve.process.send_signal(signal.SIGTERM)
        serve.process.wait(timeout=60)
        took = time.perf_counter() - began
        alive = [p for p in pids if Path(f"/proc/{p}").exists()]
        print(
            f"SIGTERM with {len(pids)} sessions open -> server gone in {took:.2f} s,"
            f" {len(alive)} app processes left"
        )
        for ws in sockets:
            await ws.close()


if __name__ == "__main__":
    sys.exit(main())
