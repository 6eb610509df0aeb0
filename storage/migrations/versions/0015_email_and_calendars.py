"""e-mail: an interview's calendar SEQUENCE and whether the candidate is invited; outbox
destinations long enough for any e-mail address; when a candidate unsubscribed; a person's
calendar feed token

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("notify_candidate", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "destination", existing_type=sa.String(length=100), type_=sa.String(length=320)
        )
    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unsubscribed_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_token", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_people_calendar_token", ["calendar_token"])


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint("uq_people_calendar_token", type_="unique")
        batch_op.drop_column("calendar_token")
    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.drop_column("unsubscribed_at")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "destination", existing_type=sa.String(length=320), type_=sa.String(length=100)
        )
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_column("notify_candidate")
        batch_op.drop_column("sequence")
