"""Queries for who is who: roles and people (synced from config.yaml) and their identities."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Person, PersonIdentity, Role
from storage.repository import Repository, in_batches


class RoleRepository(Repository[Role]):
    """Roles by key. A command reads its role in several services (`add` writes the applicant
    under it, then finds the role's followers to send the card to), so `by_key` keeps the rows
    it found for the unit of work instead of asking again: a role's key never changes and its
    row is never deleted, and a row the session still holds is the one a second SELECT would
    hand back (the identity map). One the session let go of (a rollback of the transaction
    that added it, the inbox's `forget()` between events) is looked up afresh."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._by_key: dict[str, Role] = {}

    def by_key(self, key: str) -> Role | None:
        row = self._by_key.get(key)
        if row is not None and row in self.session:
            return row
        row = self.session.scalar(select(Role).where(Role.key == key))
        if row is not None:
            self._by_key[key] = row
        return row

    def all(self) -> Sequence[Role]:
        return self.session.scalars(select(Role).order_by(Role.id)).all()


class PersonRepository(Repository[Person]):
    def by_key(self, key: str) -> Person | None:
        return self.session.scalar(select(Person).where(Person.key == key))

    def by_identity(self, channel: str, address: str) -> Person | None:
        """The active person at `address` on `channel`."""
        return self.session.scalar(
            select(Person)
            .join(PersonIdentity)
            .where(
                PersonIdentity.channel == channel,
                PersonIdentity.address == address,
                Person.active.is_(True),
            )
        )

    def identity(self, channel: str, address: str) -> PersonIdentity | None:
        """Whoever holds the address, active or not (an address belongs to one person)."""
        return self.session.scalar(
            select(PersonIdentity).where(
                PersonIdentity.channel == channel, PersonIdentity.address == address
            )
        )

    def set_identity(
        self,
        person: Person,
        channel: str,
        address: str,
        *,
        linked_by: str,
        verified_at: datetime | None = None,
    ) -> None:
        """Give `person` this address on `channel`, replacing their previous one there. The
        caller has freed the address if someone else held it."""
        found = next((i for i in person.identities if i.channel == channel), None)
        if found is not None and found.address == address:
            found.linked_by = linked_by
            found.verified_at = verified_at or found.verified_at
        elif found is None:
            person.identities.append(
                PersonIdentity(
                    channel=channel, address=address, linked_by=linked_by, verified_at=verified_at
                )
            )
        else:
            found.address, found.linked_by, found.verified_at = address, linked_by, verified_at

    def by_calendar_token(self, digest: str) -> Person | None:
        """The person whose calendar feed URL carries this secret (its digest; unique)."""
        return self.session.scalar(select(Person).where(Person.calendar_token == digest))

    def by_id(self, person_id: int) -> Person | None:
        return self.session.get(Person, person_id)

    def lock(self, person_ids: Sequence[int]) -> None:
        """Row locks on these people, in id order (no deadlock between two callers), held to
        the end of the transaction: a candidate's booking checks the panel's free times and
        books one while a parallel booking for the same people waits."""
        if person_ids:
            self.session.execute(
                select(Person.id)
                .where(Person.id.in_(sorted(set(person_ids))))
                .order_by(Person.id)
                .with_for_update()
            ).all()

    def by_ids(self, person_ids: Sequence[int]) -> list[Person]:
        """These people in one query (while the caller holds the list, `by_id` finds them
        without a query)."""
        wanted = sorted(set(person_ids))
        found: list[Person] = []
        for chunk in in_batches(wanted):
            found += self.session.scalars(select(Person).where(Person.id.in_(chunk))).all()
        return found

    def all(self) -> Sequence[Person]:
        return self.session.scalars(select(Person).order_by(Person.id)).all()

    def names(self, person_ids: Iterable[int | None] | None = None) -> dict[int, str]:
        """Names by id, of these people (None: of everyone), for a listing that shows who did
        what: two columns, where a `Person` row brings its identities with it (one more query
        over the whole team's addresses, and an ORM object per person, at every `show`)."""
        stmt = select(Person.id, Person.name)
        if person_ids is None:
            return dict(self.session.execute(stmt).all())
        wanted = sorted({pid for pid in person_ids if pid is not None})
        found: dict[int, str] = {}
        for chunk in in_batches(wanted):
            found.update(self.session.execute(stmt.where(Person.id.in_(chunk))).all())
        return found

    def away(self, now: datetime) -> Sequence[Person]:
        """The active people whose absence ends after `now` (the team is small: no index)."""
        return self.session.scalars(
            select(Person)
            .where(Person.active.is_(True), Person.away_until > now)
            .order_by(Person.id)
        ).all()
