"""The applicant card: what a role's channel sees, with one-tap actions and no personal data."""

from __future__ import annotations

from bot.domain.applicants import initials
from bot.domain.catalog import RoleSpec
from bot.domain.stages import StageKind
from bot.messages.reply import Action, Field, Reply
from storage.models import Applicant

SKILLS_ON_CARD = 8
SCHEDULE_PROMPT = (
    "When and with whom? e.g. 2026-11-25 15:00 with=hina,lucas duration=1h at=https://meet…"
)


def card_key(applicant_id: int) -> str:
    return f"applicant:{applicant_id}"


def display_name(applicant: Applicant, role: RoleSpec) -> str:
    return initials(applicant.name) if role.show_initials else applicant.name


def stage_ref(applicant: Applicant) -> str:
    """Action values carry the stage the button was drawn for, so a double click is harmless."""
    return f"{applicant.id}:{applicant.stage}"


def applicant_actions(applicant: Applicant, role: RoleSpec) -> list[Action]:
    stage = role.pipeline.get(applicant.stage) if applicant.stage in role.pipeline.keys else None
    actions: list[Action] = []
    if stage is not None and stage.kind is StageKind.OPEN:
        target = role.pipeline.advance_target(stage.key)
        # Where hiring needs an accepted offer, only `offer accept` hires: no button that
        # would always be refused.
        hires_by_offer = (
            target is not None and target.kind is StageKind.HIRED and role.offer_required
        )
        if target is not None and not hires_by_offer:
            actions.append(
                Action(
                    id="advance",
                    label=f"Advance to {target.label}",
                    value=stage_ref(applicant),
                    style="primary",
                )
            )
        actions.append(
            Action(
                id="schedule",
                label="Schedule interview",
                value=str(applicant.id),
                input_prompt=SCHEDULE_PROMPT,
            )
        )
        actions.append(
            Action(
                id="reject",
                label="Reject",
                value=stage_ref(applicant),
                style="danger",
                input_prompt="Reason for rejecting",
            )
        )
    actions.append(Action(id="details", label="Details", value=str(applicant.id)))
    return actions


def applicant_card(
    applicant: Applicant, role: RoleSpec, *, last_event: str = "", contact: bool = False
) -> Reply:
    """The card: never email or phone, except on a private copy for a reader who may see them
    (`contact`), where they are private fields that no shared destination accepts."""
    fields = [
        Field(label="Role", value=role.title),
        Field(label="Stage", value=role.pipeline.label(applicant.stage)),
    ]
    if applicant.source:
        fields.append(Field(label="Source", value=applicant.source))
    if applicant.location:
        fields.append(Field(label="Location", value=applicant.location))
    if applicant.skills:
        shown = applicant.skills[:SKILLS_ON_CARD]
        more = len(applicant.skills) - len(shown)
        fields.append(
            Field(label="Skills", value=", ".join(shown) + (f" (+{more})" if more > 0 else ""))
        )
    if applicant.years_experience is not None:
        years = applicant.years_experience
        fields.append(Field(label="Experience", value=f"{years} year{'' if years == 1 else 's'}"))
    for kind, url in sorted(applicant.links.items()):
        fields.append(Field(label=kind.capitalize(), value=str(url)))
    if contact and applicant.email:
        fields.append(Field(label="Email", value=applicant.email, private=True))
    if contact and applicant.phone:
        fields.append(Field(label="Phone", value=applicant.phone, private=True))
    return Reply(
        kind="card",
        title=f"#{applicant.id} {display_name(applicant, role)}",
        text=f"Applicant for {role.title}",
        fields=fields,
        actions=applicant_actions(applicant, role),
        footer=last_event,
        private=False,
    )
