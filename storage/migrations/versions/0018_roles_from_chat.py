"""roles from chat: a role's entry as config.yaml would write it, and the catalog's generation

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 15:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spec", sa.JSON(), nullable=True))
    op.create_table(
        "catalog_generations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_generations")),
    )


def downgrade() -> None:
    op.drop_table("catalog_generations")
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.drop_column("spec")
