"""Benchmarks 7 and 8: sustained load and the 300 requests/s burst, Slack, pair after pair
against the bare Bolt app that answers (bench/servers.py `answer`).

7, sustained: `/hire add` or `/hire list` at a fixed rate above what hirebot handles, for a
few seconds. *Handled* per second counts the answers that reached the fake's response_url
inside that window; the *backlog* is what was sent and not yet answered when it closed, and
the drain how long the last answer took after that. Measured at the fake for both apps, so
"handled" means the same thing for each.

8, burst: 300 requests/s for 5 s (the issue's figure), commands (the usual mix) and clicks
(each advancing another applicant). What Slack sees: acknowledgements later than its 3 s
limit (a timeout or a refused connection counts as late too) and the p99 of the
acknowledgement time, from each request's scheduled start.

After each hirebot run the bench waits for its inbox to empty, so a run starts on a quiet
server; the bare app's answers are waited for too.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from bench.answers import texts
from bench.capture import fetch
from bench.common import Collected, Mode, Result
from bench.paired import Paired, Stage, hirebot_on, one_minute_load, stage
from bench.payloads import command_mix
from bench.throughput import Backlog, ClickPool, Cycle, Driver, Source

BURST_LATE_S = 3.0  # Slack's limit for an acknowledgement
BURST_P99_MS = 250.0  # issue #19's target


def _answers(where: Stage, first: float, keys: set[str], want: int, timeout: float) -> list[float]:
    """Arrival times of the answers to `keys`, waiting until `want` arrived (or `timeout`
    passed without a new one)."""
    quiet_since, seen = time.monotonic(), -1
    while True:
        got = [t for t, key in fetch(f"{where.slack.control}/arrivals?after={first!r}")["arrivals"]
               if key in keys]  # fmt: skip
        if len(got) >= want:
            return sorted(got)
        if len(got) != seen:
            quiet_since, seen = time.monotonic(), len(got)
        elif time.monotonic() - quiet_since > timeout:
            return sorted(got)
        time.sleep(0.1)


def _keys(driver: Driver, kind: str, count: int) -> set[str]:
    return {f"{kind}-{driver.offset + n}" for n in range(count)}


def sustained_once(
    driver: Driver, where: Stage, port: int, command: str, mode: Mode, backlog: Backlog | None
) -> dict[str, float]:
    count = int(mode.sustained_rate * mode.sustained_seconds)
    answer = driver.run(
        port,
        "slack-command",
        texts(command, count, slash=False),
        mode="rate",
        rate=mode.sustained_rate,
        seconds=mode.sustained_seconds,
    )
    keys = _keys(driver, "cmd", count)
    if backlog is not None:
        backlog.wait_empty()
    arrived = _answers(where, answer["t_first"], keys, answer["ok"], timeout=10.0)
    closes = answer["t_first"] + mode.sustained_seconds
    inside = sum(t <= closes for t in arrived)
    return {
        "handled": inside / mode.sustained_seconds,
        "backlog": count - inside,
        "drain": max(0.0, (arrived[-1] if arrived else closes) - closes),
        "lost": count - len(arrived),
    }


def burst_once(
    driver: Driver,
    where: Stage,
    port: int,
    scenario: str,
    source: Source,
    mode: Mode,
    backlog: Backlog | None,
) -> dict[str, Any]:
    count = int(mode.burst_rate * mode.burst_seconds)
    items = source.peek(count)
    answer = driver.run(
        port, scenario, items, mode="rate", rate=mode.burst_rate, seconds=mode.burst_seconds
    )
    source.consume(len(items))
    kind = "cmd" if scenario == "slack-command" else "act"
    keys = _keys(driver, kind, len(items))
    if backlog is not None:
        backlog.wait_empty()
    _answers(where, answer["t_first"], keys, answer["ok"], timeout=5.0)  # let the bare app finish
    answer["sent"] = len(items)
    return answer


def run(
    c: Collected,
    mode: Mode,
    databases: dict[str, str],
    config_path: Path,
    open_ids: list[int],
    layout: str,
    which: set[str],
) -> None:
    with stage() as where:
        driver = Driver(where.response_base)
        for db, url in databases.items():
            print(f"sustained/burst ({db}, hirebot {layout}): load average {one_minute_load()}")
            backlog = Backlog(url)
            try:
                with hirebot_on(where, url, config_path, layout, f"bursts-{db}") as (port, _):
                    if "sustained" in which:
                        _sustained(c, driver, where, port, mode, db, backlog)
                    if "burst" in which:
                        _burst(c, driver, where, port, mode, db, url, open_ids, backlog)
            finally:
                backlog.close()


def _sustained(
    c: Collected, driver: Driver, where: Stage, port: int, mode: Mode, db: str, backlog: Backlog
) -> None:
    for command in ("add", "list"):
        handled, left, drain = Paired(), Paired(), Paired()
        lost = 0
        for _pair in range(mode.pairs):
            load = one_minute_load()
            bare = sustained_once(driver, where, where.bare_slack, command, mode, None)
            bot = sustained_once(driver, where, port, command, mode, backlog)
            handled.add(bare["handled"], bot["handled"], load)
            left.add(bare["backlog"], bot["backlog"], load)
            drain.add(bare["drain"], bot["drain"], load)
            lost += int(bare["lost"] + bot["lost"])
        c.add(
            Result(
                "7 sustained",
                f"Slack `/hire {command}` at {mode.sustained_rate:.0f}/s for "
                f"{mode.sustained_seconds:.0f} s, {db}: handled",
                f"{handled.show('hirebot', '{:,.0f}')} answered/s; backlog "
                f"{left.show('hirebot', '{:,.0f}')}, drained {drain.show('hirebot', '{:.1f}')} s "
                "after",
                baseline=f"bare: {handled.show('bare', '{:,.0f}')} answered/s, backlog "
                f"{left.show('bare', '{:,.0f}')} (ratio {handled.ratio:.2f})",
                note=handled.load + (f"; {lost} answers never arrived" if lost else ""),
            )
        )


def _burst(
    c: Collected,
    driver: Driver,
    where: Stage,
    port: int,
    mode: Mode,
    db: str,
    url: str,
    open_ids: list[int],
    backlog: Backlog,
) -> None:
    sources: dict[str, tuple[Source, Source]] = {
        "slack-command": (Cycle(command_mix(open_ids, 4_000)), Cycle(command_mix(open_ids, 4_000))),
        "slack-click": (Cycle([[i, "applied"] for i in open_ids]), ClickPool(url)),
    }
    for scenario, (bare_items, bot_items) in sources.items():
        late, p99 = Paired(), Paired()
        for _pair in range(mode.pairs):
            load = one_minute_load()
            bare = burst_once(driver, where, where.bare_slack, scenario, bare_items, mode, None)
            bot = burst_once(driver, where, port, scenario, bot_items, mode, backlog)
            late.add(bare["over_3s"], bot["over_3s"], load)
            p99.add(bare["p99"], bot["p99"], load)
        sent = int(mode.burst_rate * mode.burst_seconds)
        worst = max(late.hirebot) if late.hirebot else 0
        label = "commands" if scenario == "slack-command" else "clicks"
        c.add(
            Result(
                "8 burst",
                f"Slack {label}, {mode.burst_rate:.0f}/s for {mode.burst_seconds:.0f} s, {db}",
                f"acks over {BURST_LATE_S:.0f} s: {late.show('hirebot', '{:,.0f}')} of {sent:,}; "
                f"ack p99 {p99.show('hirebot', '{:,.0f}')} ms",
                target=f"0 over 3 s, p99 < {BURST_P99_MS:.0f} ms",
                ok=worst == 0 and statistics.median(p99.hirebot or [float("nan")]) < BURST_P99_MS,
                baseline=f"bare: {late.show('bare', '{:,.0f}')} over 3 s, ack p99 "
                f"{p99.show('bare', '{:,.0f}')} ms (p99 ×{p99.ratio:.1f})",
                note=p99.load,
            )
        )
