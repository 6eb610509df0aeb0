"""A bad core setting in the environment stops every command with a message naming the
variable, never a traceback."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app as cli

ROOT = Path(__file__).resolve().parents[2]


def test_a_bad_clock_setting_names_the_variable(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["jobs", "list"],
        env={
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "HIREBOT_CONFIG": str(ROOT / "config.yaml"),
            "HIREBOT_CLOCK": "yesterday",
        },
    )
    assert result.exit_code == 2
    assert "invalid environment" in result.output
    assert "HIREBOT_CLOCK" in result.output
    assert "Traceback" not in result.output
