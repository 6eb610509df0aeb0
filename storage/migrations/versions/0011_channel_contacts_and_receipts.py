"""channel contacts (another id, last inbound, last invitation) and outbox receipts

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 12:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("alias", sa.String(length=128), nullable=True),
        sa.Column("last_inbound_at", UTCDateTime(), nullable=True),
        sa.Column("invited_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_contacts")),
        sa.UniqueConstraint("channel", "address", name="uq_channel_contacts_channel_address"),
        sa.UniqueConstraint("channel", "alias", name="uq_channel_contacts_channel_alias"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("receipt_at", UTCDateTime(), nullable=True))
        batch_op.create_index("ix_outbox_channel_external_ref", ["channel", "external_ref"])


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_channel_external_ref")
        batch_op.drop_column("receipt_at")
        batch_op.drop_column("receipt")
    op.drop_table("channel_contacts")
