"""`hirebot config import`: a reviewed file's people and roles become the ones in force, in one
transaction, each change in the audit log as the CLI user's.

The wiring works out what changes (bot/directory.py `plan_import`: each entry before and
after, in config.yaml's shape) and shows it; this applies it. Every person and role it
touches is held by the database from then on (`spec`), like a change from chat, so config.yaml
no longer changes them; one it removes is deactivated (its history stays). The whole
configuration is checked again before anything commits, and the catalog's generation moves
with the commit, so every running process takes the new one at its next event. Callers commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from bot.domain.errors import InvalidInput
from bot.domain.permissions import Permission
from bot.services import audit
from bot.services.context import Context
from storage.models import Person, Role

_Row = TypeVar("_Row", Person, Role)


class Change(Protocol):
    """One entry's change, as the wiring plans it."""

    @property
    def kind(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def before(self) -> dict[str, Any] | None: ...
    @property
    def after(self) -> dict[str, Any] | None: ...
    @property
    def identities(self) -> dict[str, str]: ...
    @property
    def verb(self) -> str: ...


_KINDS = {
    ("person", "add"): "person.added",
    ("person", "change"): "person.changed",
    ("person", "remove"): "person.removed",
    ("role", "add"): "role.opened",
    ("role", "change"): "role.changed",
    ("role", "remove"): "role.removed",
}

_DONE = {"add": "added", "change": "changed", "remove": "removed"}


def apply(ctx: Context, changes: Sequence[Change], *, source: str) -> None:
    """Write every change; raises InvalidInput (nothing kept) if the result is not a valid
    configuration."""
    ctx.actor.require(Permission.ADMIN)
    if ctx.directory is None:
        raise InvalidInput("the configuration cannot be changed from here")
    people = [c for c in changes if c.kind == "person"]
    # Addresses of removed or changed people first, so one moving between two people never
    # trips the unique index.
    for change in people:
        row = ctx.uow.people.by_key(change.key)
        if row is None:
            continue
        keep = change.identities if change.after is not None else {}
        for identity in list(row.identities):
            owned = identity.linked_by == "config" or change.after is None
            if owned and keep.get(identity.channel) != identity.address:
                row.identities.remove(identity)
    ctx.uow.flush()
    for change in people:
        _person(ctx, change)
    for change in changes:
        if change.kind == "role":
            _role(ctx, change)
    ctx.catalog = ctx.directory.check(ctx.uow)
    for change in changes:
        audit.record(
            ctx,
            direction="event",
            kind=_KINDS[(change.kind, change.verb)],
            summary=f"{ctx.actor.name} {_DONE[change.verb]} {change.kind} {change.key} "
            f"by hirebot config import from {source}",
            payload={change.kind: change.key, "import": source},
        )
    ctx.directory_changed = True


class _Rows(Protocol[_Row]):
    """The people's or the roles' table, as an import writes to it."""

    def by_key(self, key: str) -> _Row | None: ...
    def add(self, row: _Row) -> None: ...


def _kept(
    rows: _Rows[_Row], model: type[_Row], change: Change
) -> tuple[_Row, dict[str, Any]] | None:
    """The row to write the change's entry to (found by key, else a new one) and the entry.
    None for an entry the import removes: its row, if any, is deactivated rather than deleted,
    so its history stays, and keeps the spec it last had."""
    row = rows.by_key(change.key)
    entry = change.after
    if entry is None:
        if row is not None:
            row.active = False
            row.spec = change.before
        return None
    if row is None:
        row = model(key=change.key)
        rows.add(row)
    return row, entry


def _person(ctx: Context, change: Change) -> None:
    kept = _kept(ctx.uow.people, Person, change)
    if kept is None:
        return
    row, entry = kept
    row.name, row.roles, row.active = entry["name"], sorted(entry["roles"]), True
    row.timezone = entry.get("timezone") or ctx.catalog.privacy.timezone
    row.spec = entry
    ctx.uow.flush()  # a new person's id, for the addresses that name it
    for channel, address in change.identities.items():
        holder = ctx.uow.people.identity(channel, address)
        if holder is not None and holder.person_id != row.id:
            raise InvalidInput(
                f"{change.key}'s {channel} address {address} belongs to someone else in the "
                "database (linked from chat); unlink it first"
            )
        ctx.uow.people.set_identity(row, channel, address, linked_by="config")


def _role(ctx: Context, change: Change) -> None:
    kept = _kept(ctx.uow.roles, Role, change)
    if kept is None:
        return
    row, entry = kept
    row.title, row.active, row.spec = entry["title"], True, entry
