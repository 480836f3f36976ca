"""schedules: a session's end time, venue and video link

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 15:10:00

Facilitators announce sessions the way the seed did — "Wednesday 23rd January in Room 8 of
the Town Hall at 10 – 12" — and the reminder must carry the room and the end time, or people
go back to the email. `ends_at` is stored as the first session's end; a recurring session
keeps the same length, so later ends are `next_at + (ends_at - first_at)`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("venue", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("link", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_column("link")
        batch_op.drop_column("venue")
        batch_op.drop_column("ends_at")
