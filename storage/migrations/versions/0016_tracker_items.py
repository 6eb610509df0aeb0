"""tracker items and webhooks: a hire's milestones and onboarding steps in the role's tracker

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 12:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tracker_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicants.id"],
            name=op.f("fk_tracker_items_applicant_id_applicants"),
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_tracker_items_offer_id_offers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracker_items")),
        sa.UniqueConstraint("key", name=op.f("uq_tracker_items_key")),
    )
    op.create_index(
        "ix_tracker_items_applicant", "tracker_items", ["applicant_id", "purpose", "position"]
    )
    op.create_index("ix_tracker_items_external", "tracker_items", ["kind", "external_id"])
    op.create_index("ix_tracker_items_due", "tracker_items", ["purpose", "state", "due"])
    op.create_table(
        "tracker_webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracker_webhooks")),
        sa.UniqueConstraint("kind", "target", name=op.f("uq_tracker_webhooks_kind")),
    )


def downgrade() -> None:
    op.drop_table("tracker_webhooks")
    op.drop_index("ix_tracker_items_due", table_name="tracker_items")
    op.drop_index("ix_tracker_items_external", table_name="tracker_items")
    op.drop_index("ix_tracker_items_applicant", table_name="tracker_items")
    op.drop_table("tracker_items")
