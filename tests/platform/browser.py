"""Helpers for the browser tests: the real app under uvicorn on a free port, and the
system Chromium driven by Playwright (its own browser download is not used)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "anwang123"
DESKTOP = ViewportSize(width=1440, height=900)
PHONE = ViewportSize(width=375, height=812)
WALL = ViewportSize(width=1920, height=1080)  # a command-centre wall screen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(base: str, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the web server exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the web server did not answer on {base} within {seconds} s")


@contextmanager
def live_server(database_url: str) -> Iterator[str]:
    """The real application under uvicorn against `database_url`; yields its base URL.

    A separate process, so the server has its own event loop and connection pool and
    the test process's cached engines stay untouched."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="anwang-web-") as data_dir:
        env = {
            **os.environ,
            "ANWANG_DATABASE_URL": database_url,
            "ANWANG_DATA_DIR": data_dir,
            "ANWANG_SECRET_KEY": "browser-tests-only-secret-key",
        }
        env.pop("ANWANG_APP_DATABASE_URL", None)
        log = Path(data_dir) / "server.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "anwang.platform.web.asgi:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            base = f"http://127.0.0.1:{port}"
            try:
                try:
                    _wait_healthy(base, server)
                except RuntimeError as e:
                    raise RuntimeError(f"{e}\n{log.read_text(errors='replace')}") from e
                yield base
            finally:
                server.terminate()
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
    )


def login(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait for the page it leads to."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def has_horizontal_scroll(page: Page) -> bool:
    width = page.viewport_size["width"] if page.viewport_size else 0
    return bool(page.evaluate("document.documentElement.scrollWidth") > width)
