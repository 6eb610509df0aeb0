"""`hirebot serve` (or `serve --web` and `worker`) as real processes with Telegram enabled,
against the fake Bot API running in the test: for what only a process can show (signals, a
kill -9, a restart)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml

from bot.channels.telegram.runtime import SECRET_HEADER, WEBHOOK_PATH
from tests.channels.telegram.conftest import SECRET, WEBHOOK_URL, telegram_config_dict
from tests.fakes.telegram_api import FakeTelegramAPI, message_update
from tests.helpers import wait_for

ROOT = Path(__file__).resolve().parents[2]
STARTED_WITHIN = 90.0  # seconds: generous, for a loaded machine
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """One `hirebot serve` (or `worker`) process; its stderr goes to a file (a pipe could fill
    and block it). Update ids are the caller's: two processes in one test share the fake's
    numbering."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"hirebot exited with {self.proc.returncode}:\n" + self.stderr())
        try:
            health = httpx.get(f"{self.url}/healthz", timeout=5).json()
        except (httpx.HTTPError, ValueError):
            return False
        return bool(health["checks"]["channels"]["telegram"]["ready"])

    def health(self) -> dict[str, Any]:
        answer: dict[str, Any] = httpx.get(f"{self.url}/healthz", timeout=10).json()
        return answer

    def post(self, update: dict[str, Any]) -> None:
        """An update through the webhook, as Telegram sends it; it must be accepted."""
        response = httpx.post(
            f"{self.url}{WEBHOOK_PATH}", json=update, headers={SECRET_HEADER: SECRET}, timeout=30
        )
        assert response.status_code == 200, response.text

    def say(self, text: str, *, user: int, update_id: int) -> None:
        self.post(message_update(update_id, from_id=user, chat_id=user, text=text))

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 60.0) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)


def write_config(path: Path) -> Path:
    """The shipped config with Telegram ids for sana, omar and hina (as the Telegram tests)."""
    path.write_text(yaml.safe_dump(telegram_config_dict(), sort_keys=False), encoding="utf-8")
    return path


@contextmanager
def hirebot_serve(
    database_url: str,
    config: Path,
    fake: FakeTelegramAPI,
    log: Path,
    *,
    webhook: bool = True,
    command: tuple[str, ...] = ("serve",),
    wait: bool = True,
) -> Iterator[Served]:
    """Start `hirebot <command>` (serve, `serve --web`, worker) and wait until Telegram is
    ready (unless `wait` is False); killed at the end if still up."""
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "HIREBOT_"))
    }
    environ.update(
        DATABASE_URL=database_url,
        HIREBOT_CONFIG=str(config),
        HIREBOT_LOG_LEVEL="INFO",
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_URL=fake.base_url,
        PTB_TIMEDELTA="true",
        # These tests are about processes (start, stop, kill, restart), and their answers go
        # to one or two chats: at Telegram's one message a second into a chat, forty answers
        # took forty seconds of waiting. Pacing is tested against the limit-enforcing fake
        # (tests/channels/test_pacing.py); here the fake enforces none.
        TELEGRAM_PER_CHAT_PER_SECOND="1000",
    )
    if webhook:
        environ.update(TELEGRAM_WEBHOOK_URL=WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET=SECRET)
    port = free_port()
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *command, "--port", str(port)],
            cwd=ROOT,
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    served = Served(proc, port, log)
    try:
        if wait:
            wait_for(served.ready, f"hirebot {' '.join(command)} to start", STARTED_WITHIN)
        yield served
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
