"""Who may do what, by hiring-team role: a table, so it can be reviewed at a glance."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from bot.domain.errors import PermissionDenied


class TeamRole(StrEnum):
    ADMIN = "admin"
    RECRUITER = "recruiter"
    HIRING_MANAGER = "hiring_manager"
    INTERVIEWER = "interviewer"
    MEMBER = "member"  # a new hire or contractor: checked in with, no hiring permissions


class Permission(StrEnum):
    VIEW = "view applicants"
    VIEW_CONTACT = "see applicants' email and phone"
    ADD = "add applicants"
    MOVE = "move, reject or withdraw applicants"
    BULK = "move or reject many applicants at once"
    SCHEDULE = "schedule, reschedule or cancel interviews"
    OFFER = "draft offers and record the candidate's answer"
    CHECKIN = "start, pause or end check-ins with hires"
    NOTE = "add notes"
    HISTORY = "read an applicant's history"
    SEE_FEEDBACK = "read every interviewer's feedback"
    REPORTS = "see hiring reports (funnel, time to hire, sources, interviewers' calibration)"
    ADMIN = "administer hirebot"


_ALL = frozenset(Permission)
_TEAM = frozenset(
    {
        Permission.VIEW,
        Permission.VIEW_CONTACT,
        Permission.ADD,
        Permission.MOVE,
        Permission.BULK,
        Permission.SCHEDULE,
        Permission.OFFER,
        Permission.CHECKIN,
        Permission.NOTE,
        Permission.HISTORY,
        Permission.SEE_FEEDBACK,
    }
)

ROLE_PERMISSIONS: dict[TeamRole, frozenset[Permission]] = {
    TeamRole.ADMIN: _ALL,
    TeamRole.RECRUITER: _TEAM,
    TeamRole.HIRING_MANAGER: _TEAM | {Permission.REPORTS},
    TeamRole.INTERVIEWER: frozenset({Permission.VIEW, Permission.NOTE}),
    TeamRole.MEMBER: frozenset(),
}


def permissions_for(roles: Iterable[TeamRole]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def granted_by(permission: Permission) -> list[TeamRole]:
    """The hiring-team roles that carry a permission, in the table's order."""
    return [role for role, granted in ROLE_PERMISSIONS.items() if permission in granted]


def require(roles: Iterable[TeamRole], permission: Permission) -> None:
    """Refuse politely when none of the person's roles allows it, naming the permission the
    action itself needs (not a neighbouring one) and which roles carry it, so the person knows
    whom to ask."""
    roles = list(roles)
    if permission not in permissions_for(roles):
        held = ", ".join(r.value for r in roles) or "no hiring-team role"
        who = ", ".join(r.value for r in granted_by(permission))
        raise PermissionDenied(
            f"you need permission to {permission.value} (your roles: {held}; "
            f"roles that have it: {who})"
        )
