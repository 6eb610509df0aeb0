"""the outbox speaks the queue's words too, and gives up on rows left `inline`

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 18:30:00

The outbox stored its own words for the queue's states (pending, sending, sent, dead); it now
stores the inbox's and the tasks' (pending, working, done, failed), so `hirebot inbox`,
`hirebot outbox`, `hirebot jobs` and /metrics say one thing. `sent_at` keeps its name: it is
the outbox's `done` stamp (when the platform accepted the message).

Rows left with status `inline` by a version before answers given inline stopped being rows
(an answer posted through a response URL, whose "sent" mark was lost in a restart, or whose
post was under way then) were never claimed, counted or purged. Most of them did arrive, so
sending them again unasked could repeat an answer long after the question: they are given up
(`failed`) with a reason saying so, which `hirebot outbox` shows and `hirebot outbox retry ID`
acts on (the worker then sends the row to the conversation it names). The downgrade restores
every word, those rows' `inline` included.

No constraint or index names a status value (the status index is on the column), so rewriting
the values is the whole change.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Old word -> new word, in the order the upgrade applies them (the downgrade goes back).
WORDS = (("sending", "working"), ("sent", "done"), ("dead", "failed"))
LEFT_INLINE = (
    "left 'inline' before the upgrade to 0021: answered in the exchange that asked, not known "
    "to have arrived; `hirebot outbox retry ID` sends it to its conversation"
)


def _rename(old: str, new: str) -> None:
    op.get_bind().execute(
        sa.text("UPDATE outbox SET status = :new WHERE status = :old"), {"old": old, "new": new}
    )


def upgrade() -> None:
    for old, new in WORDS:
        _rename(old, new)
    op.get_bind().execute(
        sa.text("UPDATE outbox SET status = 'failed', last_error = :why WHERE status = 'inline'"),
        {"why": LEFT_INLINE},
    )


def downgrade() -> None:
    op.get_bind().execute(
        sa.text(
            "UPDATE outbox SET status = 'inline', last_error = NULL"
            " WHERE status = 'failed' AND last_error = :why"
        ),
        {"why": LEFT_INLINE},
    )
    for old, new in reversed(WORDS):
        _rename(new, old)
