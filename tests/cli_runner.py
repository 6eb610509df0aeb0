"""The `hirebot` CLI run in-process, on the test's database and the test's clock.

A CLI call reads `HIREBOT_CLOCK`, so it sees the same instant as the app the test drives: a
frozen clock in the app and the real one in the CLI made a test that broke a week after it was
written. Every in-process CLI call in the suite goes through `run_cli`.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app as cli
from bot.clock import Clock

ROOT = Path(__file__).resolve().parent.parent


def cli_env(database_url: str, clock: Clock, config: Path | None = None) -> dict[str, str]:
    """The environment a CLI call needs: the database, the config and the clock's instant."""
    return {
        "DATABASE_URL": database_url,
        "HIREBOT_CONFIG": str(config or ROOT / "config.yaml"),
        "HIREBOT_CLOCK": clock.now().isoformat(),
    }


def run_cli(
    database_url: str, clock: Clock, *args: str, config: Path | None = None
) -> tuple[int, str]:
    """Run `hirebot ARGS…` and return its exit code and its output (stdout and stderr)."""
    result = CliRunner().invoke(cli, list(args), env=cli_env(database_url, clock, config))
    return result.exit_code, result.output
