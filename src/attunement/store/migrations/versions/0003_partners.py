"""partners: invites, pairs, support maps, check-ins, support suggestions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:36:20.212369
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkins",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("mood", sa.Integer(), nullable=False),
        sa.Column("context", sa.String(length=20), nullable=True),
        sa.Column("text", sa.LargeBinary(), nullable=True),
        sa.Column("emotions", sa.LargeBinary(), nullable=True),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkins_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkins_person_id"), ["person_id"], unique=False)

    op.create_table(
        "pair_invites",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("inviter_id", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["inviter_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    with op.batch_alter_table("pair_invites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pair_invites_inviter_id"), ["inviter_id"], unique=False)

    op.create_table(
        "pairs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("person_a", sa.String(length=32), nullable=False),
        sa.Column("person_b", sa.String(length=32), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unlinked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_a"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_b"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pairs_person_a"), ["person_a"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairs_person_b"), ["person_b"], unique=False)

    op.create_table(
        "support_maps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("context", sa.String(length=20), nullable=False),
        sa.Column("helps", sa.JSON(), nullable=False),
        sa.Column("not_helpful", sa.JSON(), nullable=False),
        sa.Column("words", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "context"),
    )
    with op.batch_alter_table("support_maps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_maps_person_id"), ["person_id"], unique=False)

    op.create_table(
        "support_suggestions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("pair_id", sa.String(length=32), nullable=False),
        sa.Column("checkin_id", sa.String(length=32), nullable=False),
        sa.Column("supporter_id", sa.String(length=32), nullable=False),
        sa.Column("supported_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("propensity", sa.Float(), nullable=False),
        sa.Column("policy_version", sa.String(length=40), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["checkin_id"], ["checkins.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pair_id"], ["pairs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supported_id"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supporter_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("support_suggestions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_suggestions_pair_id"), ["pair_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_support_suggestions_supported_id"), ["supported_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_support_suggestions_supporter_id"), ["supporter_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("support_suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_suggestions_supporter_id"))
        batch_op.drop_index(batch_op.f("ix_support_suggestions_supported_id"))
        batch_op.drop_index(batch_op.f("ix_support_suggestions_pair_id"))

    op.drop_table("support_suggestions")
    with op.batch_alter_table("support_maps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_maps_person_id"))

    op.drop_table("support_maps")
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairs_person_b"))
        batch_op.drop_index(batch_op.f("ix_pairs_person_a"))

    op.drop_table("pairs")
    with op.batch_alter_table("pair_invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pair_invites_inviter_id"))

    op.drop_table("pair_invites")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkins_person_id"))
        batch_op.drop_index(batch_op.f("ix_checkins_created_at"))

    op.drop_table("checkins")
