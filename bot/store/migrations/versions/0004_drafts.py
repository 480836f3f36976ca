"""drafts: what a person said, held privately until they confirm it

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 13:50:00

A DM is no longer saved as an outcome update, nor a round message as an action, on a
guess: the bot holds the words here, shows them to their author alone with buttons, and
only their yes turns a draft into a record others can see.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("user_key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["set_id"], ["sets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drafts_set_id"), ["set_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_drafts_user_key"), ["user_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drafts_user_key"))
        batch_op.drop_index(batch_op.f("ix_drafts_set_id"))
    op.drop_table("drafts")
