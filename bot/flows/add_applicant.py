"""Guided add: asks for an applicant's details one at a time (`add` alone, in a private chat).

    role -> name -> email -> phone -> source -> skills -> resume -> confirm -> (added)

Each answer is validated as it is given; a bad one is asked again with the reason, and the
answers so far are kept. Optional questions take 'skip'. Diagram: docs/flows/add_applicant.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.applicants import ApplicantDraft
from bot.domain.errors import InvalidInput
from bot.flows.engine import END, Answer, Choice, DeclaredFlow, FlowSession, Prompt, Steps
from bot.messages.reply import Reply, success
from bot.services import applicants as service

SKIP = ("skip", "-", "none", "no")
SOURCES = ("referral", "careers page", "linkedin", "job board", "agency")


def _optional(answer: Answer) -> str | None:
    value = answer.value
    return None if value.lower() in SKIP else value


class RoleStep:
    def prompt(self, session: FlowSession) -> Prompt:
        roles = session.ctx.catalog.roles.values()
        return Prompt(
            "Which role are they applying for?",
            tuple(Choice(r.key, r.title) for r in roles),
            hint="tap a role or type its key",
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        role = session.ctx.catalog.role(answer.value)
        session.set(role=role.key)
        return "name"


@dataclass
class TextStep:
    question: str
    key: str
    next_state: str
    check: Callable[[FlowSession, str], str]
    optional: bool = False
    choices: tuple[Choice, ...] = ()

    def prompt(self, session: FlowSession) -> Prompt:
        hint = "type it, or 'skip'" if self.optional else "type it"
        return Prompt(self.question, self.choices, hint=hint, free_text=True)

    def answer(self, session: FlowSession, answer: Answer) -> str:
        value = _optional(answer) if self.optional else answer.value
        session.set(**{self.key: self.check(session, value) if value else ""})
        if not self.optional and not session.data.get(self.key):
            raise InvalidInput(f"{self.key} is needed")
        return self.next_state


class ConfirmStep:
    def prompt(self, session: FlowSession) -> Prompt:
        data = session.data
        role = session.ctx.catalog.role(str(data["role"]))
        lines = tuple(
            f"{label}: {data.get(key) or '—'}"
            for label, key in (
                ("Name", "name"),
                ("Email", "email"),
                ("Phone", "phone"),
                ("Source", "source"),
                ("Skills", "skills"),
                ("Resume", "resume"),
            )
        )
        return Prompt(
            f"Add this applicant to {role.title}?",
            (
                Choice("add", "Add", "primary"),
                Choice("restart", "Start over"),
                Choice("cancel", "Cancel", "danger"),
            ),
            lines=lines,
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        word = answer.value.lower()
        if word in {"add", "yes", "y"}:
            return END
        if word in {"restart", "start over"}:
            return "role"
        raise InvalidInput("choose Add, Start over or Cancel")


def _field_rule(field: str) -> Callable[[FlowSession, str], str]:
    """An answer is checked by the applicant model's rule for its field, as the final add
    checks it again."""

    def check(session: FlowSession, value: str) -> str:
        return ApplicantDraft.check(field, value, phone_region=session.ctx.catalog.phone_region)

    return check


class AddApplicantFlow(DeclaredFlow):
    name = "add_applicant"
    title = "New applicant"
    steps = Steps(
        "role",
        {
            "role": RoleStep(),
            "name": TextStep("Their full name?", "name", "email", _field_rule("name")),
            "email": TextStep(
                "Email address?", "email", "phone", _field_rule("email"), optional=True
            ),
            "phone": TextStep(
                "Phone number?", "phone", "source", _field_rule("phone"), optional=True
            ),
            "source": TextStep(
                "Where did they come from?",
                "source",
                "skills",
                _field_rule("source"),
                optional=True,
                choices=tuple(Choice(f"{s}", s.capitalize()) for s in SOURCES),
            ),
            "skills": TextStep(
                "Key skills, comma-separated (e.g. python, postgres, kubernetes)?",
                "skills",
                "resume",
                _field_rule("skills"),
                optional=True,
            ),
            "resume": TextStep(
                "Link to their resume or profile?",
                "resume",
                "confirm",
                _field_rule("resume"),
                optional=True,
            ),
            "confirm": ConfirmStep(),
        },
    )
    cancelled_text = "Cancelled: nobody was added."

    def finish(self, session: FlowSession) -> list[Reply]:
        data = {k: str(v) for k, v in session.data.items() if v}
        role_key = data.pop("role")
        draft = ApplicantDraft.from_fields(
            role_key, data, phone_region=session.ctx.catalog.phone_region
        )
        result = service.add(session.ctx, draft, via=f"{session.ctx.actor.channel} (guided)")
        applicant = result.applicant
        if not result.created:
            return [
                Reply(
                    text=f"{applicant.name} has already applied for that role with that email: "
                    f"#{applicant.id}. Nothing added."
                )
            ]
        return [
            success(f"Added #{applicant.id} {applicant.name}; their card goes to the role channel.")
        ]
