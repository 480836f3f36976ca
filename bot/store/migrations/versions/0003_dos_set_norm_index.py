"""do's: one index on (set_id, norm_text) for the merge lookup

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 20:30:00

Saving a do first looks for a do of the same set saying the same thing
(`set_id = ? AND norm_text = ?`).  With one index on each column, SQLite (which has no
statistics unless ANALYZE runs) chose `ix_dos_set_id` and read every do of the set on
every save: measured in `bench/slack_event_path.py`, the save slowed as the set grew.  The
composite index answers that lookup directly and makes `ix_dos_norm_text`, never used
without `set_id`, redundant.  Plain `op.create_index`/`op.drop_index`, not a batch
operation: a batch move-and-copy of `dos` would drop 0002's FTS triggers.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dos_set_id_norm_text", "dos", ["set_id", "norm_text"], unique=False)
    op.drop_index("ix_dos_norm_text", table_name="dos")


def downgrade() -> None:
    op.create_index("ix_dos_norm_text", "dos", ["norm_text"], unique=False)
    op.drop_index("ix_dos_set_id_norm_text", table_name="dos")
