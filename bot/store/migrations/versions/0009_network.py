"""offers and wants, match proposals, prompts of the week, pairs

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 03:00:00

Issue 18 (keep the network alive between sessions):
- `network_items`: a person's offers and wants in a set, with tags and an expiry.
- `match_proposals`: a want and an offer proposed to both people; unique per pair, so a
  declined proposal is never made again; both answers, the conversation opened, the outcome.
- `set_prompts`: a set's own prompts of the week; `prompt_posts`: which prompt was posted in
  which local week (never the replies).
- `pairings` and `pair_members`: pairs introduced between sessions and whether they met.
- `people.pairs`: a person's opt-out from pairs (default in).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "people", sa.Column("pairs", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.create_table(
        "network_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("author_key", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.Column("reminded_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(["set_id"], ["sets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_network_items_set_id", "network_items", ["set_id"])
    op.create_index("ix_network_items_author_key", "network_items", ["author_key"])
    op.create_table(
        "match_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("want_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("wanter_key", sa.String(length=300), nullable=False),
        sa.Column("offerer_key", sa.String(length=300), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("want_answer", sa.String(length=8), nullable=True),
        sa.Column("offer_answer", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("opened_at", _WHEN, nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(["set_id"], ["sets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["want_id"], ["network_items.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["offer_id"], ["network_items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("want_id", "offer_id"),
    )
    op.create_index("ix_match_proposals_set_id", "match_proposals", ["set_id"])
    op.create_index("ix_match_proposals_offer_id", "match_proposals", ["offer_id"])
    op.create_index("ix_match_proposals_wanter_key", "match_proposals", ["wanter_key"])
    op.create_index("ix_match_proposals_offerer_key", "match_proposals", ["offerer_key"])
    op.create_table(
        "set_prompts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["set_id"], ["sets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_set_prompts_set_id", "set_prompts", ["set_id"])
    op.create_index("ix_set_prompts_added_by", "set_prompts", ["added_by"])
    op.create_table(
        "prompt_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("prompt_key", sa.String(length=40), nullable=False),
        sa.Column("posted_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["set_id"], ["sets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("set_id", "week"),
    )
    op.create_table(
        "pairings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("starter", sa.Text(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["set_id"], ["sets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pairings_set_id", "pairings", ["set_id"])
    op.create_table(
        "pair_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("user_key", sa.String(length=300), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pairing_id", "user_key"),
    )
    op.create_index("ix_pair_members_user_key", "pair_members", ["user_key"])


def downgrade() -> None:
    op.drop_index("ix_pair_members_user_key", table_name="pair_members")
    op.drop_table("pair_members")
    op.drop_index("ix_pairings_set_id", table_name="pairings")
    op.drop_table("pairings")
    op.drop_table("prompt_posts")
    op.drop_index("ix_set_prompts_added_by", table_name="set_prompts")
    op.drop_index("ix_set_prompts_set_id", table_name="set_prompts")
    op.drop_table("set_prompts")
    for name in ("offerer_key", "wanter_key", "offer_id", "set_id"):
        op.drop_index(f"ix_match_proposals_{name}", table_name="match_proposals")
    op.drop_table("match_proposals")
    op.drop_index("ix_network_items_author_key", table_name="network_items")
    op.drop_index("ix_network_items_set_id", table_name="network_items")
    op.drop_table("network_items")
    op.drop_column("people", "pairs")
