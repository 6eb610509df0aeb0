"""Applications from the careers page: the intake API's own path (`intake.submit`: the card
in the role's channel, dedup by role + email, the audit trail), plus the CV file and the
"application received" hook.

The hook is a scheduled task of kind APPLICATION_RECEIVED, written in the same transaction
as the applicant, so it survives a restart and runs once. Its job drafts the "application
received" e-mail for the recruiter to review where e-mail is set up (services/candidate_mail),
and records that nothing was sent where it is not.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain import candidate_messages
from bot.domain.applicants import FieldValue
from bot.domain.errors import NotFound
from bot.services import audit, candidate_mail, cv_files, intake, tasks
from bot.services.context import Actor, Context
from bot.services.cv_files import Upload
from bot.services.intake import Submission
from storage.models import ScheduledTask

CAREERS_CHANNEL = "careers"
VIA = "the careers page"
APPLICATION_RECEIVED = "application.received"
REQUIRED = ("name", "email")


def careers_actor() -> Actor:
    """The system acting for a candidate on the public pages (nobody signs in there)."""
    return Actor("system", CAREERS_CHANNEL)


def apply(
    ctx: Context,
    role_key: str,
    fields: Mapping[str, FieldValue],
    *,
    cv: Upload | None,
    problems: Mapping[str, str],
) -> Submission:
    """Create the applicant from the form, keep their CV, plan the acknowledgement. Caller
    commits. A second application with the same email returns the first, unchanged (the
    page says the same either way, so it tells nobody who has applied)."""
    role = ctx.catalog.roles.get(role_key.strip().lower())
    if role is None or not role.posting.published or role.closed:
        raise NotFound("this role is not open for applications")
    submission = intake.submit(
        ctx,
        role.key,
        {**fields, "source": VIA},
        idempotency_key=None,
        body_fingerprint="",
        request_line=f"POST /jobs/{role.key}/apply",
        channel=CAREERS_CHANNEL,
        via=VIA,
        required=REQUIRED,
        problems=problems,
    )
    applicant = submission.applicant
    if not submission.created:
        return submission
    if cv is not None:
        row = cv_files.store(ctx, applicant, cv)
        audit.domain_event(
            ctx,
            "applicant.cv",
            f"CV received from the careers page ({row.content_type}, {row.size:,} bytes)",
            applicant.id,
            file_id=row.id,
        )
    tasks.schedule(
        ctx,
        APPLICATION_RECEIVED,
        f"applicant:{applicant.id}",
        ctx.clock.now(),
        key=f"{APPLICATION_RECEIVED}:{applicant.id}",
    )
    return submission


def acknowledge(ctx: Context, task: ScheduledTask) -> str:
    """The job for APPLICATION_RECEIVED: the "application received" e-mail, drafted for the
    recruiter to review (sent at once for a role that sends unreviewed); where e-mail is not
    set up, nothing, and the task's result says so."""
    return candidate_mail.draft_for_recruiter(
        ctx, int(task.subject.split(":", 1)[1]), candidate_messages.RECEIVED
    )
