"""Paired runs: a bare app and hirebot measured in turn, pair after pair, on the same fakes.

On a shared machine a figure moves with whatever else runs, so every figure of the answer,
sustained-load, burst and start-up sections is a pair: the bare app, then hirebot, right
after each other, repeated (at least three pairs outside --quick). A figure is the median
over pairs, the ratio is the median of the pairs' own ratios, and each row carries the
range of the one-minute load average the pairs started under.

`Stage` is what those sections run against: the fake Slack and Telegram APIs (stamping their
answers, bench/capture.py), the bare apps' `answer` variants, and hirebot on each database
with both channels enabled, started through its CLI in the run's layout (bench/launch.py).
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException
from pathlib import Path

from bench import launch
from bench.common import PYTHON, WORK, Spread, free_port, process, wait_for_port
from bench.launch import FakeAPI, Hirebot

LOGS = WORK / "logs"


def one_minute_load() -> float:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return float(Path("/proc/loadavg").read_text().split()[0])
    return float("nan")


@dataclass
class Paired:
    """One figure over pairs: the bare app's values, hirebot's, and the load at each pair."""

    bare: list[float] = field(default_factory=list)
    hirebot: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)

    def add(self, bare: float, hirebot: float, load: float) -> None:
        self.bare.append(bare)
        self.hirebot.append(hirebot)
        self.loads.append(load)

    @property
    def ratio(self) -> float:
        """hirebot / bare, the median of the pairs' ratios."""
        ratios = [h / b for b, h in zip(self.bare, self.hirebot, strict=True) if b > 0]
        return statistics.median(ratios) if ratios else float("nan")

    def show(self, which: str, fmt: str = "{:,.1f}") -> str:
        return Spread(self.bare if which == "bare" else self.hirebot).show(fmt)

    @property
    def load(self) -> str:
        if not self.loads:
            return "load ?"
        low, high = min(self.loads), max(self.loads)
        span = f"{low:.1f}" if round(low, 1) == round(high, 1) else f"{low:.1f}–{high:.1f}"
        return f"load {span} ({len(self.loads)} pairs)"


def wait_healthy(
    port: int, timeout: float = 60.0, procs: Sequence[subprocess.Popen[bytes]] = ()
) -> float:
    """Seconds until `GET /healthz` answers 200 (polled every 10 ms)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError(f"a server exited before /healthz on {port} answered")
        conn = HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return time.monotonic() - started
        except (OSError, HTTPException):
            pass
        finally:
            conn.close()
        time.sleep(0.01)
    raise TimeoutError(f"/healthz on {port} not healthy after {timeout:.0f} s")


@dataclass(frozen=True)
class Stage:
    """The fakes and the bare `answer` apps, up for a whole section."""

    slack: FakeAPI
    telegram: FakeAPI
    bare_slack: int
    bare_telegram: int

    @property
    def response_base(self) -> str:
        return self.slack.url.removesuffix("api/")


def _bare(platform: str, port: int, api: str) -> list[str]:
    return [PYTHON, "-m", "bench.servers", f"bare-{platform}", "--variant", "answer",
            "--port", str(port), "--api", api]  # fmt: skip


@contextlib.contextmanager
def stage() -> Iterator[Stage]:
    LOGS.mkdir(parents=True, exist_ok=True)
    with launch.fake_platform("slack") as slack, launch.fake_platform("telegram") as telegram:
        ports = free_port(), free_port()
        with (
            process(
                _bare("slack", ports[0], slack.url), log=LOGS / "bare-slack-answer.log"
            ) as bare_slack,
            process(
                _bare("telegram", ports[1], telegram.url), log=LOGS / "bare-telegram-answer.log"
            ) as bare_telegram,
        ):
            wait_for_port(ports[0], proc=bare_slack)
            wait_for_port(ports[1], proc=bare_telegram)
            yield Stage(slack, telegram, *ports)


@contextlib.contextmanager
def hirebot_on(
    where: Stage,
    database_url: str,
    config_path: Path,
    layout: str,
    label: str,
    extra: dict[str, str] | None = None,
) -> Iterator[tuple[int, Hirebot]]:
    """hirebot with Slack and Telegram on `database_url`, healthy, until the block ends."""
    env = {
        **launch.base_env(database_url, config_path),
        **launch.slack_env(where.slack.url),
        **launch.telegram_env(where.telegram.url),
        **(extra or {}),
    }
    port = free_port()
    with launch.hirebot(env, port, LOGS / f"hirebot-{label}.log", layout) as bot:
        for each in bot.ports:
            wait_healthy(each, procs=bot.procs)
        yield port, bot
