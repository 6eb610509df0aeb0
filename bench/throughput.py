"""Benchmarks 1, 2 and 4: Slack and Telegram requests through `hirebot serve` end to end,
against bare slack-bolt and python-telegram-bot apps on the same server stack, and the
server's resident memory idle and after the load.

Each server runs in its own process (`hirebot serve` through its real CLI; the bare apps from
bench/servers.py), the fake platform API in another, and the load generator in a third.
Throughput is closed-loop (16 connections, each sending as soon as it was answered);
latency is measured at a fixed 100 requests/s from each request's scheduled start.

hirebot acknowledges a request once it is recorded in its inbox and handles it right after, so
for hirebot each run also waits until the inbox is empty and reports what was *handled* per
second (requests / time from the run's start until the last one was handled) and, for the
fixed-rate runs, how long the backlog took to clear after the last request.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import create_engine, text

from bench import launch
from bench.common import (
    PYTHON,
    WORK,
    Collected,
    Mode,
    Result,
    Spread,
    free_port,
    load_average,
    process,
    wait_for_port,
)
from bench.payloads import SLACK_SECRET, TELEGRAM_SECRET, command_mix
from bench.servers import TELEGRAM_TOKEN, TOKEN
from storage.db import normalise_url

CONCURRENCY = 16
RATE = 100.0
MAX_RPS = 2_500  # requests prepared per second of a closed-loop run
P99_TARGET_MS = 100.0
RSS_TARGET_MB = 150.0
ADVANCE = {
    "applied": "screening",
    "screening": "technical_assessment",
    "technical_assessment": "interview",
    "interview": "final_interview",
}
SLACK_VARIANTS = ("inline", "threadpool", "async")
TELEGRAM_VARIANTS = ("await", "queue")


@dataclass
class Run:
    rps: Spread = field(default_factory=lambda: Spread([]))
    p50: Spread = field(default_factory=lambda: Spread([]))
    p99: Spread = field(default_factory=lambda: Spread([]))
    rate_p99: Spread = field(default_factory=lambda: Spread([]))
    rate_p50: Spread = field(default_factory=lambda: Spread([]))
    handled: Spread = field(default_factory=lambda: Spread([]))  # hirebot: handled per second
    rate_lag: Spread = field(default_factory=lambda: Spread([]))  # hirebot: backlog left, ms
    failures: int = 0


class Backlog:
    """hirebot's unhandled inbox events, read from its database."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(normalise_url(database_url))

    def wait_empty(self, timeout: float = 600.0) -> float:
        """Seconds until no event is pending or being handled."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            with self.engine.connect() as conn:
                left = conn.execute(
                    text(
                        "SELECT count(*) FROM inbound_events WHERE status IN ('pending', 'working')"
                    )
                ).scalar_one()
            if left == 0:
                return time.monotonic() - start
            time.sleep(0.02)
        raise RuntimeError(f"hirebot's inbox did not empty within {timeout:.0f} s")

    def failed(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM inbound_events WHERE status = 'failed'")
                ).scalar_one()
            )

    def close(self) -> None:
        self.engine.dispose()


class Source(Protocol):
    """Where a run's items come from: `peek` what may be sent, `consume` what was."""

    def peek(self, count: int) -> list[Any]: ...

    def consume(self, count: int) -> None: ...


class Cycle:
    """Items sent in turn, round and round (commands; clicks on a bare app)."""

    def __init__(self, items: Sequence[Any]) -> None:
        self.items, self.at = list(items), 0

    def peek(self, count: int) -> list[Any]:
        return [self.items[(self.at + i) % len(self.items)] for i in range(count)]

    def consume(self, count: int) -> None:
        self.at += count


class ClickPool:
    """Open senior-backend applicants and their stages: each click advances one, and the next
    click on it carries its new stage, as the updated card's button would."""

    def __init__(self, database_url: str) -> None:
        engine = create_engine(normalise_url(database_url))
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT a.id, a.stage FROM applicants a JOIN roles r ON r.id = a.role_id "
                    "WHERE r.key = 'senior-backend' AND a.stage IN "
                    "('applied', 'screening', 'technical_assessment', 'interview') "
                    "ORDER BY a.id DESC"
                )
            ).all()
        engine.dispose()
        self.stages: dict[int, str] = {int(i): str(s) for i, s in rows}
        self.order = list(self.stages)
        self.at = 0

    def _walk(self, count: int, stages: dict[int, str], at: int) -> tuple[list[Any], int]:
        out: list[Any] = []
        tried = 0
        while len(out) < count and tried < len(self.order) * 4 and self.order:
            applicant = self.order[at % len(self.order)]
            at += 1
            tried += 1
            stage = stages.get(applicant, "")
            if stage in ADVANCE:
                out.append([applicant, stage])
                stages[applicant] = ADVANCE[stage]
        return out, at

    def peek(self, count: int) -> list[Any]:
        return self._walk(count, dict(self.stages), self.at)[0]

    def consume(self, count: int) -> None:
        self.at = self._walk(count, self.stages, self.at)[1]


class Driver:
    """Runs the load generator in its own process and reads its one-line JSON answer."""

    def __init__(self, response_base: str = "") -> None:
        self.offset = int(time.time()) % 100_000 * 10_000
        self.response_base = response_base

    def run(self, port: int, scenario: str, items: Sequence[Any], **spec: Any) -> dict[str, Any]:
        self.offset += len(items) + 1
        body = {
            "port": port,
            "scenario": scenario,
            "items": list(items),
            "offset": self.offset,
            "response_base": self.response_base,
            **spec,
        }
        with tempfile.NamedTemporaryFile("w", suffix=".json", dir=WORK, delete=False) as handle:
            json.dump(body, handle)
            path = Path(handle.name)
        try:
            done = subprocess.run(
                [PYTHON, "-m", "bench.loadgen", str(path)],
                capture_output=True,
                text=True,
                timeout=float(spec.get("seconds", 10)) + 90,
                check=False,
            )
        finally:
            path.unlink(missing_ok=True)
        if done.returncode != 0:
            raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _measure(
    driver: Driver,
    mode: Mode,
    port: int,
    scenario: str,
    source: Source,
    *,
    rate_runs: bool = True,
    backlog: Backlog | None = None,
) -> Run:
    """Warm up, then `mode.reps` closed-loop runs and `mode.reps` fixed-rate runs; with a
    `backlog`, each run also waits for everything acknowledged to be handled."""
    run = Run()
    handled: list[float] = []
    lags: list[float] = []

    def once(count: int, **spec: Any) -> dict[str, Any]:
        answer = driver.run(port, scenario, source.peek(count), **spec)
        source.consume(answer["answered"] + sum(answer["errors"].values()))
        if backlog is not None:
            left = backlog.wait_empty()
            answer["handled_rps"] = (
                answer["ok"] / (answer["ok"] / answer["rps"] + left) if answer["rps"] else 0.0
            )
            answer["lag_ms"] = left * 1000
        return answer

    warm = once(400, mode="closed", concurrency=CONCURRENCY, seconds=3)
    # Prepare about three times what the warm-up rate needs (bounded), not a fixed maximum:
    # a click pool is finite.
    budget = int(min(MAX_RPS, max(50.0, warm["rps"] * 3)) * mode.seconds)
    rps, p50, p99 = [], [], []
    for _ in range(mode.reps):
        answer = once(budget, mode="closed", concurrency=CONCURRENCY, seconds=mode.seconds)
        run.failures += answer["answered"] - answer["ok"] + sum(answer["errors"].values())
        rps.append(answer["rps"])
        p50.append(answer["p50"])
        p99.append(answer["p99"])
        if backlog is not None:
            handled.append(answer["handled_rps"])
    run.rps, run.p50, run.p99 = Spread(rps), Spread(p50), Spread(p99)
    run.handled = Spread(handled)
    if rate_runs:
        r50, r99 = [], []
        count = int(RATE * mode.rate_seconds)
        for _ in range(mode.reps):
            answer = once(count, mode="rate", rate=RATE, seconds=mode.rate_seconds)
            run.failures += count - answer["ok"]
            r50.append(answer["p50"])
            r99.append(answer["p99"])
            if backlog is not None:
                lags.append(answer["lag_ms"])
        run.rate_p50, run.rate_p99 = Spread(r50), Spread(r99)
        run.rate_lag = Spread(lags)
    if backlog is not None:
        run.failures += backlog.failed()
    return run


@contextlib.contextmanager
def fake_api(kind: str) -> Iterator[str]:
    """A fake platform API in its own process; yields its base URL."""
    with launch.fake_platform(kind) as fake:
        yield fake.url


def _row(section: str, name: str, run: Run) -> str:
    return (
        f"{run.rps.show('{:,.0f}')} req/s, p50 {run.p50.show('{:.1f}')} ms, "
        f"p99 {run.p99.show('{:.1f}')} ms"
    )


def _hirebot_runs(
    driver: Driver,
    mode: Mode,
    url: str,
    env: dict[str, str],
    log: Path,
    scenarios: Sequence[tuple[str, Source, bool]],
    *,
    settle: float,
    memory: dict[str, float] | None = None,
    layout: str = "one",
) -> list[Run]:
    """hirebot on one database (one process or split, bench/launch.py): each (scenario,
    source, fixed-rate runs too) measured, every run waiting for the inbox to empty; with
    `memory`, RSS before and after (of every hirebot process)."""
    backlog = Backlog(url)
    port = free_port()
    try:
        with launch.hirebot(env, port, log, layout) as bot:
            for each, proc in zip(bot.ports, bot.procs, strict=True):
                wait_for_port(each, proc=proc)
            time.sleep(settle)
            if memory is not None:
                memory["idle"] = bot.rss_mb()
            runs = [
                _measure(driver, mode, port, scenario, source, rate_runs=rates, backlog=backlog)
                for scenario, source, rates in scenarios
            ]
            if memory is not None:
                memory["after"] = bot.rss_mb()
    finally:
        backlog.close()
    return runs


def _report_channel(
    c: Collected,
    section: str,
    scenario_label: str,
    db: str,
    run: Run,
    baseline: Run,
    baseline_name: str,
) -> None:
    ratio = run.rps.median / baseline.rps.median if baseline.rps.median else float("nan")
    c.add(
        Result(
            section,
            f"{scenario_label}, {db}: throughput",
            _row(section, scenario_label, run),
            target="≥ 0.5 × bare",
            ok=ratio >= 0.5 and run.failures == 0,
            baseline=f"bare {baseline_name}: {baseline.rps.show('{:,.0f}')} req/s "
            f"(ratio {ratio:.2f})",
            note=f"{run.failures} failed requests" if run.failures else "",
        )
    )
    if run.handled.values:
        c.add(
            Result(
                section,
                f"{scenario_label}, {db}: handled",
                f"{run.handled.show('{:,.0f}')} handled/s (acknowledged, then handled from the "
                "inbox; until the last was handled)",
                baseline=f"acknowledged: {run.rps.show('{:,.0f}')} req/s",
            )
        )
    if run.rate_p99.values:
        c.add(
            Result(
                section,
                f"{scenario_label}, {db}: p99 at {RATE:.0f} req/s",
                f"p50 {run.rate_p50.show('{:.1f}')} ms, p99 {run.rate_p99.show('{:.1f}')} ms",
                target=f"p99 < {P99_TARGET_MS:.0f} ms",
                ok=run.rate_p99.median < P99_TARGET_MS,
                baseline=f"bare {baseline_name}: p99 {baseline.rate_p99.show('{:.1f}')} ms"
                if baseline.rate_p99.values
                else "",
                note=f"backlog cleared {run.rate_lag.show('{:,.0f}')} ms after the last request"
                if run.rate_lag.values
                else "",
            )
        )


def _best(runs: dict[str, Run]) -> tuple[str, Run]:
    name = max(runs, key=lambda n: runs[n].rps.median)
    return name, runs[name]


def slack(
    c: Collected,
    mode: Mode,
    databases: dict[str, str],
    config_path: Path,
    open_ids: Sequence[int],
    memory: dict[str, dict[str, float]],
    layout: str = "one",
) -> None:
    section = "1 slack"
    driver = Driver()
    logs = WORK / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"slack: load average {load_average()}", flush=True)
    with fake_api("slack") as api:
        driver.response_base = api.removesuffix("api/")
        command_items = Cycle(command_mix(open_ids, 4_000))
        bare_clicks = Cycle([[i, "applied"] for i in open_ids])
        bare: dict[str, dict[str, Run]] = {"command": {}, "click": {}}
        for variant in SLACK_VARIANTS:
            port = free_port()
            args = [PYTHON, "-m", "bench.servers", "bare-slack", "--variant", variant]
            with process(
                [*args, "--port", str(port), "--api", api], log=logs / f"bare-slack-{variant}.log"
            ) as proc:
                wait_for_port(port, proc=proc)
                rates = variant == SLACK_VARIANTS[0]  # p99 at 100 req/s: one bare variant is enough
                bare["command"][variant] = _measure(
                    driver, mode, port, "slack-command", command_items, rate_runs=rates
                )
                bare["click"][variant] = _measure(
                    driver, mode, port, "slack-click", bare_clicks, rate_runs=rates
                )
            for scenario in ("command", "click"):
                run = bare[scenario][variant]
                c.add(
                    Result(
                        section,
                        f"bare bolt ({variant}) {scenario}",
                        _row(section, scenario, run)
                        + f"; p99 at {RATE:.0f} req/s {run.rate_p99.show('{:.1f}')} ms",
                    )
                )
        for db, url in databases.items():
            pool = ClickPool(url)
            env = {
                "DATABASE_URL": url,
                "HIREBOT_CONFIG": str(config_path),
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SLACK_SECRET,
                "SLACK_API_URL": api,
                "HIREBOT_LOG_LEVEL": "WARNING",
            }
            cmd, click = _hirebot_runs(
                driver,
                mode,
                url,
                env,
                logs / f"hirebot-slack-{db}.log",
                [("slack-command", command_items, True), ("slack-click", pool, True)],
                settle=2,
                memory=memory.setdefault(db, {}),
                layout=layout,
            )
            for label, run, key in (
                ("/hire commands", cmd, "command"),
                ("button clicks", click, "click"),
            ):
                name, best = _best(bare[key])
                _report_channel(c, section, label, db, run, best, name)


def telegram(
    c: Collected,
    mode: Mode,
    databases: dict[str, str],
    config_path: Path,
    open_ids: Sequence[int],
    layout: str = "one",
) -> None:
    section = "2 telegram"
    driver = Driver()
    logs = WORK / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"telegram: load average {load_average()}", flush=True)
    with fake_api("telegram") as api:
        command_items = Cycle(["/" + t for t in command_mix(open_ids, 4_000)])
        bare_taps = Cycle([[i, "applied"] for i in open_ids])

        bare: dict[str, dict[str, Run]] = {"command": {}, "tap": {}}
        for variant in TELEGRAM_VARIANTS:
            port = free_port()
            args = [PYTHON, "-m", "bench.servers", "bare-telegram", "--variant", variant]
            with process(
                [*args, "--port", str(port), "--api", api],
                log=logs / f"bare-telegram-{variant}.log",
            ) as proc:
                wait_for_port(port, proc=proc)
                bare["command"][variant] = _measure(
                    driver, mode, port, "telegram-command", command_items, rate_runs=False
                )
                bare["tap"][variant] = _measure(
                    driver, mode, port, "telegram-tap", bare_taps, rate_runs=False
                )
            for scenario in ("command", "tap"):
                run = bare[scenario][variant]
                c.add(
                    Result(
                        section, f"bare PTB ({variant}) {scenario}", _row(section, scenario, run)
                    )
                )
        for db, url in databases.items():
            pool = ClickPool(url)
            env = {
                "DATABASE_URL": url,
                "HIREBOT_CONFIG": str(config_path),
                "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
                "TELEGRAM_API_URL": api,
                "TELEGRAM_WEBHOOK_URL": "https://hirebot.example.com/telegram/webhook",
                "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
                "HIREBOT_LOG_LEVEL": "WARNING",
            }
            cmd, tap = _hirebot_runs(
                driver,
                mode,
                url,
                env,
                logs / f"hirebot-telegram-{db}.log",
                [("telegram-command", command_items, False), ("telegram-tap", pool, False)],
                settle=1,
                layout=layout,
            )
            for label, run, key in (("commands", cmd, "command"), ("button taps", tap, "tap")):
                name, best = _best(bare[key])
                _report_channel(c, section, label, db, run, best, name)
