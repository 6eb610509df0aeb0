"""one queue vocabulary: a scheduled task being run is `working`, as an inbox event being handled

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 16:00:00

The inbox and the tasks now store the same four words for the queue's states (pending,
working, done, failed); the tasks said `running` where the inbox says `working`.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE scheduled_tasks SET status = 'working' WHERE status = 'running'")


def downgrade() -> None:
    op.execute("UPDATE scheduled_tasks SET status = 'running' WHERE status = 'working'")
