"""attendance, per-set web links, display names

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 01:00:00

Issue 17 (how is our set doing?):
- `attendance`: who took part in each session (spoke in the round, pressed one of its
  buttons, rated it, or pressed [I'm here]) — one row per person and session, the first way
  they showed up.  A person's own record: in `export-me`, gone with `forget-me`.
- `web_links`: the unguessable token that names a set's toolkit and report pages; rotating
  it replaces the row, so the old links answer 404.
- `display_names`: people's names as the platform gave them, cached for the web pages
  (which must not show platform ids), with when they were fetched.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_key", sa.String(length=300), nullable=False),
        sa.Column("how", sa.String(length=16), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "user_key"),
    )
    op.create_index("ix_attendance_user_key", "attendance", ["user_key"])
    op.create_table(
        "web_links",
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["set_id"], ["sets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("set_id"),
        sa.UniqueConstraint("token"),
    )
    op.create_table(
        "display_names",
        sa.Column("user_key", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_key"),
    )


def downgrade() -> None:
    op.drop_table("display_names")
    op.drop_table("web_links")
    op.drop_index("ix_attendance_user_key", table_name="attendance")
    op.drop_table("attendance")
