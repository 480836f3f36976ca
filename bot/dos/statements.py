"""The statements every do reaction runs, built once.

Building a statement and its cache key cost more than SQLite's work for it (measured in
`bench/slack_event_path.py`), and each statement through SQLAlchemy costs tens of
microseconds whatever it does, so the hot path also asks for as few as it can: the set and
the message's source in one, a new do unless one says the same in one, and the source's
claim naming its do in one.  SET values come from the parameters' column names; WHERE
parameters are named `b_…`, an inserted row's values `v_…` where both appear.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Text, bindparam, cast, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.dos.common import COUNTING, DOS, REACTIONS, SAVED, SOURCES
from bot.store.lean import Lean
from bot.store.models import Set as SetRow
from bot.store.upsert import insert_ignore

SETS = SetRow.__table__

SOURCE = select(SOURCES).where(SOURCES.c.message_key == bindparam("b_message_key"))
# The channel's set and the message's source (if any) in one statement: every do reaction
# needs both.
SET_AND_SOURCE = (
    select(
        SETS,
        SOURCES.c.status.label("source_status"),
        SOURCES.c.do_id.label("source_do_id"),
    )
    .select_from(SETS.outerjoin(SOURCES, SOURCES.c.message_key == bindparam("b_message_key")))
    .where(SETS.c.channel_key == bindparam("b_channel_key"))
)
REACTORS = (
    select(REACTIONS.c.user_key)
    .where(REACTIONS.c.message_key == bindparam("b_message_key"))
    .order_by(REACTIONS.c.created_at, REACTIONS.c.id)
)
REACTORS_BUT_AUTHOR = REACTORS.where(REACTIONS.c.user_key != bindparam("b_author_key"))
_SAME_TEXT_WHERE = (
    DOS.c.set_id == bindparam("b_set_id"),
    DOS.c.norm_text == bindparam("b_norm"),
    DOS.c.status == SAVED,
)
SAME_TEXT = select(DOS).where(*_SAME_TEXT_WHERE).order_by(DOS.c.id).limit(1)
NEW_COLUMNS = ("set_id", "text", "norm_text", "author_key", "saved_by", "tags", "status")
# A new do unless the set has one saying the same thing: one statement on the usual path.
NEW_DO_UNLESS_SAME = (
    insert(DOS)
    .from_select(
        [*NEW_COLUMNS, "created_at"],
        select(
            *(bindparam(f"v_{c}", type_=DOS.c[c].type) for c in NEW_COLUMNS),
            bindparam("v_created_at", type_=DOS.c.created_at.type),
        ).where(~exists().where(*_SAME_TEXT_WHERE)),
    )
    .returning(DOS.c.id)
)
SOURCE_SAVED = update(SOURCES).where(SOURCES.c.id == bindparam("b_id"))


@lru_cache(maxsize=4)
def claim_statement(dialect: str) -> Any:
    """Insert the source row already claimed, or claim a `counting` one: one statement.

    `ON CONFLICT DO UPDATE … WHERE status = 'counting'` returns no row when the source
    is already past counting, on SQLite and PostgreSQL alike, which is what makes only one
    event (a retry, a second reactor, another process) the one that saves."""
    module = sqlite if dialect == "sqlite" else postgresql
    stmt = module.insert(SOURCES)
    return stmt.on_conflict_do_update(
        index_elements=[SOURCES.c.message_key],
        set_={
            "status": stmt.excluded.status,
            "text": stmt.excluded.text,
            "author_key": stmt.excluded.author_key,
            "do_id": stmt.excluded.do_id,
            "saved_at": stmt.excluded.saved_at,
        },
        where=SOURCES.c.status == COUNTING,
    ).returning(SOURCES.c.id)


# The statements every do reaction runs, through `bot.store.lean` (SQLite's own cursor).


@lru_cache(maxsize=4)
def lean_set_source_and_reactors(dialect: str) -> Lean:
    """`SET_AND_SOURCE` and, as a JSON array in `reactors`, who has reacted to the message
    so far, in the order they reacted: one statement where the do path took two."""
    mine = REACTIONS.c.message_key == bindparam("b_message_key")
    if dialect == "postgresql":
        order = postgresql.aggregate_order_by(
            REACTIONS.c.user_key, REACTIONS.c.created_at, REACTIONS.c.id
        )
        agg = select(func.coalesce(cast(func.json_agg(order), Text), "[]")).where(mine)
    else:  # SQLite aggregates in the order its subquery gives the rows
        ordered = (
            select(REACTIONS.c.user_key)
            .where(mine)
            .order_by(REACTIONS.c.created_at, REACTIONS.c.id)
            .subquery()
        )
        agg = select(func.json_group_array(ordered.c.user_key))
    return Lean(SET_AND_SOURCE.add_columns(agg.scalar_subquery().label("reactors")))


LEAN_REACTORS = Lean(REACTORS)
LEAN_REACTORS_BUT_AUTHOR = Lean(REACTORS_BUT_AUTHOR)
LEAN_NEW_DO_UNLESS_SAME = Lean(NEW_DO_UNLESS_SAME)


@lru_cache(maxsize=4)
def lean_claim(dialect: str) -> Lean:
    return Lean(claim_statement(dialect))


@lru_cache(maxsize=4)
def lean_note_reaction(dialect: str) -> Lean:
    return Lean(insert_ignore(REACTIONS, dialect, ["message_key", "user_key"]))
