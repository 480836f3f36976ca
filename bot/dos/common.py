"""What the do's modules share: the tables, a do as read back, and a do as chat text.

A do's text is what someone wrote, so in chat it is always a `Plain` part: the adapter
escapes it, and `<!channel>` or `@everyone` inside a do never pings anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.context import Ctx
from bot.dos.do_text import snippet
from bot.emoji_names import as_character
from bot.replies import Plain, Strong, Text, text
from bot.store.models import Do, DoReaction, DoSource

DOS = Do.__table__
SOURCES = DoSource.__table__
REACTIONS = DoReaction.__table__

# A do_sources row moves through these.  Only `counting` can become `pending` or `saved`;
# the last three are final, and their text is wiped.
COUNTING, PENDING, SAVED = "counting", "pending", "saved"
DECLINED, EXPIRED, REMOVED = "declined", "expired", "removed"
FINAL = (DECLINED, EXPIRED, REMOVED)


@dataclass(frozen=True, slots=True)
class DoInfo:
    id: int
    set_id: int
    text: str
    author_key: str | None
    saved_by: list[str]
    tags: list[str]
    created_at: datetime


def do_info(row: Any) -> DoInfo:
    return DoInfo(
        row.id,
        row.set_id,
        row.text,
        row.author_key,
        list(row.saved_by or []),
        list(row.tags or []),
        row.created_at,
    )


async def get_do(ctx: Ctx, do_id: int) -> DoInfo | None:
    row = (
        await ctx.conn.execute(select(DOS).where(DOS.c.id == do_id, DOS.c.status == SAVED))
    ).first()
    return do_info(row) if row else None


def do_line(do: DoInfo, *, limit: int = 280) -> Text:
    """`#12 Ask what they have tried already #listening` — the number is the bot's."""
    return text(Strong(f"#{do.id}"), " ", Plain(snippet(do.text, limit)))


def emoji_label(name: str) -> str:
    """✅ for `white_check_mark`; `:custom:` for an emoji with no Unicode character."""
    return as_character(name) or f":{name}:"
