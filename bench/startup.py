"""Benchmark 9: start-up to a healthy `/healthz`, from the process's spawn, and the idle
resident memory, with every channel enabled (Slack, Telegram, WhatsApp and e-mail, each
configured against its local fake), against the bare apps started the same way.

The database is the seeded one, already at the head migration, so the figure is the start a
restart of a running deployment pays. The bare counterpart is one app with both bare
frameworks' routes (bench/servers.py `bare-all`: slack-bolt and python-telegram-bot, which
initialises its bot against the fake as hirebot's channel does); there is no bare WhatsApp
or e-mail app to add. Pairs alternate bare and hirebot (bench/paired.py).

Both sides start from compiled bytecode, as a deployed server restarts: before the first start
the run byte-compiles hirebot's packages and the bench's own (`python -m compileall -q bot
storage bench`, with the servers' interpreter). The frameworks the bare apps import were
compiled when pip installed them, but hirebot is installed editable, and where
PYTHONDONTWRITEBYTECODE is set (this machine's environment, and many container images) no
start ever writes a .pyc for it, so every start would compile the ~240 modules it imports
from source (0.25-0.4 s of CPU, docs/benchmarks.md run 14), which a wheel install, or
`compileall` after a deploy from a checkout (docs/deploy.md), never pays. Python reads an
existing .pyc under that variable; it only does not write one.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench import launch
from bench.common import PYTHON, ROOT, Collected, Mode, Result, free_port, process, rss_mb
from bench.paired import LOGS, Paired, one_minute_load, wait_healthy

START_TARGET_S = 1.0
RSS_TARGET_MB = 120.0
SETTLE_S = 2.0  # idle memory is read this long after /healthz first answered
COMPILED = ("bot", "storage", "bench")  # hirebot's packages and the bare apps' module


def compile_bytecode() -> None:
    """Write the .pyc files a deployed start reads (see the module's docstring), with the
    interpreter the servers run, so the cache tag is theirs; up-to-date files are kept."""
    subprocess.run([PYTHON, "-m", "compileall", "-q", *COMPILED], cwd=ROOT, check=True)


def _env(fakes: dict[str, str], database_url: str, config_path: Path) -> dict[str, str]:
    return {
        **launch.base_env(database_url, config_path),
        **launch.slack_env(fakes["slack"]),
        **launch.telegram_env(fakes["telegram"]),
        "WHATSAPP_TOKEN": fakes["whatsapp_token"],
        "WHATSAPP_PHONE_NUMBER_ID": fakes["whatsapp_number"],
        "WHATSAPP_APP_SECRET": fakes["whatsapp_secret"],
        "WHATSAPP_VERIFY_TOKEN": "bench-verify-token",
        "WHATSAPP_API_URL": fakes["whatsapp"],
        "HIREBOT_SMTP_URL": fakes["smtp"],
        "HIREBOT_MAIL_FROM": "hirebot@bench.example.com",
    }


@dataclass(frozen=True)
class Start:
    """One start: wall seconds from spawn to a healthy /healthz, the CPU seconds the server's
    processes had used by then (user + system, from /proc: the figure a loaded machine does
    not inflate with waiting for a core), and the resident memory once idle."""

    seconds: float
    cpu: float
    rss_mb: float


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bare_start(fakes: dict[str, str]) -> Start:
    """One start of `bare-all`."""
    port = free_port()
    args = [PYTHON, "-m", "bench.servers", "bare-all", "--port", str(port)]
    started = time.monotonic()
    with process(
        [*args, "--slack-api", fakes["slack"], "--api", fakes["telegram"]],
        log=LOGS / "bare-all.log",
    ) as proc:
        wait_healthy(port, procs=[proc])
        seconds = time.monotonic() - started
        cpu = cpu_seconds(proc.pid)
        time.sleep(SETTLE_S)
        return Start(seconds, cpu, rss_mb(proc.pid))


def hirebot_start(env: dict[str, str], layout: str, label: str) -> Start:
    """The same for hirebot through its CLI (both processes added up when split)."""
    port = free_port()
    started = time.monotonic()
    with launch.hirebot(env, port, LOGS / f"hirebot-startup-{label}.log", layout) as bot:
        for each in bot.ports:  # the worker's too, when split
            wait_healthy(each, procs=bot.procs)
        seconds = time.monotonic() - started
        cpu = sum(cpu_seconds(p.pid) for p in bot.procs)
        time.sleep(SETTLE_S)
        return Start(seconds, cpu, bot.rss_mb())


def run(
    c: Collected, mode: Mode, databases: dict[str, str], config_path: Path, layout: str
) -> None:
    LOGS.mkdir(parents=True, exist_ok=True)
    compile_bytecode()
    with launch.fake_everything() as fakes:
        for db, url in databases.items():
            print(f"startup ({db}, hirebot {layout}): load average {one_minute_load()}", flush=True)
            env = _env(fakes, url, config_path)
            start, cpu, memory = Paired(), Paired(), Paired()
            for _ in range(mode.startups):
                load = one_minute_load()
                bare = bare_start(fakes)
                bot = hirebot_start(env, layout, db)
                start.add(bare.seconds, bot.seconds, load)
                cpu.add(bare.cpu, bot.cpu, load)
                memory.add(bare.rss_mb, bot.rss_mb, load)
            figures = (
                (f"`hirebot serve` ({layout}) spawn to healthy /healthz", start, "s", ""),
                ("CPU seconds from spawn to healthy /healthz", cpu, "s", "user + system, /proc"),
                ("idle RSS", memory, "MB", f"{SETTLE_S:.0f} s after healthy"),
            )
            for what, paired, unit, note in figures:
                c.add(_result(f"{what}, every channel enabled, {db}", paired, unit, note))


def _result(what: str, paired: Paired, unit: str, note: str) -> Result:
    """One row: hirebot's figure against its target and the bare apps' in the same pairs."""
    target = RSS_TARGET_MB if unit == "MB" else START_TARGET_S
    fmt = "{:.0f}" if unit == "MB" else "{:.2f}"
    return Result(
        "9 startup",
        what,
        f"{paired.show('hirebot', fmt)} {unit}",
        target=f"< {target:.0f} {unit}",
        ok=statistics.median(paired.hirebot) < target,
        baseline=f"bare Bolt + PTB: {paired.show('bare', fmt)} {unit} (×{paired.ratio:.1f})",
        note="; ".join(x for x in (note, paired.load) if x),
    )
