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

from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError

from bot.config import HirebotConfig, PersonConfig, RoleConfig
from bot.domain.careers import PublicSite
from bot.domain.catalog import Catalog
from bot.domain.errors import InvalidInput
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


def held(uow: UnitOfWork) -> Held:
    people, removed_people = [], set()
    for person in uow.people.all():
        if person.spec is None:
            continue
        if person.active:
            people.append(dict(person.spec))
        else:
            removed_people.add(person.key)
    roles, removed_roles = [], set()
    for role in uow.roles.all():
        if role.spec is None:
            continue
        if role.active:
            roles.append(dict(role.spec))
        else:
            removed_roles.add(role.key)
    return Held(people, removed_people, roles, removed_roles)


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
