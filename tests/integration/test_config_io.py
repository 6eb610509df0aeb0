"""`hirebot config export|import` through typer's runner on SQLite and PostgreSQL: the export
round-trips (importing it changes nothing), an edited file shows its diff and asks, `--yes`
skips the question, the change is audited as the CLI user and counts in a running hirebot at
its next event; a bad file or a non-admin changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from bot.bootstrap import Hirebot
from bot.cli import app as cli
from bot.clock import FrozenClock
from storage.models import AuditEvent
from tests.cli_runner import cli_env
from tests.helpers import only, say


def run(
    database_url: str, clock: FrozenClock, *args: str, answer: str | None = None
) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=answer, env=cli_env(database_url, clock))
    return result.exit_code, result.output


def exported(database_url: str, clock: FrozenClock, out: Path) -> dict[str, Any]:
    """What `config export --out` writes, as the document an admin edits."""
    assert run(database_url, clock, "config", "export", "--out", str(out))[0] == 0
    document: dict[str, Any] = yaml.safe_load(out.read_text(encoding="utf-8"))
    return document


def written(path: Path, document: dict[str, Any]) -> Path:
    """The edited document, saved as a file to import."""
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def imported_events(app: Hirebot) -> list[str]:
    with app.uow() as uow:
        rows = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.summary.like("%config import%"))
        )
        return sorted(e.summary for e in rows)


def test_an_export_imports_with_no_diff(
    app: Hirebot, database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    say(app, 'role open backend-lead from=senior-backend title="Backend Lead" pay=9000-12000.5')
    say(app, "role scorecard backend-lead add Kafka stages=interview")
    say(app, "people add Zara Hussain roles=interviewer tz=Europe/London")
    say(app, "people set hina tz=Europe/Berlin")
    out = tmp_path / "exported.yaml"
    code, output = run(database_url, clock, "config", "export", "--out", str(out))
    assert code == 0, output
    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert [p["key"] for p in document["people"]] == ["sana", "omar", "hina", "lucas", "zara"]
    lead = next(r for r in document["roles"] if r["key"] == "backend-lead")
    assert lead["title"] == "Backend Lead"
    assert lead["pay"]["max"] == 12000.5
    assert lead["scorecard"][-1] == {"key": "kafka", "name": "Kafka", "stages": ["interview"]}
    assert document["organization"] == "Indus Cloud Labs"

    code, output = run(database_url, clock, "config", "import", str(out))
    assert code == 0, output
    assert "no changes" in output
    # on stdout too, byte for byte the same file
    code, printed = run(database_url, clock, "config", "export")
    assert code == 0
    assert printed == out.read_text(encoding="utf-8")


def test_an_edited_file_shows_its_diff_asks_and_applies_in_one_go(
    app: Hirebot, database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    out = tmp_path / "team.yaml"
    document = exported(database_url, clock, out)
    document["roles"][0]["title"] = "Principal Backend Engineer"
    document["people"] = [p for p in document["people"] if p["key"] != "lucas"]
    document["people"].append(
        {"key": "zara", "name": "Zara <@U123>", "roles": ["interviewer"], "timezone": "UTC"}
    )
    edited = written(tmp_path / "edited.yaml", document)

    code, output = run(database_url, clock, "config", "import", str(edited), answer="n\n")
    assert code == 1
    assert "~ role senior-backend" in output
    assert 'title: "Senior Backend Engineer" → "Principal Backend Engineer"' in output
    assert "- person lucas" in output
    assert "+ person zara" in output
    assert 'name: "Zara <@U123>"' in output
    assert "3 change(s): 1 added, 1 changed, 1 removed" in output
    assert "Apply these changes?" in output
    assert "nothing changed" in output
    assert only(say(app, "whoami", who="lucas")).kind == "info"
    assert app.catalog.role("senior-backend").title == "Senior Backend Engineer"

    code, output = run(database_url, clock, "config", "import", str(edited), answer="y\n")
    assert code == 0, output
    assert "applied 3 change(s), recorded as sana" in output
    # the running hirebot takes it at its next event, without a restart
    assert "I don't know you yet" in only(say(app, "whoami", who="lucas")).text
    assert "Zara <@U123>" in only(say(app, "whoami", who="zara")).plain_text()
    assert app.catalog.role("senior-backend").title == "Principal Backend Engineer"
    assert imported_events(app) == [
        "Sana Mirza added person zara by hirebot config import from edited.yaml",
        "Sana Mirza changed role senior-backend by hirebot config import from edited.yaml",
        "Sana Mirza removed person lucas by hirebot config import from edited.yaml",
    ]
    assert "no changes" in run(database_url, clock, "config", "import", str(edited))[1]

    # back again, without a question
    code, output = run(database_url, clock, "config", "import", str(out), "--yes")
    assert code == 0, output
    assert "Apply these changes?" not in output
    assert "applied 3 change(s)" in output
    assert only(say(app, "whoami", who="lucas")).kind == "info"


def test_a_bad_file_or_a_non_admin_changes_nothing(
    app: Hirebot, database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    out = tmp_path / "team.yaml"
    document = exported(database_url, clock, out)
    document["roles"][0]["hiring_manager"] = "nobody"
    bad = written(tmp_path / "bad.yaml", document)
    code, output = run(database_url, clock, "config", "import", str(bad), "--yes")
    assert code == 2
    assert "roles[0].hiring_manager: 'nobody' is not a configured person" in output

    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    document["roles"][0]["title"] = "Changed"
    good = written(tmp_path / "good.yaml", document)
    code, output = run(database_url, clock, "config", "import", str(good), "--yes", "--as", "hina")
    assert code == 2
    assert "you need permission to administer hirebot" in output
    assert "nothing changed" in output
    assert imported_events(app) == []
    assert only(say(app, "roles senior-backend")).title.startswith("Senior Backend Engineer")


def test_an_import_opens_a_new_role_removes_one_and_links_a_new_persons_address(
    app: Hirebot, database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    out = tmp_path / "team.yaml"
    document = exported(database_url, clock, out)
    first = document["roles"][0]
    document["roles"] = [first, dict(first, key="data-engineer", title="Data Engineer")]
    document["people"].append(
        {
            "key": "zara",
            "name": "Zara Khan",
            "roles": ["interviewer"],
            "email": "zara.khan@example.com",
            "timezone": "UTC",
        }
    )
    edited = written(tmp_path / "edited.yaml", document)

    code, output = run(database_url, clock, "config", "import", str(edited), "--yes")
    assert code == 0, output
    assert "+ role data-engineer" in output
    assert "- role backend-contract" in output
    # the running hirebot takes it at its next event
    assert only(say(app, "roles data-engineer")).title.startswith("Data Engineer")
    assert "backend-contract" not in app.catalog.roles
    with app.uow() as uow:
        removed = uow.roles.by_key("backend-contract")
        assert removed is not None  # kept, with its history
        assert not removed.active
        zara = uow.people.by_key("zara")
        assert zara is not None
        assert (zara.name, zara.roles) == ("Zara Khan", ["interviewer"])
        assert {(i.channel, i.address) for i in zara.identities} == {
            ("email", "zara.khan@example.com")
        }
