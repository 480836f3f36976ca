"""leases between processes, reply handles any process can use

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 20:00:00

Issue 15 (operators' first day, several processes):
- `leases`: a named lease one process holds until `until` (renewed while it lives), so
  that exactly one process holds the Discord gateway and another takes over when the
  holder dies.
- `reply_handles`: what a private answer needs, stored with the event that caused it —
  a Slack `response_url`, a Discord interaction token — so whichever process delivers the
  reply can answer privately.  Short-lived: each row carries `expires_at` and retention
  deletes it after that (a response_url lasts 30 minutes, an interaction token 15).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "reply_handles",
        sa.Column("cause", sa.String(length=400), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("application_id", sa.String(length=100), nullable=True),
        sa.Column("thinking", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("deferred", sa.Boolean(), nullable=True),
        sa.Column("original_used", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("uses", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("cause"),
    )
    op.create_index("ix_reply_handles_expires_at", "reply_handles", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_reply_handles_expires_at", table_name="reply_handles")
    op.drop_table("reply_handles")
    op.drop_table("leases")
