"""The careers pages served the way `hirebot serve` serves them (uvicorn on a local port, the
server's own ASGI app and delivery loop), with Slack enabled against the fake Web API; and
one Chromium per test session, driven by Playwright.

Debian's chromium is used (/usr/bin/chromium; `.ci/run` installs it): Playwright's own
browser download is not available, and a system browser is what a CI machine has.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.runtime.server import Server, build_server
from tests.channels.slack.harness import slack_env
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers import wait_for

CHROMIUM = os.environ.get("HIREBOT_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SECRET = "test-secret-key-0123456789abcdef0123456789"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)


def docx() -> bytes:
    """A minimal Word document: a zip with [Content_Types].xml first and word/document.xml,
    the same bytes on every call (each entry's date is fixed, not the time of the call)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (
            ("[Content_Types].xml", "<Types/>"),
            ("_rels/.rels", "<Relationships/>"),
            ("word/document.xml", "<w:document/>"),
        ):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


@dataclass
class Site:
    """A running `hirebot serve` with the careers pages at `url`."""

    hirebot: Hirebot
    server: Server
    slack: FakeSlackAPI
    url: str


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests run last, in every worker. Playwright's sync API keeps its event
    loop marked as running on the main thread while the browser is open (a greenlet is
    parked inside it), so a later test that runs an event loop there (the Telegram adapter's)
    would fail with "Cannot run the event loop while another loop is running". xdist hands
    each worker its tests in collection order, so after a worker's first browser test only
    browser tests follow, and the one browser of the session still serves them all."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def site(database_url: str, shipped_config: HirebotConfig, clock: FrozenClock) -> Iterator[Site]:
    sock = _free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with FakeSlackAPI() as slack:
        env = slack_env(slack, HIREBOT_PUBLIC_URL=url, HIREBOT_SECRET_KEY=SECRET)
        hirebot = bootstrap(
            config=shipped_config,
            database_url=database_url,
            clock=clock,
            channels=("console",),
            env=env,
        )
        server = build_server(hirebot, scheduler=False)
        config = uvicorn.Config(server.asgi(), log_level="warning", lifespan="on")
        http = uvicorn.Server(config)
        thread = threading.Thread(target=http.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            wait_for(lambda: http.started or None, "the server to start")
            yield Site(hirebot, server, slack, url)
        finally:
            http.should_exit = True
            thread.join(timeout=60)
            sock.close()
            hirebot.close()


@pytest.fixture
def careers(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> Iterator[Hirebot]:
    """hirebot with the careers pages on (at http://testserver) and the console, not served."""
    env = {"HIREBOT_PUBLIC_URL": "http://testserver", "HIREBOT_SECRET_KEY": SECRET}
    hirebot = bootstrap(
        config=shipped_config,
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate(env),
    )
    yield hirebot
    hirebot.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One browser for the whole session; each test opens its own context (cookies apart)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run does)", pytrace=False
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser, site: Site) -> Iterator[Page]:
    context = chromium.new_context(base_url=site.url, viewport={"width": 420, "height": 900})
    context.set_default_timeout(30_000)
    browser_page = context.new_page()
    browser_page.on("dialog", lambda d: pytest.fail(f"a script ran: {d.message}"))
    yield browser_page
    context.close()


def screenshot(page: Page, name: str) -> None:
    """Saved under var/screenshots/ (docs/careers/ holds copies of them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    tmp = target.with_suffix(f".{os.getpid()}.png")
    page.screenshot(path=str(tmp), full_page=True)
    shutil.move(tmp, target)
