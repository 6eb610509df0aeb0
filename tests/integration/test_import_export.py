"""CSV import and export through the real CLI entry point, on both databases."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.bootstrap import Hirebot
from bot.cli import app as cli
from bot.services import importer

runner = CliRunner()


@pytest.fixture
def env(app: Hirebot, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Hirebot:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HIREBOT_CONFIG", str(Path(__file__).resolve().parents[2] / "config.yaml"))
    for name in ("SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return app


def write_csv(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "applicants.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


HEADER = ["name", "email", "phone", "role", "skills", "source"]


def test_import_reports_every_bad_row_and_stores_the_good_ones(
    env: Hirebot, tmp_path: Path
) -> None:
    env_app = env
    path = write_csv(
        tmp_path,
        [
            HEADER,
            [
                "Ayesha Khan",
                "ayesha@example.com",
                "0300 1234567",
                "senior-backend",
                "python,go",
                "careers page",
            ],
            ["", "blank@example.com", "", "senior-backend", "", ""],
            ["Bilal", "not-an-email", "", "senior-backend", "", ""],
            ["Zara", "zara@example.com", "", "nowhere", "", ""],
            ["Ayesha again", "AYESHA@example.com", "", "senior-backend", "", ""],
            ["<!channel> Omar", "omar@example.com", "", "backend-contract", "", "referral"],
        ],
    )
    result = runner.invoke(cli, ["import", str(path)])
    assert result.exit_code == 1, result.output
    out = result.output
    assert "6 rows: imported 2, 1 duplicate(s), 3 rejected" in out
    assert "name cannot be empty" in out
    assert "not a valid email" in out
    assert "unknown role 'nowhere'" in out
    assert "same email as line 2" in out
    with env_app.uow() as uow:
        page = uow.applicants.search(role_id=None, stages=None, page=1, per_page=10)
        assert sorted(a.name for a in page.items) == ["<!channel> Omar", "Ayesha Khan"]

    again = runner.invoke(cli, ["import", str(path)])
    assert "imported 0, 3 duplicate(s)" in again.output
    assert "already applied as #" in again.output


def test_missing_columns_stop_before_anything_is_stored(env: Hirebot, tmp_path: Path) -> None:
    path = write_csv(tmp_path, [["email", "role"], ["a@example.com", "senior-backend"]])
    result = runner.invoke(cli, ["import", str(path)])
    assert result.exit_code == 2
    assert "the CSV has no name column" in result.output
    with env.uow() as uow:
        assert uow.applicants.search(role_id=None, stages=None, page=1, per_page=10).total == 0


def test_dry_run_stores_nothing_and_role_option_fills_the_column(
    env: Hirebot, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [["name", "email"], ["A", "a@example.com"], ["B", "b@example.com"]])
    dry = runner.invoke(cli, ["import", str(path), "--role", "senior-backend", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would import 2" in dry.output
    with env.uow() as uow:
        assert uow.applicants.search(role_id=None, stages=None, page=1, per_page=10).total == 0
    real = runner.invoke(cli, ["import", str(path), "--role", "senior-backend"])
    assert real.exit_code == 0, real.output
    assert "imported 2" in real.output


def test_export_json_and_csv(env: Hirebot, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, [HEADER, ["Ayesha", "a@example.com", "", "senior-backend", "go", "x"]]
    )
    assert runner.invoke(cli, ["import", str(path)]).exit_code == 0
    out = tmp_path / "export.json"
    result = runner.invoke(cli, ["export", "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    records = json.loads(out.read_text())
    assert records[0]["email"] == "a@example.com"
    assert records[0]["skills"] == ["go"]
    assert any(e["kind"] == "applicant.added" for e in records[0]["timeline"])
    timeline = tmp_path / "timeline.csv"
    runner.invoke(cli, ["export", "--format", "csv", "--what", "timeline", "-o", str(timeline)])
    rows = list(csv.DictReader(timeline.open()))
    assert rows[0]["applicant_id"] == "1"
    bad = runner.invoke(cli, ["export", "--format", "xml"])
    assert bad.exit_code == 2
    assert "--format must be csv or json" in bad.output


def test_a_dry_run_counts_rows_already_stored_as_duplicates(env: Hirebot, tmp_path: Path) -> None:
    first = write_csv(tmp_path, [["name", "email"], ["A", "a@example.com"]])
    assert runner.invoke(cli, ["import", str(first), "--role", "senior-backend"]).exit_code == 0
    both = tmp_path / "both.csv"
    with both.open("w", newline="") as handle:
        csv.writer(handle).writerows(
            [["name", "email"], ["A again", "A@Example.com"], ["B", "b@example.com"]]
        )
    dry = runner.invoke(cli, ["import", str(both), "--role", "senior-backend", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "2 rows: would import 1, 1 duplicate(s), 0 rejected" in dry.output
    assert "already applied as #1" in dry.output
    # the real import says the same
    real = runner.invoke(cli, ["import", str(both), "--role", "senior-backend"])
    assert "2 rows: imported 1, 1 duplicate(s), 0 rejected" in real.output


def test_import_help_lists_every_column_it_reads(env: Hirebot) -> None:
    shown = runner.invoke(cli, ["import", "--help"], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    for column in sorted(importer.KNOWN):
        assert column in shown.output, column
    assert "years (or exp: whole years of experience)" in shown.output


def test_export_csv_has_the_years_column_the_import_reads(env: Hirebot, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        [["name", "email", "role", "years"], ["Ayesha", "a@example.com", "senior-backend", "7"]],
    )
    assert runner.invoke(cli, ["import", str(path)]).exit_code == 0
    out = tmp_path / "applicants.csv"
    assert runner.invoke(cli, ["export", "--format", "csv", "-o", str(out)]).exit_code == 0
    rows = list(csv.DictReader(out.open()))
    assert rows[0]["years"] == "7"
    records = json.loads(runner.invoke(cli, ["export"]).stdout)
    assert records[0]["years"] == 7


def test_a_rejected_row_names_every_bad_field(env: Hirebot, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        [HEADER, ["Bilal", "not-an-email", "call me", "nowhere", "python", ""]],
    )
    result = runner.invoke(cli, ["import", str(path)], env={"COLUMNS": "400"})  # one line a row
    assert result.exit_code == 1, result.output
    assert "1 rows: imported 0, 0 duplicate(s), 1 rejected" in result.output
    for named in ("role: unknown role 'nowhere'", "email: 'not-an-email' is not a", "phone: "):
        assert named in result.output
