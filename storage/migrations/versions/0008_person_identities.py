"""person identities: one address per channel, instead of a column per platform

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("linked_by", sa.String(length=16), nullable=False),
        sa.Column("verified_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_person_identities_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_identities")),
        sa.UniqueConstraint("channel", "address", name="uq_person_identities_channel_address"),
        sa.UniqueConstraint("person_id", "channel", name="uq_person_identities_person_channel"),
    )
    # Slack ids only ever came from config.yaml; Telegram ids were learned by linking (or
    # copied from config.yaml, which re-marks them as its own on the next start).
    op.execute(
        "INSERT INTO person_identities (person_id, channel, address, linked_by) "
        "SELECT id, 'slack', slack_id, 'config' FROM people WHERE slack_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO person_identities (person_id, channel, address, linked_by) "
        "SELECT id, 'telegram', CAST(telegram_id AS VARCHAR(32)), 'code' FROM people "
        "WHERE telegram_id IS NOT NULL"
    )
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_constraint("uq_people_slack_id", type_="unique")
        batch_op.drop_constraint("uq_people_telegram_id", type_="unique")
        batch_op.drop_column("slack_id")
        batch_op.drop_column("telegram_id")


def downgrade() -> None:
    with op.batch_alter_table("people") as batch_op:
        batch_op.add_column(sa.Column("slack_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("telegram_id", sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint("uq_people_slack_id", ["slack_id"])
        batch_op.create_unique_constraint("uq_people_telegram_id", ["telegram_id"])
    op.execute(
        "UPDATE people SET slack_id = (SELECT address FROM person_identities i "
        "WHERE i.person_id = people.id AND i.channel = 'slack')"
    )
    op.execute(
        "UPDATE people SET telegram_id = (SELECT CAST(address AS BIGINT) FROM person_identities i "
        "WHERE i.person_id = people.id AND i.channel = 'telegram')"
    )
    # Addresses on channels the old schema had no column for are dropped with the table.
    op.drop_table("person_identities")
