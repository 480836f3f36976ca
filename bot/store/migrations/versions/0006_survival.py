"""inbox retries, reaction variants, adapters' durable state

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:45:00

Issue 14 (surviving real platforms):
- `inbox.not_before`, `inbox.attempts`: an event whose preparation failed for now (a
  `conversations.history` 429 or 5xx, a timeout) is tried again later instead of being
  handled without its message, and does not hold up the events behind it.
- `do_reactions.variants`: one person may react with several variants of the do emoji
  (skin tones, Discord's burst "super" reactions); they count once, and only removing the
  last of them takes the person's reaction away.
- `adapter_state`: small named values an adapter must keep across restarts (Discord's
  gateway session id and last durable sequence, so it can RESUME and catch up).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("do_reactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variants", sa.String(length=400), nullable=True))
    op.create_table(
        "adapter_state",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("adapter_state")
    with op.batch_alter_table("do_reactions", schema=None) as batch_op:
        batch_op.drop_column("variants")
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_column("attempts")
        batch_op.drop_column("not_before")
