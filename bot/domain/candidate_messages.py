"""Messages to candidates: which ones exist, their shipped wording, and a role's rules for them.

The wording follows the hiring guides the defaults come from (a screening call, a technical
assessment, interviews, an offer with its scope, IP and confidentiality terms) and is kind:
every candidate hears back, a rejection included. A role overrides any template in config.yaml
(`candidate_messages.templates`); templates are Jinja2 (docs/email.md lists what each gets).
"""

from __future__ import annotations

from dataclasses import dataclass, field

RECEIVED = "received"
INVITATION = "invitation"
RESCHEDULE = "reschedule"
CANCELLATION = "cancellation"
REJECTION = "rejection"
OFFER = "offer"
FREE = "free"
KEYS = (RECEIVED, INVITATION, RESCHEDULE, CANCELLATION, REJECTION, OFFER, FREE)


@dataclass(frozen=True)
class MessageTemplate:
    subject: str
    body: str


_SIGNATURE = "\n\nKind regards,\n{{ recruiter.name }}\n{{ role.team or role.title }}"

DEFAULT_TEMPLATES: dict[str, MessageTemplate] = {
    RECEIVED: MessageTemplate(
        "We received your application for {{ role.title }}",
        "Dear {{ candidate.first_name }},\n\n"
        "Thank you for applying for {{ role.title }}. We read every application: if your "
        "experience fits, we will invite you to a short screening call, followed by a "
        "technical assessment and interviews with the team. We will let you know either "
        "way." + _SIGNATURE,
    ),
    INVITATION: MessageTemplate(
        "Your {{ interview.name }} for {{ role.title }}",
        "Dear {{ candidate.first_name }},\n\n"
        "We would like to invite you to the {{ interview.name }} for {{ role.title }} on "
        "{{ interview.when }} ({{ interview.minutes }} minutes), with "
        "{{ interview.interviewers }}."
        "{% if interview.location %}\n\nWhere: {{ interview.location }}{% endif %}\n\n"
        "A calendar invitation follows separately. If the time does not suit you, just "
        "reply and we will find another." + _SIGNATURE,
    ),
    RESCHEDULE: MessageTemplate(
        "New time for your {{ interview.name }}",
        "Dear {{ candidate.first_name }},\n\n"
        "Your {{ interview.name }} for {{ role.title }} has moved to {{ interview.when }}. "
        "The calendar invitation is updated; reply if the new time does not work for you."
        + _SIGNATURE,
    ),
    CANCELLATION: MessageTemplate(
        "Your {{ interview.name }} is cancelled",
        "Dear {{ candidate.first_name }},\n\n"
        "We are sorry: your {{ interview.name }} for {{ role.title }} on {{ interview.when }} "
        "is cancelled. We will be in touch about what happens next." + _SIGNATURE,
    ),
    REJECTION: MessageTemplate(
        "Your application for {{ role.title }}",
        "Dear {{ candidate.first_name }},\n\n"
        "Thank you for the time you gave us and for your interest in {{ role.title }}. "
        "After careful consideration we have decided not to move forward with your "
        "application. This was not an easy decision, and we would be glad to hear from you "
        "for future openings. We wish you every success." + _SIGNATURE,
    ),
    OFFER: MessageTemplate(
        "Your offer for {{ role.title }}",
        "Dear {{ candidate.first_name }},\n\n"
        "We are delighted to offer you the position of {{ role.title }}.\n\n"
        "Type: {{ offer.type }}\nPay: {{ offer.pay }}\nStart date: {{ offer.start }}\n"
        "{% if offer.terms %}Terms to acknowledge: {{ offer.terms }}\n{% endif %}"
        "\nPlease let us know your answer; the written contract follows." + _SIGNATURE,
    ),
    FREE: MessageTemplate(
        "{{ role.title }}",
        "Dear {{ candidate.first_name }},\n\n{{ message }}" + _SIGNATURE,
    ),
}


@dataclass(frozen=True)
class CandidateMessaging:
    """A role's rules: whether its messages go out without the recruiter's review, whether it
    sends rejections at all, and its own wording for any template."""

    send_unreviewed: bool = False
    rejections: bool = True
    templates: dict[str, MessageTemplate] = field(default_factory=dict)

    def template(self, key: str) -> MessageTemplate:
        return self.templates.get(key) or DEFAULT_TEMPLATES[key]
