"""do's: full-text search, save times, do of the week

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00

Adds `do_sources.saved_at` (when a source became a do: the 10-minute undo window counts
from it), `dos.featured_at` (the last "do of the week") and `do_reactions.emoji` (so that
removing a reaction needs no set lookup: a Discord thread is its own channel).

Search, outside the models (`bot.store.migrate.include_name` keeps them out of the
model comparison):

- SQLite: `dos_fts`, an FTS5 table with external content (`content='dos'`), kept in step
  with `dos` by three triggers, so every writer (the do's service, forget-me's deletes, a
  set's cascade) keeps the index right.  Created only when this SQLite has FTS5; without
  it `bot.dos.search` falls back to LIKE.  A later migration that rebuilds `dos`
  with `batch_alter_table` (move and copy) drops these triggers and must create them again.
- PostgreSQL: `dos_fts_gin`, a GIN index on `to_tsvector('simple', text)`; queries use the
  same expression so the planner can use it.  'simple' (no stemming, no stop words) matches
  what FTS5's unicode61 tokenizer does, so search behaves the same on both databases.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import OperationalError

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE dos_fts USING fts5("
    "text, content='dos', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER dos_fts_ai AFTER INSERT ON dos BEGIN "
    "INSERT INTO dos_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER dos_fts_ad AFTER DELETE ON dos BEGIN "
    "INSERT INTO dos_fts(dos_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER dos_fts_au AFTER UPDATE OF text ON dos BEGIN "
    "INSERT INTO dos_fts(dos_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO dos_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO dos_fts(dos_fts) VALUES ('rebuild')",
]
PG_INDEX = "CREATE INDEX dos_fts_gin ON dos USING gin (to_tsvector('simple'::regconfig, text))"


def upgrade() -> None:
    with op.batch_alter_table("do_reactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("emoji", sa.String(length=100), nullable=True))
    with op.batch_alter_table("do_sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("saved_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("dos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("featured_at", sa.DateTime(timezone=True), nullable=True))

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        try:
            with bind.begin_nested():
                for statement in SQLITE_FTS:
                    bind.exec_driver_sql(statement)
        except OperationalError:  # this SQLite has no FTS5: search falls back to LIKE
            pass
    elif bind.dialect.name == "postgresql":
        op.execute(PG_INDEX)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("dos_fts_ai", "dos_fts_ad", "dos_fts_au"):
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        bind.exec_driver_sql("DROP TABLE IF EXISTS dos_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS dos_fts_gin")
    with op.batch_alter_table("dos", schema=None) as batch_op:
        batch_op.drop_column("featured_at")
    with op.batch_alter_table("do_sources", schema=None) as batch_op:
        batch_op.drop_column("saved_at")
    with op.batch_alter_table("do_reactions", schema=None) as batch_op:
        batch_op.drop_column("emoji")
