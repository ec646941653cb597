"""written practice: replies to scenarios, how they were read, their scores

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "written_attempts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("scenario_id", sa.String(length=80), nullable=False),
        sa.Column("recommendation_id", sa.String(length=32), nullable=True),
        sa.Column("previous_attempt_id", sa.String(length=32), nullable=True),
        sa.Column("reply", sa.LargeBinary(), nullable=True),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("strategy", sa.String(length=40), nullable=False),
        sa.Column("acknowledged", sa.JSON(), nullable=False),
        sa.Column("missed", sa.JSON(), nullable=False),
        sa.Column("suggestions", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("skill", sa.String(length=40), nullable=False),
        sa.Column("skill_before", sa.Float(), nullable=False),
        sa.Column("skill_after", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recommendation_id"], ["recommendations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("written_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_written_attempts_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_written_attempts_recorded_at"), ["recorded_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("written_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_written_attempts_recorded_at"))
        batch_op.drop_index(batch_op.f("ix_written_attempts_person_id"))
    op.drop_table("written_attempts")
