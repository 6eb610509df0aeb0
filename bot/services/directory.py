"""Keeps the roles and people tables in step with config.yaml, which is their source of truth."""

from __future__ import annotations

from bot.domain.catalog import Catalog
from storage.models import Person, Role
from storage.unit_of_work import UnitOfWork


def sync_catalog(uow: UnitOfWork, catalog: Catalog) -> None:
    """Upsert configured roles and people; deactivate those no longer configured.

    Telegram ids learned by account linking live only in the database, so a person whose
    config has no telegram_id keeps the linked one.
    """
    roles = {role.key: role for role in uow.roles.all()}
    for key, spec in catalog.roles.items():
        row = roles.get(key)
        if row is None:
            uow.roles.add(Role(key=key, title=spec.title, active=True))
        else:
            row.title, row.active = spec.title, True
    for key, row in roles.items():
        if key not in catalog.roles:
            row.active = False

    people = {person.key: person for person in uow.people.all()}
    # Free identities first, so moving a slack_id between people never trips the unique index.
    for key, person_row in people.items():
        spec_or_none = catalog.people.get(key)
        if spec_or_none is None or person_row.slack_id != spec_or_none.slack_id:
            person_row.slack_id = None
        if spec_or_none is None:
            person_row.active = False
            person_row.telegram_id = None
    uow.flush()
    for key, person_spec in catalog.people.items():
        found = people.get(key)
        roles_list = sorted(r.value for r in person_spec.roles)
        if found is None:
            uow.people.add(
                Person(
                    key=key,
                    name=person_spec.name,
                    roles=roles_list,
                    timezone=person_spec.timezone,
                    slack_id=person_spec.slack_id,
                    telegram_id=person_spec.telegram_id,
                    active=True,
                )
            )
        else:
            found.name, found.roles, found.timezone = (
                person_spec.name,
                roles_list,
                person_spec.timezone,
            )
            found.slack_id = person_spec.slack_id
            if person_spec.telegram_id is not None:
                found.telegram_id = person_spec.telegram_id
            found.active = True
    uow.commit()
