from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import ConfigError, HirebotConfig, load_config

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "config.yaml").read_text())
    return data


def test_shipped_config_carries_the_senior_backend_role(shipped_config: HirebotConfig) -> None:
    catalog = shipped_config.catalog()
    role = catalog.role("senior-backend")
    assert role.title == "Senior Backend Engineer"
    assert role.pay is not None
    assert role.pay.describe() == "USD 11,670.34 – 14,174.54 per month"
    assert {c.key for c in role.scorecard} >= {"programming", "databases", "api_design", "security"}
    questions = role.question_bank["technical_assessment"]
    assert "How do you optimize the performance of a slow database query?" in questions
    assert role.pipeline.keys[:3] == ["applied", "screening", "technical_assessment"]
    assert catalog.role("backend-contract").employment_type.value == "contract"


def test_config_path_comes_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = shipped()
    data["organization"] = "Elsewhere"
    monkeypatch.setenv("HIREBOT_CONFIG", str(write(tmp_path, data)))
    assert load_config().organization == "Elsewhere"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["roles"][0]["pay"].update(min=20000), "roles[0].pay: Value error"),
        (lambda d: d["roles"][0].update(hiring_manager="zed"), "roles[0].hiring_manager: 'zed'"),
        (lambda d: d["people"][1].update(timezone="Mars/Olympus"), "people[1].timezone"),
        (
            lambda d: d["roles"][0].update(salary=1),
            "roles[0].salary: Extra inputs are not permitted",
        ),
        (lambda d: d["roles"][0]["question_bank"].update(onsite=["q"]), "'onsite' is not a stage"),
        (lambda d: d["people"][0].update(roles=["wizard"]), "people[0].roles[0]"),
        (
            lambda d: d["people"][2].update(slack_id=d["people"][0]["slack_id"]),
            "appears more than once",
        ),
        (
            lambda d: d["people"][0].update(roles=["recruiter"]),
            "at least one person needs the admin",
        ),
        (
            lambda d: d["people"][0].update(slak_id="U0SANAMRZ"),
            "people[0]: unknown key 'slak_id' — did you mean 'slack_id'?",
        ),
        (
            lambda d: d["people"][0].update(slack_id="sana"),
            "people[0]: 'sana' is not a Slack user id",
        ),
        (
            lambda d: d["people"][0].update(telegram_id="-100123"),
            "people[0]: '-100123' is not a Telegram user id",
        ),
    ],
)
def test_errors_name_file_key_path_and_problem(tmp_path: Path, mutate: Any, expected: str) -> None:
    data = shipped()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert expected.replace("Value error", "").strip() in message.replace("Value error, ", ""), (
        message
    )


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "roles: [unclosed"))
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(write(tmp_path, "- just a list"))


def test_a_roles_channel_name_is_configured_or_the_console_label() -> None:
    data = shipped()
    data["roles"][0]["channels"]["name"] = "#hiring-backend"
    data["roles"][1]["channels"] = {"telegram": -1001234567890}  # an id alone: no name
    catalog = HirebotConfig.model_validate(data).catalog()
    assert catalog.role("senior-backend").channel_name == "#hiring-backend"
    assert "name" not in catalog.role("senior-backend").channels  # not a channel to post to
    assert catalog.role("backend-contract").channel_name == ""
    del data["roles"][0]["channels"]["name"]
    fallback = HirebotConfig.model_validate(data).catalog().role("senior-backend")
    assert fallback.channel_name == "#hiring-senior-backend"  # the console's label


def test_the_next_interview_stage_follows_the_roles_question_bank_and_scorecard(
    shipped_config: HirebotConfig,
) -> None:
    catalog = shipped_config.catalog()

    def next_for(role: str, stage: str) -> str | None:
        found = catalog.role(role).next_interview_stage(stage)
        return found.key if found else None

    assert next_for("senior-backend", "applied") == "screening"
    assert next_for("senior-backend", "screening") == "screening"
    assert next_for("senior-backend", "offer") is None  # past every interview stage
    # the contract role asks questions in two stages only
    assert next_for("backend-contract", "applied") == "technical_assessment"
    assert next_for("backend-contract", "technical_assessment") == "technical_assessment"
    assert next_for("backend-contract", "rejected") is None
