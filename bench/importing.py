"""Benchmark 5: `hirebot import` of a 100,000-row CSV with its progress bar on.

The command runs as a person runs it: the real CLI in a pseudo-terminal (so rich draws the
live bar, as it would for them), into an empty database, timed from start to exit.
"""

from __future__ import annotations

import csv
import os
import pty
import random
import subprocess
import threading
import time
from pathlib import Path

from bench.common import PYTHON, ROOT, Collected, Result, Spread, database
from bench.seed import CITIES, FIRST, LAST, SKILLS, SOURCES, prepare

ROLES = ("senior-backend", "backend-contract")


def write_csv(path: Path, rows: int, seed: int = 8) -> Path:
    """Applicants as a careers-site export would have them; a few rows are bad on purpose
    (no name, a broken email) so the report has something to say."""
    rnd = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["name", "email", "phone", "role", "location", "source", "skills", "resume"]
        )
        for n in range(rows):
            name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
            email = f"{name.lower().replace(' ', '.')}.{n}@example.org"
            if n % 997 == 0:
                email = f"broken.{n}@"
            writer.writerow(
                [
                    "" if n % 1999 == 0 else name,
                    email,
                    f"+92 300 {n % 10_000_000:07d}",
                    ROLES[n % 3 == 0],
                    rnd.choice(CITIES),
                    rnd.choice(SOURCES),
                    ",".join(rnd.sample(SKILLS, 3)),
                    f"https://cv.example.org/{n}.pdf",
                ]
            )
    return path


def run_import(csv_path: Path, env: dict[str, str]) -> tuple[float, str, int]:
    """(seconds, last output, exit code) of `hirebot import` in a pseudo-terminal."""
    master, slave = pty.openpty()
    output: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            output.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, "-m", "bot", "import", str(csv_path)],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env={**os.environ, **env, "COLUMNS": "100", "TERM": "xterm"},
    )
    code = proc.wait(timeout=3600)
    seconds = time.perf_counter() - started
    os.close(slave)
    reader.join(5)
    os.close(master)
    text = b"".join(output).decode("utf-8", "replace")
    return seconds, text[-400:], code


def importing(c: Collected, rows: int, kinds: list[str], config_path: Path, reps: int) -> None:
    from bot.config import HirebotConfig, load_config

    config: HirebotConfig = load_config(config_path)
    csv_path = write_csv(ROOT / "var" / "bench" / f"import-{rows}.csv", rows)
    for kind in kinds:
        rates = []
        summary = ""
        for _ in range(reps):
            with database(kind, "import") as url:
                prepare(url, config).dispose()
                seconds, summary, code = run_import(
                    csv_path, {"DATABASE_URL": url, "HIREBOT_CONFIG": str(config_path)}
                )
                if code not in (0, 1):  # 1: some rows were rejected, as planted
                    raise RuntimeError(f"hirebot import failed ({code}): {summary}")
                rates.append(rows / seconds)
        spread = Spread(rates)
        tail = [line for line in summary.splitlines() if "rows:" in line]
        c.add(
            Result(
                "5 import",
                f"{rows:,}-row CSV, {kind}",
                f"{spread.show('{:,.0f}')} rows/s ({rows / spread.median:,.0f} s)",
                note=tail[-1].strip() if tail else "",
            )
        )
