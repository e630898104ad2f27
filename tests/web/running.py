"""`inspector serve` in a process of its own (for the command-line and browser tests, and
bench/bench_web.py), and a headless Chromium from Debian's packages to look at it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def add_user(name: str, password: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "inspector", "users", "add", name],
        input=(password + "\n").encode(),
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


class ServeProcess:
    """`inspector serve --port P [args]`, waited for until it listens; its stderr in a file."""

    def __init__(self, log: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "inspector", "serve", "--port", str(self.port), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited: {log.read_text()}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        self.stop()
        raise AssertionError("serve never listened")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def chromium_missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return f"{path} is not installed (apt-get install chromium chromium-driver)"
    return None


def start_chromium(profile_dir: Path, *, width: int = 1400, height: int = 900) -> WebDriver:
    """Headless Chromium with a fresh profile and nothing of its own on the network."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--disable-3d-apis",
        f"--user-data-dir={profile_dir}",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    profile_dir.mkdir(parents=True, exist_ok=True)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


SCREEN_SCRIPT = """
var t = window.inspectorTerminal;
if (!t) { return ''; }
var b = t.buffer.active, rows = [];
for (var y = 0; y < t.rows; y++) {
  var line = b.getLine(b.viewportY + y);
  rows.push(line ? line.translateToString(true) : '');
}
return rows.join('\\n');
"""


class Page:
    """One browser on the server: log in, type, and read the terminal's text."""

    def __init__(self, driver: WebDriver, origin: str) -> None:
        self.driver = driver
        self.origin = origin

    def login(self, name: str, password: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.get(f"{self.origin}/")
        self.driver.find_element(By.ID, "name").send_keys(name)
        self.driver.find_element(By.ID, "password").send_keys(password)
        self.driver.find_element(By.ID, "login").click()

    def screen(self) -> str:
        """The terminal's rows as the page holds them (the terminal the page exposes;
        xterm.js's screen-reader tree lags its paint by a refresh or two)."""
        text = self.driver.execute_script(SCREEN_SCRIPT)
        return str(text or "").replace("\xa0", " ")

    def wait_for(self, *needles: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if all(n in text for n in needles):
                return text
            time.sleep(0.05)
        raise AssertionError(f"{needles!r} never showed; the screen:\n{text}")

    def focus_terminal(self) -> None:
        self.driver.execute_script("document.querySelector('.xterm-helper-textarea').focus();")

    def type(self, *keys: Any) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        self.focus_terminal()
        ActionChains(self.driver).send_keys(*keys).perform()

    def element_text(self, element_id: str) -> str:
        from selenium.webdriver.common.by import By

        return str(self.driver.find_element(By.ID, element_id).text)
