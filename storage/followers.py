"""Queries for role followers: who hears about a role's applicants privately (`RoleFollower`).

A role has a handful of followers and a person follows a few roles, so the lists are read
whole, by the unique (role, person) key and the person index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select

from storage.models import Person, Role, RoleFollower
from storage.repository import Repository

MAX_FOLLOWERS = 500  # a bound on a role's list; a team is far smaller


class RoleFollowerRepository(Repository[RoleFollower]):
    def find(self, role_id: int, person_id: int) -> RoleFollower | None:
        return self.session.scalar(
            select(RoleFollower).where(
                RoleFollower.role_id == role_id, RoleFollower.person_id == person_id
            )
        )

    def follow(self, role_id: int, person_id: int, at: datetime) -> bool:
        """Add the follower; False when they already followed the role."""
        if self.find(role_id, person_id) is not None:
            return False
        self.session.add(RoleFollower(role_id=role_id, person_id=person_id, created_at=at))
        self.session.flush()
        return True

    def unfollow(self, role_id: int, person_id: int) -> bool:
        """Remove the follower; False when they did not follow the role."""
        result = self.session.execute(
            delete(RoleFollower).where(
                RoleFollower.role_id == role_id, RoleFollower.person_id == person_id
            )
        )
        return bool(getattr(result, "rowcount", 0))

    def of_role(self, role_id: int) -> Sequence[Person]:
        """The role's active followers, in the order they followed it."""
        return self.session.scalars(
            select(Person)
            .join(RoleFollower, RoleFollower.person_id == Person.id)
            .where(RoleFollower.role_id == role_id, Person.active.is_(True))
            .order_by(RoleFollower.id)
            .limit(MAX_FOLLOWERS)
        ).all()

    def roles_of(self, person_id: int) -> Sequence[Role]:
        """The roles a person follows, by key."""
        return self.session.scalars(
            select(Role)
            .join(RoleFollower, RoleFollower.role_id == Role.id)
            .where(RoleFollower.person_id == person_id)
            .order_by(Role.key)
            .limit(MAX_FOLLOWERS)
        ).all()
