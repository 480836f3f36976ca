"""`/als dos add <text>`: a do typed in rather than reacted to.

It is saved exactly as a reacted-to message would be — a source (the typed words, its
author the person who typed them) made part of a new do, or merged into the set's do that
says the same thing (`saving.do_for`) — so the toolkit, search, exports, `forget-me` and the
undo rules see one kind of do whichever way it came.  The source's key names the command
event (`typed:<event key>`): unique, and never a platform message a reaction could name.
"""

from __future__ import annotations

from sqlalchemy import insert

from bot.commands.values import DosAdd
from bot.context import Ctx, Refusal
from bot.dos.common import SAVED, SOURCES
from bot.dos.do_text import normalise_text, snippet
from bot.dos.saving import do_for, merge_into
from bot.events import CommandInvoked
from bot.replies import Ephemeral, Plain, Strong, text
from bot.sets import records as sets

MIN_WORDS, MAX_CHARS = 2, 1000
SOURCE_PREFIX = "typed:"


def read_do(raw: str) -> str:
    """The do's words, or a `Refusal` saying what a do needs."""
    body = " ".join(raw.split())
    if len(body) > MAX_CHARS:
        raise Refusal(f"A do is a small, practical tip: at most {MAX_CHARS:,} characters.")
    if len(normalise_text(body).split()) < MIN_WORDS:
        raise Refusal(
            "Say the do in a few words, e.g. `/als dos add Ask what they have already tried "
            "#listening`."
        )
    return body


async def add(ctx: Ctx, event: CommandInvoked, command: DosAdd) -> None:
    set_info = sets.command_set(ctx)
    ctx.set_id = set_info.id
    body = read_do(command.text)
    existing, do_id = await do_for(ctx, set_info.id, body, event.user.key, [event.user.key])
    if existing is not None:
        await merge_into(ctx, existing, body, [event.user.key])
    await ctx.conn.execute(
        insert(SOURCES).values(
            do_id=do_id,
            set_id=set_info.id,
            message_key=SOURCE_PREFIX + event.key,
            author_key=event.user.key,
            text=body,
            permalink=None,
            status=SAVED,
            created_at=ctx.now,
            saved_at=ctx.now,
        )
    )
    if existing is not None:
        said = text(
            "That's already in the toolkit as ",
            Strong(f"do #{do_id}"),
            " (it says the same), so I've added you to it: “",
            Plain(snippet(existing.text, 280)),
            "”.",
        )
    else:
        said = text(
            "Saved as ",
            Strong(f"do #{do_id}"),
            ": “",
            Plain(snippet(body, 280)),
            f"”. Find it with `/als dos`; `/als dos remove {do_id}` takes it out again.",
        )
    ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=said, thread=event.thread))
