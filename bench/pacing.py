"""Delivery pacing against limit-enforcing fakes: a burst of queued messages to one Slack
channel, and to many Telegram chats, delivered by `hirebot serve` (its own process) to a fake
API in a process of its own that refuses what the platform would (429 with Retry-After /
`retry_after`) and keeps the time of every accepted send.

    python -m bench --only pacing [--databases sqlite,postgres]
    python -m bench.pacing fake-slack|fake-telegram --report PATH --limits JSON

Reported per run: the send rate, the busiest second, the 429s the fake answered, and the
share of the allowed rate used (by the fake's timestamps), paced (the default) and with
`HIREBOT_DELIVERY_PACING=off` (how delivery behaved before it paced itself: it relied on the
429s). The limits:

- Slack: one channel at **20 messages a second** after a burst of 3 (SLACK_PER_CHANNEL_PER_SECOND
  and the fake alike), not Slack's real one a second: 300 messages at the real rate take five
  minutes and would say the same thing twenty times slower.
- Telegram: the **real limits**, 30 a second in all and one a second per chat: 300 messages
  to 300 chats take ten seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.common import (
    PYTHON,
    ROOT,
    WORK,
    Collected,
    Mode,
    Result,
    database,
    free_port,
    load_average,
    process,
    wait_for_port,
)
from bench.servers import TELEGRAM_TOKEN, TOKEN
from bot.bootstrap import bootstrap
from bot.messages.reply import Reply
from bot.services import outbox
from bot.services.context import Actor, Context
from storage import migrate
from storage.db import create_db_engine, normalise_url
from tests.fakes.rate_limits import Limit, busiest_second, rate_used
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.telegram_api import FakeTelegramAPI

MESSAGES = 300
SLACK_ROOM = "C0BENCHRM"
SLACK_LIMIT = (20.0, 3)  # per channel: rate, burst
TELEGRAM_LIMIT = (30.0, 3, 1.0)  # in all (rate, burst), per chat
TARGET = 0.9  # of the allowed rate used, with no 429


def run_fake(kind: str, report: Path, limits: dict[str, Any]) -> None:
    """Serve a limit-enforcing fake until SIGTERM; then write what it accepted to `report`."""
    fake: Any
    if kind == "slack":
        fake = FakeSlackAPI().start()
        record = fake.enforce_limits(per_channel=Limit(*limits["per_channel"]))
    else:
        fake = FakeTelegramAPI().start()
        record = fake.enforce_limits(
            overall=Limit(*limits["overall"]), per_chat=Limit(limits["per_chat"])
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"READY {fake.base_url}", flush=True)
    stop.wait()
    report.write_text(
        json.dumps(
            {"accepted": [[a.key, a.at] for a in record.accepted], "refused": record.refused}
        )
    )
    fake.stop()


@contextlib.contextmanager
def limited_fake(kind: str, limits: dict[str, Any], report: Path) -> Iterator[str]:
    report.unlink(missing_ok=True)
    args = [PYTHON, "-m", "bench.pacing", f"fake-{kind}", "--report", str(report)]
    proc = subprocess.Popen(
        [*args, "--limits", json.dumps(limits)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("READY "):
            raise RuntimeError(f"fake {kind} API did not start: {line!r}")
        yield line.removeprefix("READY ")
    finally:
        proc.terminate()
        proc.wait(30)


@dataclass
class Outcome:
    sent: int
    seconds: float  # first accepted send to the last
    busiest: int
    refused: int
    used: float  # share of the allowed rate

    @property
    def rate(self) -> float:
        return (self.sent - 1) / self.seconds if self.seconds > 0 else float("inf")


def outcome(report: Path, allowed: float, burst: float) -> Outcome:
    data = json.loads(report.read_text())
    times = sorted(at for _key, at in data["accepted"])
    return Outcome(
        sent=len(times),
        seconds=times[-1] - times[0] if times else 0.0,
        busiest=busiest_second(times),
        refused=int(data["refused"]),
        used=rate_used(times, allowed, burst),
    )


def queue(url: str, channel: str, destinations: list[str], shared: bool) -> None:
    """The messages, queued as the core queues them (one outbox row each), in a database
    migrated first (PostgreSQL too)."""
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = bootstrap(config_path=ROOT / "config.yaml", database_url=url)
    try:
        with app.uow() as uow:
            ctx = Context(
                uow, app.catalog, app.clock, Actor("system", "bench"), "bench", app.channels
            )
            for n, to in enumerate(destinations):
                outbox.enqueue(
                    ctx,
                    outbox.Destination(channel, to, shared=shared),
                    Reply(text=f"message {n}", private=not shared),
                )
            uow.commit()
    finally:
        app.close()


def wait_finished(url: str, timeout: float) -> int:
    """Until no message is waiting or being sent; returns how many died (out of attempts)."""
    engine = create_engine(normalise_url(url))
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                left, dead = conn.execute(
                    text(
                        "SELECT count(*) FILTER (WHERE status IN ('pending', 'working')),"
                        " count(*) FILTER (WHERE status = 'failed') FROM outbox"
                    )
                ).one()
            if left == 0:
                return int(dead)
            time.sleep(0.1)
        raise RuntimeError(f"{left} messages still waiting after {timeout:.0f} s")
    finally:
        engine.dispose()


def one_run(
    kind: str, db: str, url: str, *, paced: bool, limits: dict[str, Any], env: dict[str, str]
) -> tuple[Path, int]:
    report = WORK / f"pacing-{kind}-{db}-{'paced' if paced else 'unpaced'}.json"
    logs = WORK / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with limited_fake(kind, limits, report) as api:
        if kind == "slack":
            queue(url, "slack", [SLACK_ROOM] * MESSAGES, shared=True)
            api_env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": "x" * 32}
            api_env["SLACK_API_URL"] = api
        else:
            queue(url, "telegram", [str(7_000_000 + n) for n in range(MESSAGES)], shared=False)
            api_env = {"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_API_URL": api}
        port = free_port()
        serve_env = {
            "DATABASE_URL": url,
            "HIREBOT_LOG_LEVEL": "WARNING",
            "HIREBOT_DELIVERY_PACING": "on" if paced else "off",
            **api_env,
            **env,
        }
        with process(
            [PYTHON, "-m", "bot", "serve", "--port", str(port)],
            env=serve_env,
            log=logs / f"pacing-{kind}-{db}.log",
        ) as proc:
            wait_for_port(port, proc=proc)
            dead = wait_finished(url, timeout=900)
    return report, dead


def _show(o: Outcome, allowed: float) -> str:
    return (
        f"{o.rate:.1f} msg/s, busiest second {o.busiest}, {o.refused} × 429, "
        f"{100 * o.used:.0f} % of the allowed {allowed:.0f}/s"
    )


def measure(c: Collected, mode: Mode, kinds: list[str]) -> None:
    """Both channels, on each database, paced and not."""
    section = "10 pacing"
    rate, burst = SLACK_LIMIT
    overall, overall_burst, per_chat = TELEGRAM_LIMIT
    channels: list[tuple[str, str, dict[str, Any], dict[str, str], float, float]] = [
        (
            "slack",
            f"{MESSAGES} messages to one Slack channel, {rate:.0f}/s after a burst of {burst}",
            {"per_channel": [rate, burst]},
            {"SLACK_PER_CHANNEL_PER_SECOND": str(rate), "SLACK_CHANNEL_BURST": str(burst)},
            rate,
            burst,
        ),
        (
            "telegram",
            f"{MESSAGES} messages to {MESSAGES} Telegram chats, {overall:.0f}/s in all",
            {"overall": [overall, overall_burst], "per_chat": per_chat},
            {},
            overall,
            overall_burst,
        ),
    ]
    for kind, label, limits, env, allowed, allowed_burst in channels:
        for db in kinds:
            for paced in (False, True):
                print(f"pacing {kind} ({db}): load average {load_average()}", flush=True)
                with database(db, f"pacing_{kind}") as url:
                    report, dead = one_run(kind, db, url, paced=paced, limits=limits, env=env)
                o = outcome(report, allowed, allowed_burst)
                good = o.refused == 0 and o.used >= TARGET and dead == 0
                c.add(
                    Result(
                        section,
                        f"{label}, {db}, {'paced' if paced else 'pacing off'}",
                        _show(o, allowed) + (f", {dead} dead after 8 attempts" if dead else ""),
                        target="0 × 429, ≥ 90 % of the rate" if paced else "",
                        ok=good if paced else None,
                        note=f"load {load_average()}",
                    )
                )
                c.details[f"pacing-{kind}-{db}-{'paced' if paced else 'off'}"] = o.__dict__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pacing")
    parser.add_argument("what", choices=["fake-slack", "fake-telegram"])
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--limits", default="{}")
    args = parser.parse_args(argv)
    run_fake(args.what.removeprefix("fake-"), args.report, json.loads(args.limits))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
