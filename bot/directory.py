"""The catalog as config.yaml and the database make it together (wiring: it reads config models).

config.yaml loads the team and the roles on first start; a person or role added or changed
from chat or by `hirebot config import` is held by the database from then on (`people.spec`,
`roles.spec`, each the entry as config.yaml writes it). The catalog is config.yaml's, with the
database's entries in place of config.yaml's for those it holds, and its new ones after them.

`ConfigDirectory` is what the services see of that (services/catalog_source.py `Directory`):
the whole configuration validated again, with the transaction's rows, before a change commits;
and each entry in its config.yaml shape, for copying a role and for export and import.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from pydantic import ValidationError

from bot.channels import registry
from bot.config import HirebotConfig, PersonConfig, RoleConfig
from bot.domain.careers import PublicSite
from bot.domain.catalog import Catalog
from bot.domain.errors import InvalidInput
from storage.models import Person, Role
from storage.unit_of_work import UnitOfWork


def role_entry(role: RoleConfig) -> dict[str, Any]:
    """A role as config.yaml writes it: what differs from the defaults, in JSON types."""
    return role.model_dump(mode="json", exclude_defaults=True)


def person_entry(person: PersonConfig, config: HirebotConfig) -> dict[str, Any]:
    """A person as config.yaml writes it, their timezone always said (the default's may move)."""
    entry = person.model_dump(mode="json", exclude_defaults=True)
    entry.setdefault("timezone", person.timezone or config.defaults.timezone)
    return entry


@dataclass(frozen=True)
class Held:
    """What the database holds instead of config.yaml: entries, and keys it removed."""

    people: list[dict[str, Any]]
    removed_people: set[str]
    roles: list[dict[str, Any]]
    removed_roles: set[str]


def _held(rows: Sequence[Person] | Sequence[Role]) -> tuple[list[dict[str, Any]], set[str]]:
    """The entries the rows hold (a row with no spec is config.yaml's), and the keys of those
    removed."""
    entries, removed = [], set()
    for row in rows:
        if row.spec is None:
            continue
        if row.active:
            entries.append(dict(row.spec))
        else:
            removed.add(row.key)
    return entries, removed


def held(uow: UnitOfWork) -> Held:
    return Held(*_held(uow.people.all()), *_held(uow.roles.all()))


def merged(config: HirebotConfig, uow: UnitOfWork) -> dict[str, list[dict[str, Any]]]:
    """The people and roles entries in force: config.yaml's, with the database's in place of
    those it holds (in config.yaml's order), its own after them."""
    rows = held(uow)
    people_by_key: dict[str, dict[str, Any] | None] = {e["key"]: e for e in rows.people}
    people = [
        people_by_key.pop(p.key, None) or person_entry(p, config)
        for p in config.people
        if p.key not in rows.removed_people
    ]
    people += [e for e in people_by_key.values() if e is not None]
    roles_by_key: dict[str, dict[str, Any] | None] = {e["key"]: e for e in rows.roles}
    roles = [
        roles_by_key.pop(r.key, None) or role_entry(r)
        for r in config.roles
        if r.key not in rows.removed_roles
    ]
    roles += [e for e in roles_by_key.values() if e is not None]
    return {"people": people, "roles": roles}


def validated(config: HirebotConfig, entries: dict[str, list[dict[str, Any]]]) -> HirebotConfig:
    """config.yaml's settings with these people and roles, checked as config.yaml is (every
    reference, every key); InvalidInput naming the first problem."""
    raw = config.model_dump(mode="json", exclude_defaults=True, exclude={"people", "roles"})
    try:
        return HirebotConfig.model_validate({**raw, **entries})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        problem = f"{where}: {message}" if where else message
        raise InvalidInput(f"that would make the configuration invalid: {problem}") from None


def build_catalog(config: HirebotConfig, uow: UnitOfWork, public: PublicSite | None) -> Catalog:
    """The catalog in force. The entries the database holds are trusted as checked when they
    were written (`ConfigDirectory.check`), so this skips the whole-file validation."""
    entries = merged(config, uow)
    people = [PersonConfig.model_validate(e) for e in entries["people"]]
    roles = [RoleConfig.model_validate(e) for e in entries["roles"]]
    catalog = config.model_copy(update={"people": people, "roles": roles}).catalog()
    # The public site comes from the environment, not config.yaml: kept on every rebuild, or
    # a change from chat would switch the careers pages off.
    return replace(catalog, public=public)


@dataclass
class ConfigDirectory:
    """The services' view of config.yaml and the database together (the `Directory` port)."""

    config: HirebotConfig
    public: PublicSite | None = None

    def check(self, uow: UnitOfWork) -> Catalog:
        uow.flush()
        validated(self.config, merged(self.config, uow))
        return build_catalog(self.config, uow, self.public)

    def role_entry(self, uow: UnitOfWork, key: str) -> dict[str, Any] | None:
        """A role's entry in config.yaml's shape, wherever it is held."""
        return next((e for e in merged(self.config, uow)["roles"] if e["key"] == key), None)

    def build(self, uow: UnitOfWork) -> Catalog:
        return build_catalog(self.config, uow, self.public)


# Export and import (`hirebot config export|import`, bot/cli/config_io.py) -----------------


def _addresses_normalised(entry: dict[str, Any]) -> dict[str, Any]:
    """Each channel's address in its stored form, so a number typed two ways is one value."""
    out = dict(entry)
    for channel in registry.traits():
        key = channel.person_key
        if key and out.get(key) is not None:
            out[key] = channel.normalise(str(out[key]))
    return out


def normal_person(entry: dict[str, Any], config: HirebotConfig) -> dict[str, Any]:
    return _addresses_normalised(person_entry(PersonConfig.model_validate(entry), config))


def normal_role(entry: dict[str, Any]) -> dict[str, Any]:
    return role_entry(RoleConfig.model_validate(entry))


def current_entries(config: HirebotConfig, uow: UnitOfWork) -> dict[str, list[dict[str, Any]]]:
    """The people and roles in force, each entry in one normal form (what export writes and
    import compares against)."""
    entries = merged(config, uow)
    return {
        "people": [normal_person(e, config) for e in entries["people"]],
        "roles": [normal_role(e) for e in entries["roles"]],
    }


def exported(config: HirebotConfig, uow: UnitOfWork) -> dict[str, Any]:
    """config.yaml as it would be written now: its settings, and the people and roles in force."""
    document = config.model_dump(mode="json", exclude_defaults=True, exclude={"people", "roles"})
    document.update(current_entries(config, uow))
    for role in document["roles"]:
        if "pay" in role:  # amounts as numbers, as people write them (exact as decimals)
            role["pay"] = {
                k: _amount(v) if k in {"min", "max"} else v for k, v in role["pay"].items()
            }
    return document


def _amount(value: Any) -> int | float:
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)


@dataclass(frozen=True)
class Change:
    """One person or role an import adds, changes or removes: its entry before and after."""

    kind: Literal["person", "role"]
    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    # A person's addresses by channel, in stored form, as `after` gives them.
    identities: dict[str, str] = field(default_factory=dict)

    @property
    def verb(self) -> str:
        return "add" if self.before is None else "remove" if self.after is None else "change"


def plan_import(config: HirebotConfig, uow: UnitOfWork, incoming: HirebotConfig) -> list[Change]:
    """What importing `incoming` changes: its people and roles become the ones in force (those
    it lacks are removed); an entry equal to the one in force is no change."""
    now = current_entries(config, uow)
    changes: list[Change] = []
    wanted_people = {p.key: p for p in incoming.people}
    have_people = {e["key"]: e for e in now["people"]}
    for key, person in wanted_people.items():
        after = normal_person(person_entry(person, incoming), incoming)
        before = have_people.get(key)
        if before != after:
            changes.append(Change("person", key, before, after, person.identities()))
    changes += [
        Change("person", key, before, None)
        for key, before in have_people.items()
        if key not in wanted_people
    ]
    wanted_roles = {r.key: r for r in incoming.roles}
    have_roles = {e["key"]: e for e in now["roles"]}
    for key, role in wanted_roles.items():
        after = role_entry(role)
        if have_roles.get(key) != after:
            changes.append(Change("role", key, have_roles.get(key), after))
    changes += [
        Change("role", key, before, None)
        for key, before in have_roles.items()
        if key not in wanted_roles
    ]
    return changes


def flatten(entry: dict[str, Any] | None, prefix: str = "") -> dict[str, str]:
    """An entry as `path: value` lines (`pay.min`, `scorecard[2].name`), for a diff."""
    out: dict[str, str] = {}
    if entry is None:
        return out
    for key, value in entry.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        out.update(_flat(value, path))
    return out


def _flat(value: Any, path: str) -> dict[str, str]:
    if isinstance(value, dict):
        return flatten(value, path) if value else {path: "{}"}
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        found: dict[str, str] = {}
        for index, item in enumerate(value):
            found.update(_flat(item, f"{path}[{index}]"))
        return found
    return {path: json.dumps(value, ensure_ascii=False)}
