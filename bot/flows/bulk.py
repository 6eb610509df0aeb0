"""The one confirmation before a "Reject all 7… / Advance all 7…" tap changes anything.

    confirm -> (a reason picked, or "advance") -> each applicant changed, one line each
    confirm -> cancel -> nothing changed

The run holds the applicants' ids and the stage each was in when the button was tapped (never
their names: the prompt reads those afresh), so the confirmation names exactly who will
change, a second tap on an old confirmation changes nothing (`run:version:choice`), and an
applicant someone moved meanwhile is reported by name rather than moved again. Diagram:
docs/flows/bulk.md.
"""

from __future__ import annotations

from bot.domain.errors import InvalidInput
from bot.domain.reasons import OTHER, ReasonChoice
from bot.flows.engine import END, Answer, Choice, DeclaredFlow, FlowSession, Prompt, Steps
from bot.messages.bulk import bulk_reply
from bot.messages.format import plural
from bot.messages.reply import Reply
from bot.services import applicants as applicant_service
from bot.services import bulk
from bot.services.bulk import Selection
from bot.services.context import Context

FLOW = "bulk"
REJECT, ADVANCE = "reject", "advance"
GO = "go"
YES = {"go", "yes", "y", "advance", "confirm"}


def start_bulk_flow(ctx: Context, verb: str, selection: Selection) -> Reply:
    """Ask the person who tapped to confirm, naming each applicant."""
    if not selection.items:
        return Reply(text=f"Nobody to {verb}: no open applicants in {selection.label} now.")
    assert ctx.flows is not None
    return ctx.flows.start_here(
        ctx,
        FLOW,
        data={
            "verb": verb,
            "items": [[applicant_id, stage] for applicant_id, stage in selection.items],
            "total": selection.total,
            "label": selection.label,
        },
    )


def _items(session: FlowSession) -> list[tuple[int, str]]:
    return [(int(i), str(stage)) for i, stage in session.data["items"]]


class ConfirmStep:
    def prompt(self, session: FlowSession) -> Prompt:
        ctx = session.ctx
        items = _items(session)
        verb = str(session.data["verb"])
        found = {a.id: a for a in ctx.uow.applicants.load([i for i, _ in items])}
        lines = []
        for applicant_id, stage in items:
            applicant = found.get(applicant_id)
            if applicant is None:
                lines.append(f"#{applicant_id} (no longer there)")
                continue
            role = applicant_service.role_of(ctx, applicant)
            lines.append(f"#{applicant_id} {applicant.name} — {role.pipeline.label(stage)}")
        total = int(session.data.get("total", len(items)))
        if total > len(items):
            lines.append(f"(the first {len(items)} of {total}; the rest after these)")
        who = plural(len(items), "applicant")
        if verb == REJECT:
            reasons = ctx.catalog.rejection_reasons.reasons
            choices = tuple(Choice(r.key, r.label, "danger") for r in reasons)
            return Prompt(
                f"Reject these {who}? Pick the reason (or type your own); nothing changes "
                "until you do.",
                (*choices, Choice("cancel", "Cancel")),
                title=f"Reject {who} ({session.data['label']})",
                lines=tuple(lines),
            )
        return Prompt(
            f"Advance these {who} to their next stage?",
            (Choice(GO, f"Advance {who}", "primary"), Choice("cancel", "Cancel")),
            title=f"Advance {who} ({session.data['label']})",
            lines=tuple(lines),
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        if str(session.data["verb"]) == ADVANCE:
            if answer.value.lower() in YES:
                return END
            raise InvalidInput("choose Advance or Cancel")
        reasons = session.ctx.catalog.rejection_reasons
        choice = reasons.choose(None, answer.value)
        if choice.reason.key == OTHER and not choice.note:
            raise InvalidInput("pick a reason, or type one")
        session.set(reason=choice.reason.key, note=choice.note)
        return END


class BulkFlow(DeclaredFlow):
    name = FLOW
    title = "Many applicants at once"
    steps = Steps("confirm", {"confirm": ConfirmStep()})
    cancelled_text = "Cancelled; nobody was changed."

    def finish(self, session: FlowSession) -> list[Reply]:
        ctx = session.ctx
        stages = dict(_items(session))
        if str(session.data["verb"]) == ADVANCE:
            result = bulk.apply(
                ctx,
                list(stages),
                lambda i: applicant_service.advance(ctx, i, expected_from=stages[i]),
            )
            return [bulk_reply(ctx.catalog, "Advanced", result)]
        key = str(session.data["reason"])
        note = str(session.data.get("note", ""))
        reasons = ctx.catalog.rejection_reasons
        choice = ReasonChoice(reasons.parse(key), note)
        result = bulk.apply(
            ctx,
            list(stages),
            lambda i: applicant_service.reject(ctx, i, choice, expected_from=stages[i]),
        )
        return [bulk_reply(ctx.catalog, "Rejected", result, f"({choice.text()})")]
