"""What every use case needs to know about the request it serves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from bot.clock import Clock
from bot.domain.catalog import Catalog, PersonSpec
from bot.domain.errors import NotFound, PermissionDenied
from bot.domain.permissions import Permission, require
from bot.domain.user_directory import UserDirectory
from bot.services.catalog_source import Directory
from storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from bot.flows.engine import FlowEngine


class AboutAnApplicant(Protocol):
    @property
    def applicant_id(self) -> int: ...


Row = TypeVar("Row", bound=AboutAnApplicant)


@dataclass
class Actor:
    """Who is acting: a configured person, or the system itself (imports, schedules)."""

    channel: str
    ref: str
    person_id: int | None = None
    person: PersonSpec | None = None

    @property
    def name(self) -> str:
        return self.person.name if self.person else self.ref or "hirebot"

    @property
    def timezone(self) -> str:
        """The zone times are shown to the actor in and the times they type are read in: their
        own, or UTC for the system and for someone hirebot does not know."""
        return self.person.timezone if self.person else "UTC"

    def require(self, permission: Permission) -> None:
        if self.person is None:
            if self.channel == "system":
                return
            raise PermissionDenied("you are not in hirebot's people directory")
        require(self.person.roles, permission)

    def can(self, permission: Permission) -> bool:
        if self.person is None:
            return self.channel == "system"
        return self.person.can(permission)


@dataclass
class Context:
    uow: UnitOfWork
    catalog: Catalog
    clock: Clock
    actor: Actor
    correlation_id: str
    channels: frozenset[str]
    applicant_id: int | None = None
    conversation: str = ""
    private: bool = True
    flows: FlowEngine | None = None
    queued: int = 0  # outbox rows left for the delivery worker (not answered inline)
    # When queued messages may leave, if not `clock`: a scheduled run acting as of another
    # instant (`jobs run-due --at`) still sends what it produced now, not at that instant.
    sending_clock: Clock | None = None
    # People or roles changed (services/team.py, services/roles.py): the catalog's generation
    # is bumped with the commit, and the catalog rebuilt after it.
    directory_changed: bool = False
    # config.yaml and the database together, to check such a change before it commits (None:
    # a caller that changes neither).
    directory: Directory | None = None
    # The user directories of the channels this deployment runs, by channel name (lookups
    # when someone is added: services/lookups.py); empty where no channel keeps one.
    user_directories: Mapping[str, UserDirectory] = field(default_factory=dict)

    def touch(self, applicant_id: int) -> None:
        """Remember which applicant this request concerns, so the audit log links to it."""
        self.applicant_id = applicant_id

    def found(self, row: Row | None, missing: str) -> Row:
        """A row looked up by the id someone typed (an interview, an offer, a check-in), which
        this request is then about; NotFound saying `missing` when there is none."""
        if row is None:
            raise NotFound(missing)
        self.touch(row.applicant_id)
        return row
