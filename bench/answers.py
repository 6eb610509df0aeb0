"""Benchmark 6: the time until the answer arrives, end to end, at concurrency 1.

A `/hire add` or `/hire list` goes in through the real entry point (a signed Slack request,
a Telegram webhook update), and the clock stops when the answer reaches the fake platform
API: the POST to the command's response_url, the `sendMessage` to the chat it came from. The
next request goes only once the answer arrived, so this is the latency a person waiting for
the answer sees, with nothing queued ahead. The bare baseline is the frameworks' own way to
answer after the ack (bench/servers.py `answer` variants), measured in turn with hirebot on
the same fakes, pair after pair (bench/paired.py).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import Collected, Mode, Result, percentile
from bench.paired import Paired, hirebot_on, one_minute_load, stage
from bench.throughput import Backlog, Driver

SCENARIOS = (("Slack", "add"), ("Slack", "list"), ("Telegram", "add"), ("Telegram", "list"))
# Delivery paces each Telegram chat to about one message a second, as Telegram asks. Commands
# sent back to back from one chat would measure that bucket (~1 s each), not the answer a
# person typing at human speed waits for; outbound pacing has its own section.
UNPACED = {"TELEGRAM_PER_CHAT_PER_SECOND": "1000"}
TARGET = 3.0  # p50 within 3 × the bare app's (issue #19)
_serial = itertools.count(int(time.time()) % 100_000 * 1_000)


def texts(command: str, count: int, slash: bool) -> list[str]:
    """`count` commands: adds of new applicants (a fresh name and address each), or the first
    page of one role's stage."""
    out = []
    for _ in range(count):
        if command == "add":
            n = next(_serial)
            out.append(f"add senior-backend Answer Bench{n} email=answer{n}@bench.example.com")
        else:
            out.append("list senior-backend screening")
    return ["/" + t for t in out] if slash else out


def once(
    driver: Driver, port: int, channel: str, command: str, control: str, mode: Mode
) -> dict[str, Any]:
    scenario = "slack-command" if channel == "Slack" else "telegram-command"
    items = texts(command, mode.answer_requests, slash=channel == "Telegram")
    return driver.run(
        port, scenario, items, mode="answer", control=control, seconds=mode.answer_seconds
    )


def run(
    c: Collected, mode: Mode, databases: dict[str, str], config_path: Path, layout: str
) -> None:
    section = "6 answers"
    with stage() as where:
        driver = Driver(where.response_base)
        for db, url in databases.items():
            print(f"answers ({db}, hirebot {layout}): load average {one_minute_load()}", flush=True)
            backlog = Backlog(url)
            p50 = {s: Paired() for s in SCENARIOS}
            p99 = {s: Paired() for s in SCENARIOS}
            missing = dict.fromkeys(SCENARIOS, 0)
            try:
                with hirebot_on(where, url, config_path, layout, f"answers-{db}", UNPACED) as (
                    port,
                    _,
                ):
                    for _pair in range(mode.pairs):
                        for s in SCENARIOS:
                            channel, command = s
                            slack = channel == "Slack"
                            control = (where.slack if slack else where.telegram).control
                            bare_port = where.bare_slack if slack else where.bare_telegram
                            load = one_minute_load()
                            bare = once(driver, bare_port, channel, command, control, mode)
                            bot = once(driver, port, channel, command, control, mode)
                            backlog.wait_empty()
                            missing[s] += bare["unanswered"] + bot["unanswered"]
                            p50[s].add(_q(bare, 50), _q(bot, 50), load)
                            p99[s].add(_q(bare, 99), _q(bot, 99), load)
            finally:
                backlog.close()
            for s in SCENARIOS:
                _report(c, section, s, db, p50[s], p99[s], missing[s], mode)


def _q(answer: dict[str, Any], q: float) -> float:
    values: Sequence[float] = answer["answers"]
    return percentile(values, q)


def _report(
    c: Collected,
    section: str,
    scenario: tuple[str, str],
    db: str,
    p50: Paired,
    p99: Paired,
    missing: int,
    mode: Mode,
) -> None:
    channel, command = scenario
    ratio = p50.ratio
    c.add(
        Result(
            section,
            f"time to the answer, {channel} `{command}`, concurrency 1, {db}",
            f"p50 {p50.show('hirebot')} ms, p99 {p99.show('hirebot')} ms",
            target=f"p50 ≤ {TARGET:.0f} × bare",
            ok=ratio <= TARGET and missing == 0,
            baseline=f"bare: p50 {p50.show('bare')} ms, p99 {p99.show('bare')} ms "
            f"(p50 ×{ratio:.1f}, p99 ×{p99.ratio:.1f})",
            note=f"{p50.load}; {mode.answer_requests} requests a run"
            + (f"; {missing} answers never arrived" if missing else ""),
        )
    )
