"""What the core knows of a task tracker (Jira, Trello, Asana), with no I/O: a role's tracker
settings, the items hirebot asks a tracker to create, the state it reads back, the errors a
tracker call can end in, and the `Tracker` port each integration (bot/trackers/) implements.

The core never names a tracker product: it asks the port to create or find an item by
hirebot's own key (so a retried creation finds the first one instead of making a second), to
mark one done, and to read items back; each integration maps that onto its API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from bot.domain.failures import RetryableFailure

DUE_SOON = timedelta(days=7)
TITLE_MAX = 200
SCOPE_CHANGE, BLOCKER = "scope-change", "blocker"


class Purpose(StrEnum):
    """Why an item exists: a milestone of the accepted offer, an onboarding step of the role,
    or something a check-in answer reported."""

    MILESTONE = "milestone"
    ONBOARDING = "onboarding"
    SCOPE_CHANGE = SCOPE_CHANGE
    BLOCKER = BLOCKER


class ItemState(StrEnum):
    """hirebot's record of an item: `pending` until the tracker has it, then what the tracker
    says (open or done); `failed` when the tracker refused it for good."""

    PENDING = "pending"
    OPEN = "open"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class TrackerSpec:
    """A role's `tracker:` in config.yaml: which tracker (`kind`) and where in it (`options`:
    a Jira project, a Trello board and list, an Asana workspace and project), with labels
    every item carries and an optional section (Asana) or column."""

    kind: str
    options: Mapping[str, str] = field(default_factory=dict)
    labels: tuple[str, ...] = ()
    section: str = ""

    def __hash__(self) -> int:  # roles sharing a project share its webhook and its sync
        return hash((self.kind, tuple(sorted(self.options.items())), self.labels, self.section))


@dataclass(frozen=True)
class NewItem:
    """One item to create. `key` is hirebot's own, written onto the item (a label, a marker in
    the description, an external id) so a second attempt finds the first."""

    key: str
    title: str
    description: str
    due: date | None
    labels: tuple[str, ...]
    assignee_email: str | None
    link: str


@dataclass(frozen=True)
class RemoteItem:
    """An item as the tracker reports it."""

    external_id: str
    url: str
    done: bool
    due: date | None = None
    key: str = ""  # hirebot's key, when the tracker hands it back


class TrackerError(RetryableFailure):
    """A tracker call failed. `retry_after` (seconds) when the tracker said when to come back
    (a 429's Retry-After); `permanent` when trying again cannot help (bad project, auth)."""


class Tracker(Protocol):
    """The port one tracker integration implements, for one role's `TrackerSpec`."""

    kind: str

    def find(self, spec: TrackerSpec, key: str) -> RemoteItem | None:
        """The item carrying hirebot's `key`, if the tracker has one."""
        ...

    def create(self, spec: TrackerSpec, item: NewItem) -> RemoteItem:
        """Create the item (assigned by e-mail where the tracker knows the person)."""
        ...

    def set_done(self, spec: TrackerSpec, external_id: str, done: bool) -> None:
        """Mark an item done (or open again)."""
        ...

    def fetch(self, spec: TrackerSpec, external_ids: Sequence[str]) -> list[RemoteItem]:
        """The current state of these items (the polling fallback, `hirebot trackers sync`)."""
        ...

    def register_webhook(self, spec: TrackerSpec, callback_url: str) -> str:
        """Ask the tracker to call `callback_url` on changes; what it answered (an id)."""
        ...


@dataclass(frozen=True)
class ItemChange:
    """A change a tracker reported (by webhook or a sync): the item, and what it now is."""

    kind: str
    external_id: str
    done: bool | None = None  # None: unchanged or not said
    due: date | None = None
    due_known: bool = False  # whether `due` was reported (None then means cleared)
    event_id: str = ""
    refresh: bool = False  # the tracker said only that it changed: read it back


class MilestoneState(StrEnum):
    DONE = "done"
    LATE = "late"
    DUE_SOON = "due soon"
    OPEN = "open"


def milestone_state(done: bool, due: date | None, today: date) -> MilestoneState:
    """Done wins; else late past its due day, due soon within a week, else open."""
    if done:
        return MilestoneState.DONE
    if due is not None and due < today:
        return MilestoneState.LATE
    if due is not None and due - today <= DUE_SOON:
        return MilestoneState.DUE_SOON
    return MilestoneState.OPEN


def item_key(applicant_id: int, purpose: Purpose, position: int, offer_id: int | None) -> str:
    """hirebot's key on an item: stable for one applicant, offer and position, and made only of
    characters every tracker keeps in a label (letters, digits, dashes)."""
    offer = f"-o{offer_id}" if offer_id is not None else ""
    return f"hirebot-a{applicant_id}{offer}-{purpose.value}-{position}"


# Answers that report nothing: "no", "none", … (the check-in flow blanks 'skip' already).
_NOTHING = frozenset(
    {
        "no",
        "nope",
        "none",
        "nothing",
        "no change",
        "no changes",
        "not really",
        "all good",
        "n/a",
        "na",
        "-",
        "no blockers",
        "nothing new",
        "same",
        "unchanged",
    }
)


def reports_something(answer: str) -> bool:
    """Whether a check-in answer reports a scope change or a blocker (not 'no', 'none', …)."""
    words = answer.strip().lower().rstrip(".!")
    return bool(words) and words not in _NOTHING
