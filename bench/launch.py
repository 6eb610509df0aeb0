"""Starting what a benchmark measures: the fake platform APIs, the bare apps, and hirebot
through its real CLI, as one process (`hirebot serve`) or as two (`hirebot serve --web` for
the routes and the acknowledgement, `hirebot worker` for the inbox, delivery and scheduler).

The layout is a choice of the run (`--hirebot one|split`). `auto` is `one`, the default
deployment (docs/deploy.md): on this two-core machine the split measured worse, since the worker
takes the core the web side needs and, on SQLite, both processes queue for one write lock
(docs/benchmarks.md, run 10); `--hirebot split` measures the two-process layout.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import PYTHON, ROOT, free_port, process, rss_mb
from bench.payloads import SLACK_SECRET, TELEGRAM_SECRET
from bench.servers import TELEGRAM_TOKEN, TOKEN

LAYOUTS = ("auto", "one", "split")


@dataclass(frozen=True)
class FakeAPI:
    """A fake platform API in its own process: its base URL and its control URL (capture.py)."""

    url: str
    control: str


@contextlib.contextmanager
def fake_platform(kind: str) -> Iterator[FakeAPI]:
    """`python -m bench.servers fake-<kind>` until the block ends."""
    proc = subprocess.Popen(
        [PYTHON, "-m", "bench.servers", f"fake-{kind}"], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("READY "):
            raise RuntimeError(f"fake {kind} API did not start: {line!r}")
        url, control = line.removeprefix("READY ").split()
        yield FakeAPI(url, control)
    finally:
        _stop(proc)


@contextlib.contextmanager
def fake_everything() -> Iterator[dict[str, str]]:
    """Every channel's fake in one process (`fake-all`): their URLs and credentials."""
    proc = subprocess.Popen(
        [PYTHON, "-m", "bench.servers", "fake-all"], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("READY "):
            raise RuntimeError(f"the fakes did not start: {line!r}")
        yield {str(k): str(v) for k, v in json.loads(line.removeprefix("READY ")).items()}
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def resolve_layout(layout: str) -> str:
    """`one` or `split`; `auto` is the default deployment, one process."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    return "one" if layout == "auto" else layout


def slack_env(api: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_URL": api,
    }


def telegram_env(api: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_API_URL": api,
        "TELEGRAM_WEBHOOK_URL": "https://hirebot.example.com/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
    }


def base_env(database_url: str, config_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "HIREBOT_CONFIG": str(config_path),
        "HIREBOT_LOG_LEVEL": "WARNING",
    }


class Hirebot:
    """The hirebot processes of one start: the web one first (it listens), then the worker;
    `ports` are where each answers /healthz (the worker has a port of its own for it)."""

    def __init__(
        self, procs: Sequence[subprocess.Popen[bytes]], layout: str, ports: Sequence[int]
    ) -> None:
        self.procs, self.layout, self.ports = list(procs), layout, list(ports)

    @property
    def web(self) -> subprocess.Popen[bytes]:
        return self.procs[0]

    def rss_mb(self) -> float:
        """Resident memory of every hirebot process of this start, added up."""
        return sum(rss_mb(p.pid) for p in self.procs)


@contextlib.contextmanager
def hirebot(env: dict[str, str], port: int, log: Path, layout: str) -> Iterator[Hirebot]:
    """hirebot on `port` in the resolved `layout` (`one` or `split`), stopped afterwards."""
    serve = [PYTHON, "-m", "bot", "serve", "--port", str(port)]
    if layout == "one":
        with process(serve, env=env, log=log) as proc:
            yield Hirebot([proc], layout, [port])
        return
    worker_log = log.with_name(log.stem + "-worker" + log.suffix)
    worker_port = free_port()
    with (
        process([*serve, "--web"], env=env, log=log) as web,
        process(
            [PYTHON, "-m", "bot", "worker", "--port", str(worker_port)], env=env, log=worker_log
        ) as worker,
    ):
        yield Hirebot([web, worker], layout, [port, worker_port])
