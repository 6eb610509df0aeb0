"""Role followers: team members who hear about a role's applicants in their own private chat.

A role's cards go to its shared conversations where a channel has them; where it has none (or
a person simply wants them close), `follow ROLE` sends each new applicant's card, and the
card's changes as the applicant moves, to the follower privately, on the channel their private
messages go to (services/people.py). Who may follow: the role's hiring manager and recruiter,
interviewers (panels are drawn from all of them, so no role is closed to one), and admins.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.catalog import PersonSpec, RoleSpec
from bot.domain.errors import NotFound, PermissionDenied
from bot.domain.permissions import TeamRole
from bot.services import audit, people
from bot.services.context import Context
from bot.services.outbox import Destination
from storage.models import Role

OPEN_TO = (TeamRole.ADMIN, TeamRole.INTERVIEWER)


@dataclass(frozen=True)
class Follower:
    """A follower as notify.py needs them: where their copy goes and what they may read."""

    spec: PersonSpec
    person_id: int
    destination: Destination


def may_follow(person: PersonSpec, role: RoleSpec) -> bool:
    """The role's team (its hiring manager, its recruiter, any interviewer) and admins."""
    if person.key in (role.hiring_manager, role.recruiter):
        return True
    return any(r in person.roles for r in OPEN_TO)


def _role_row(ctx: Context, role: RoleSpec) -> Role:
    row = ctx.uow.roles.by_key(role.key)
    if row is None:  # the directory is synced at start; a role missing here is a config change
        raise NotFound(f"role '{role.key}' is not in the database yet (restart hirebot)")
    return row


def _actor(ctx: Context) -> tuple[PersonSpec, int]:
    person, person_id = ctx.actor.person, ctx.actor.person_id
    if person is None or person_id is None:
        raise PermissionDenied("only team members can follow roles")
    return person, person_id


def follow(ctx: Context, role_key: str) -> tuple[RoleSpec, bool]:
    """Start following a role; (the role, False) when already following it."""
    person, person_id = _actor(ctx)
    role = ctx.catalog.role(role_key)
    if not may_follow(person, role):
        raise PermissionDenied(
            f"only {role.title}'s hiring manager and recruiter, interviewers and admins can "
            f"follow it; ask {ctx.catalog.person(role.recruiter).name} to add you to the team"
        )
    added = ctx.uow.followers.follow(_role_row(ctx, role).id, person_id, ctx.clock.now())
    if added:
        audit.record(
            ctx,
            direction="event",
            kind="role.followed",
            summary=f"{person.name} follows {role.key}",
        )
    return role, added


def unfollow(ctx: Context, role_key: str) -> tuple[RoleSpec, bool]:
    """Stop following a role; (the role, False) when not following it. Anyone may stop."""
    person, person_id = _actor(ctx)
    role = ctx.catalog.role(role_key)
    removed = ctx.uow.followers.unfollow(_role_row(ctx, role).id, person_id)
    if removed:
        audit.record(
            ctx,
            direction="event",
            kind="role.unfollowed",
            summary=f"{person.name} stopped following {role.key}",
        )
    return role, removed


def followed(ctx: Context) -> list[RoleSpec]:
    """The roles the actor follows (those still configured)."""
    _, person_id = _actor(ctx)
    rows = ctx.uow.followers.roles_of(person_id)
    return [ctx.catalog.roles[r.key] for r in rows if r.key in ctx.catalog.roles]


def followers(ctx: Context, role: RoleSpec) -> list[Follower]:
    """The role's followers who may still follow it and can be reached privately on a channel
    this deployment runs; someone who lost their place on the team stops getting cards."""
    row = ctx.uow.roles.by_key(role.key)
    if row is None:
        return []
    found = []
    for person in ctx.uow.followers.of_role(row.id):
        spec = ctx.catalog.people.get(person.key)
        if spec is None or not may_follow(spec, role):
            continue
        destination = people.direct_destination(ctx, person)
        if destination is not None:
            found.append(Follower(spec, person.id, destination))
    return found
