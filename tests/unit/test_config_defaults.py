"""Defaults are written once, in the domain's dataclasses: a config.yaml that leaves every
setting out yields exactly those defaults, check-in questions included."""

from __future__ import annotations

import dataclasses

from bot.config import HirebotConfig
from bot.domain.catalog import (
    Catalog,
    DigestPrefs,
    InterviewSettings,
    PersonSpec,
    PrivacySettings,
    ScheduleSettings,
)
from bot.domain.interviews import WorkingHours


def _default(cls: type, name: str) -> object:
    found = next(f for f in dataclasses.fields(cls) if f.name == name)
    return found.default


def test_a_config_without_settings_yields_the_domain_defaults() -> None:
    config = HirebotConfig.model_validate(
        {"people": [{"key": "sana", "name": "Sana Mirza", "roles": ["admin"]}]}
    )
    catalog = config.catalog()
    assert catalog.interviews == InterviewSettings()
    assert catalog.schedules == ScheduleSettings()
    assert catalog.privacy == PrivacySettings()
    assert catalog.organization == _default(Catalog, "organization")
    assert catalog.phone_region == _default(Catalog, "phone_region")
    assert catalog.rejection_reasons == _default(Catalog, "rejection_reasons")
    person = catalog.person("sana")
    assert person.timezone == _default(PersonSpec, "timezone")
    assert person.digest == DigestPrefs()
    assert person.working_hours == WorkingHours()
    assert person.quiet_hours is None
