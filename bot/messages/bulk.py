"""The answer to a bulk action: one line per applicant, those that could not be changed named
with the reason, so nobody has to work out who was left behind."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from bot.domain.catalog import Catalog
from bot.messages.format import plural
from bot.messages.reply import Action, Reply

BULK_ACTION = "bulk"

if TYPE_CHECKING:
    from bot.services.bulk import BulkResult
    from storage.models import Applicant


def _who(applicant: Applicant | None, applicant_id: int) -> str:
    return f"#{applicant_id} {applicant.name}" if applicant is not None else f"#{applicant_id}"


def _label(catalog: Catalog, applicant: Applicant, stage: str) -> str:
    role = catalog.roles.get(applicant.role.key)
    return role.pipeline.label(stage) if role is not None else stage


def bulk_reply(catalog: Catalog, done_verb: str, result: BulkResult, what: str = "") -> Reply:
    """`done_verb` as the title reads it ("Rejected", "Advanced", "Moved"); `what` follows the
    count ("for not enough experience", "to Technical assessment")."""
    changed = [r for r in result.done if r.changed]
    lines = []
    for moved in result.done:
        applicant = moved.applicant
        to_label = _label(catalog, applicant, moved.to_stage)
        if moved.changed:
            step = f"{_label(catalog, applicant, moved.from_stage)} → {to_label}"
            lines.append(f"{_who(applicant, applicant.id)}: {step}")
        else:
            lines.append(f"{_who(applicant, applicant.id)}: already in {to_label}")
    for failure in result.failed:
        lines.append(
            f"not changed: {_who(failure.applicant, failure.applicant_id)} — {failure.problem}"
        )
    total = len(result.done) + len(result.failed)
    title = f"{done_verb} {len(changed)} of {plural(total, 'applicant')}"
    if what:
        title += f" {what}"
    kind: Literal["success", "error", "info"] = (
        "success" if changed else ("error" if result.failed else "info")
    )
    footer = ""
    if result.failed and result.done:
        footer = f"{plural(len(result.failed), 'applicant')} not changed; the others were"
    elif result.failed:
        footer = "nobody was changed"
    return Reply(kind=kind, title=title, lines=lines, footer=footer)


def bulk_actions(scope: str, count: int) -> list[Action]:
    """ "Advance all 7…" and "Reject all 7…" under a list, a search or a nudge. `scope` says how
    to find those applicants again (handlers/bulk.py reads it); the tap first asks one
    confirmation naming every applicant it would change, so nothing moves on a slip."""
    if count < 2:
        return []
    return [
        Action(id=BULK_ACTION, label=f"Advance all {count}…", value=f"advance:{scope}"),
        Action(
            id=BULK_ACTION, label=f"Reject all {count}…", value=f"reject:{scope}", style="danger"
        ),
    ]
