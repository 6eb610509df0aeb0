"""What every benchmark shares: results with their targets, statistics over repeated runs,
throwaway databases, the machine's description, and small process helpers."""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
PG_ADMIN_URL = os.environ.get(
    "HIREBOT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PYTHON = sys.executable


@dataclass(frozen=True)
class Mode:
    """How big, how long and how often. The default keeps `make bench` near ten minutes on
    two cores; --full repeats more and imports the whole 100,000 rows; --quick is a smoke run."""

    name: str
    applicants: int
    audit: int
    small_applicants: int
    small_audit: int
    reps: int  # throughput repetitions (closed loop and fixed rate, each)
    seconds: float  # one closed-loop run
    rate_seconds: float  # one fixed-rate run
    query_reps: int
    reminders: int
    due_reps: int
    import_rows: int
    import_reps: int
    # The paired sections (answers, sustained, burst, startup): bare app, then hirebot, this
    # many times; each answer run sends this many requests one at a time (or stops at the
    # seconds); sustained load is a fixed rate above hirebot's handling for some seconds; the
    # burst is the 300 requests/s for 5 s.
    pairs: int = 3
    answer_requests: int = 60
    answer_seconds: float = 15.0
    sustained_rate: float = 200.0
    sustained_seconds: float = 3.0
    burst_rate: float = 300.0
    burst_seconds: float = 5.0
    startups: int = 3


QUICK = Mode(
    "quick", 10_000, 100_000, 1_000, 10_000, 1, 3.0, 3.0, 5, 1_000, 1, 5_000, 1,
    pairs=1, answer_requests=20, answer_seconds=8.0, sustained_seconds=2.0, startups=1,
)  # fmt: skip
DEFAULT = Mode(
    "default", 100_000, 1_000_000, 10_000, 100_000, 2, 3.0, 4.0, 15, 10_000, 1, 10_000, 1
)
FULL = Mode(
    "full", 100_000, 1_000_000, 10_000, 100_000, 3, 6.0, 8.0, 30, 10_000, 3, 100_000, 1,
    pairs=5, answer_requests=150, answer_seconds=30.0, sustained_seconds=5.0, startups=5,
)  # fmt: skip


@dataclass
class Spread:
    """Median and the range over repetitions."""

    values: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def low(self) -> float:
        return min(self.values) if self.values else float("nan")

    @property
    def high(self) -> float:
        return max(self.values) if self.values else float("nan")

    def show(self, fmt: str = "{:,.1f}") -> str:
        if not self.values:
            return "—"
        if len(self.values) == 1:
            return fmt.format(self.median)
        return f"{fmt.format(self.median)} ({fmt.format(self.low)}–{fmt.format(self.high)})"


@dataclass
class Result:
    """One row of the table: what was measured, the figure, its target and the verdict."""

    section: str
    name: str
    figure: str
    target: str = ""
    ok: bool | None = None  # None: no target (informational)
    baseline: str = ""
    note: str = ""

    @property
    def verdict(self) -> str:
        return "" if self.ok is None else ("pass" if self.ok else "MISS")


@dataclass
class Collected:
    results: list[Result] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)

    def add(self, result: Result) -> Result:
        self.results.append(result)
        print(
            f"  {result.section} · {result.name}: {result.figure}"
            + (f" [target {result.target}: {result.verdict}]" if result.target else "")
            + (f" vs {result.baseline}" if result.baseline else ""),
            flush=True,
        )
        return result


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def timed(fn: Callable[[], object], reps: int, warmup: int = 1) -> Spread:
    """Milliseconds per call, measured with perf_counter, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    values = []
    for _ in range(reps):
        started = time.perf_counter()
        fn()
        values.append((time.perf_counter() - started) * 1000)
    return Spread(values)


# -- databases ---------------------------------------------------------------------------------


def _conninfo(url: str) -> str:
    parsed = make_url(url)
    return (
        f"host={parsed.host or '127.0.0.1'} port={parsed.port or 5432} "
        f"user={parsed.username or 'postgres'} dbname={parsed.database or 'postgres'}"
        + (f" password={parsed.password}" if parsed.password else "")
    )


@contextlib.contextmanager
def database(kind: str, label: str) -> Iterator[str]:
    """A throwaway empty database of `kind` (sqlite or postgres), removed afterwards."""
    if kind == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        path = WORK / f"{label}-{uuid.uuid4().hex[:6]}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = f"hirebot_bench_{label}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_conninfo(PG_ADMIN_URL), autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_conninfo(PG_ADMIN_URL), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_version() -> str:
    try:
        with psycopg.connect(_conninfo(PG_ADMIN_URL), connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"
    except psycopg.Error as exc:
        return f"unreachable ({exc.__class__.__name__})"


# -- the machine ---------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    mem = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(),
        "os": platform.platform(terse=True),
    }


def load_average() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


# -- processes -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int, timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


def rss_mb(pid: int) -> float:
    """Resident set size of a process, from /proc (what `ps` shows as RSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextlib.contextmanager
def process(
    args: Sequence[str], *, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, stopped (terminate, then kill) when the block ends."""
    out = log.open("wb") if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen(
        list(args),
        env={**os.environ, **(env or {})},
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if log is not None and hasattr(out, "close"):
            out.close()
