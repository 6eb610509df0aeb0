"""Queries that find one candidate's personal data wherever it is stored: the rows linked to
them (for an export or an erasure) and every free-text column that may still quote them.

An erasure or an export concerns one candidate: the linked rows are read by their indexed
applicant_id; the free-text search is a LIKE per column (a superset), and the caller checks
each row it returns before changing anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import ColumnElement, String, cast, or_, select

from storage.models import (
    AuditEvent,
    CheckinResponse,
    Feedback,
    FlowRun,
    InboundEvent,
    Interview,
    Note,
    Offer,
    OutboxMessage,
    SavedSearch,
    ScheduledTask,
    StageMove,
    TrackerItem,
)
from storage.queue import OUTBOX
from storage.repository import Queries

# A trace's SQL test of one text column: true for rows that may quote the candidate.
Quotes = Callable[[Any], ColumnElement[bool]]

# Every free-text column, searched for rows not linked to them that still quote them; JSON
# columns are searched in their text form.
_FREE_TEXT: dict[Any, tuple[str, ...]] = {
    AuditEvent: ("summary", "payload"),
    OutboxMessage: ("payload", "last_error"),
    InboundEvent: ("payload", "last_error"),  # payloads of events not yet handled
    Note: ("text",),
    StageMove: ("reason",),
    FlowRun: ("data",),
    Feedback: ("strengths", "concerns", "ratings"),
    Interview: ("cancel_reason",),
    Offer: ("decision_reason", "outside_range_reason"),
    CheckinResponse: ("answers",),
    SavedSearch: ("query",),
    ScheduledTask: ("result", "last_error"),
    TrackerItem: ("title", "last_error"),
}


def _as_text(column: Any) -> Any:
    return column if isinstance(column.type, String) else cast(column, String)


class PersonalDataRepository(Queries):
    def linked(self, model: Any, applicant_id: int) -> list[Any]:
        """Rows of `model` (any table with an applicant_id) linked to the applicant, oldest
        first."""
        return list(self._of_applicant(model, applicant_id))

    def checkin_responses(self, checkin_id: int) -> list[CheckinResponse]:
        return list(
            self.session.scalars(
                select(CheckinResponse)
                .where(CheckinResponse.checkin_id == checkin_id)
                .order_by(CheckinResponse.id)
            )
        )

    def flow_runs_about(self, applicant_id: int) -> list[FlowRun]:
        """Runs whose data names the applicant. The id sits inside JSON data, so this reads
        every run; flow runs are few (one per open conversation, ended ones purged)."""
        return [
            run
            for run in self.session.scalars(select(FlowRun).order_by(FlowRun.id))
            if run.data.get("applicant_id") == applicant_id
        ]

    def quoting(self, quotes: Quotes) -> Iterator[tuple[Any, str]]:
        """(row, attribute) for every free-text column of every table that may quote them."""
        for model, attributes in _FREE_TEXT.items():
            for attribute in attributes:
                column = _as_text(getattr(model, attribute))
                for row in self.session.scalars(select(model).where(quotes(column))):
                    yield row, attribute

    def delivered_messages(self, applicant_id: int, quotes: Quotes) -> list[OutboxMessage]:
        """Messages delivered with a platform id (so they can be edited) that are linked to
        the applicant or may quote them."""
        return list(
            self.session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.status == OUTBOX.states.done,
                    OutboxMessage.external_ref.is_not(None),
                    OutboxMessage.kind == "message",
                    or_(
                        OutboxMessage.applicant_id == applicant_id,
                        quotes(_as_text(OutboxMessage.payload)),
                    ),
                )
            )
        )
