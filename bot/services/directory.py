"""Keeps the roles and people tables in step with config.yaml, except the people and roles
added or changed from chat (`people …`, services/team.py; `role …`, services/roles.py) or by
`hirebot config import`: the database holds those, so config.yaml loads the team and the roles
on first start and changes made since survive a restart."""

from __future__ import annotations

from bot.domain.catalog import Catalog
from storage.models import Person, Role
from storage.unit_of_work import UnitOfWork


def sync_catalog(uow: UnitOfWork, catalog: Catalog) -> None:
    """Upsert configured roles and people; deactivate those no longer configured.

    config.yaml owns the addresses it gives (each channel's key); addresses learned by account
    linking live only in the database, so a person keeps a linked one that config.yaml does
    not override.
    """
    uow.catalog_generation.ensure()
    roles = {role.key: role for role in uow.roles.all()}
    for key, spec in catalog.roles.items():
        row = roles.get(key)
        if row is None:
            uow.roles.add(Role(key=key, title=spec.title, active=True))
        elif row.spec is None:  # else held by the database since a change from chat
            row.title, row.active = spec.title, True
    for key, row in roles.items():
        if key not in catalog.roles and row.spec is None:
            row.active = False

    people = {person.key: person for person in uow.people.all()}
    wanted = {
        (channel, address): key
        for key, spec in catalog.people.items()
        for channel, address in spec.identities.items()
    }
    # Free addresses first, so moving one between people never trips the unique index: every
    # address of someone no longer configured, an address config.yaml now gives someone else,
    # and a config-owned address config.yaml no longer gives its holder.
    for key, person_row in people.items():
        if person_row.spec is not None:
            continue  # held by the database since a change from chat
        spec_or_none = catalog.people.get(key)
        for identity in list(person_row.identities):
            configured = (
                spec_or_none is not None
                and spec_or_none.identities.get(identity.channel) == identity.address
            )
            elsewhere = wanted.get((identity.channel, identity.address), key) != key
            if (
                spec_or_none is None
                or elsewhere
                or (identity.linked_by == "config" and not configured)
            ):
                person_row.identities.remove(identity)
        if spec_or_none is None:
            person_row.active = False
    uow.flush()
    for key, person_spec in catalog.people.items():
        found = people.get(key)
        if found is not None and found.spec is not None:
            continue
        roles_list = sorted(r.value for r in person_spec.roles)
        if found is None:
            found = Person(
                key=key,
                name=person_spec.name,
                roles=roles_list,
                timezone=person_spec.timezone,
                active=True,
            )
            uow.people.add(found)
        else:
            found.name, found.roles, found.timezone = (
                person_spec.name,
                roles_list,
                person_spec.timezone,
            )
            found.active = True
        for channel, address in person_spec.identities.items():
            uow.people.set_identity(found, channel, address, linked_by="config")
    uow.commit()
