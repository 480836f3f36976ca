"""The set's do's: small practical tips, collected by reaction into a toolkit.

`register(router)` wires the whole feature; the parts live in one module per concept:

- `dos_prepare` — fetching a reacted-to message the adapter could not describe;
- `dos_capture` — reactions in, do's saved (thresholds, self-reactions, merging, undo);
- `bot.dos.save_as_do` — "Save as do" from a message's menu: one person's choice saves it;
- `dos_consent` — asking the author first for a message from a round's thread;
- `dos_search`  — finding do's (FTS5 / PostgreSQL full-text search) and loading them;
- `dos_weekly`  — the weekly "do of the week" and the do shown in a round's Opening;
- `bot.dos.export` — the toolkit as Markdown, CSV or one self-contained HTML page.

The commands (`/als dos [terms] [page N]`, `random`, `remove <id>`, `export [md|csv|html]`)
are here; `add <text>` is `bot.dos.typed`.  Replies that show a do put its text in a
`Plain` part, never in markup.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import delete, select, update

from bot.commands.values import DosAdd, DosExport, DosRandom, DosRemove, DosSearch
from bot.context import Ctx, Refusal
from bot.counts import counted
from bot.dos import capture, consent, export_file, prepare, save_as_do, typed, weekly
from bot.dos import search as do_search
from bot.dos.common import (
    DOS,
    REACTIONS,
    REMOVED,
    SAVED,
    SOURCES,
    DoInfo,
    do_line,
    emoji_label,
    get_do,
)
from bot.dos.do_text import snippet
from bot.events import CommandInvoked, MessageSaved, ReactionAdded, ReactionRemoved
from bot.outbox import MAKE_FILE
from bot.replies import Ephemeral, Plain, Strong, Text, text
from bot.rounds import hooks as rounds_hooks
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.sets.exports import store_for_export, the_set
from bot.sets.hooks import SETTINGS_CHANGED
from bot.store.db import Store


def register(router: Router) -> None:

    router.command(DosSearch, search)
    router.command(DosRandom, random)
    router.command(DosRemove, remove)
    router.command(DosExport, export)
    router.command(DosAdd, typed.add)
    router.prepare(ReactionAdded, prepare.make_preparer())
    router.event(ReactionAdded, capture.on_reaction_added)
    router.event(ReactionRemoved, capture.on_reaction_removed)
    router.event(MessageSaved, save_as_do.on_message_saved)
    router.button("do", consent.on_button)
    router.timer(consent.KIND, consent.on_timer)
    router.timer(weekly.KIND, weekly.on_timer)
    router.hook(MAKE_FILE, export_file.make)
    router.hook(rounds_hooks.OPENING, weekly.opening_do)
    router.hook(SETTINGS_CHANGED, weekly.on_setting_changed)


def _private(event: CommandInvoked, body: Text) -> Ephemeral:
    return Ephemeral(channel=event.channel, user=event.user, text=body, thread=event.thread)


def _how_to_save(ctx: Ctx, set_info: SetInfo) -> str:
    emoji = emoji_label(capture.set_emoji(ctx, set_info))
    return f"React {emoji} to a message with a small, practical tip to save it as a do."


async def search(ctx: Ctx, event: CommandInvoked, command: DosSearch) -> None:
    set_info = sets.command_set(ctx)
    page = await do_search.search(ctx.conn, set_info.id, command.terms, command.page)
    wanted = " ".join(page.terms)
    if page.total == 0:
        if not wanted:
            ctx.emit(
                _private(event, text("This set has no do's yet. " + _how_to_save(ctx, set_info)))
            )
        else:
            ctx.emit(_private(event, text("No do's match “", Plain(wanted), "”.")))
        return
    if not page.items:
        raise Refusal(
            f"There {'is' if page.pages == 1 else 'are'} only {counted(page.pages, 'page')} of do's for that."
        )
    head = text(Strong("Do's"))
    if wanted:
        head += text(" matching “", Plain(wanted), "”")
    head += f" — {page.total} found, newest first"
    if page.pages > 1:
        head += f" (page {page.page} of {page.pages})"
    body = head
    for do in page.items:
        body += text("\n• ") + do_line(do)
    if page.page < page.pages:
        more = f"{wanted} page {page.page + 1}".strip()
        body += text("\nMore: `/als dos ", Plain(more), "`")
    ctx.emit(_private(event, body))


async def random(ctx: Ctx, event: CommandInvoked, _command: DosRandom) -> None:
    set_info = sets.command_set(ctx)
    do = await do_search.random_do(ctx.conn, set_info.id)
    if do is None:
        ctx.emit(_private(event, text("This set has no do's yet. " + _how_to_save(ctx, set_info))))
        return
    ctx.emit(_private(event, text("🎲 ") + _shown(do)))


def _shown(do: DoInfo) -> Text:
    return text(Strong(f"Do #{do.id}"), ": ", Plain(snippet(do.text, 600)))


async def remove(ctx: Ctx, event: CommandInvoked, command: DosRemove) -> None:
    do = await get_do(ctx, command.do_id)
    if do is None:
        raise Refusal(f"There is no do #{command.do_id}.")
    set_info = await sets.get_set(ctx, do.set_id)
    here = sets.command_set_if_any(ctx)
    if here is not None and here.id != set_info.id:
        raise Refusal(f"Do #{do.id} belongs to another set.")
    ctx.set_id = set_info.id
    if do.author_key != event.user.key:
        await sets.require_facilitator(ctx, set_info, event.user, "remove someone else's do")
    await forget_do(ctx, do.id)
    ctx.emit(_private(event, text(f"Removed do #{do.id}; its text is no longer kept.")))


async def forget_do(ctx: Ctx, do_id: int) -> None:
    """Remove a do and its text; its messages stay `removed` so reactions cannot bring it back."""
    keys = [
        r[0]
        for r in await ctx.conn.execute(
            select(SOURCES.c.message_key).where(SOURCES.c.do_id == do_id)
        )
    ]
    await ctx.conn.execute(
        update(SOURCES)
        .where(SOURCES.c.do_id == do_id)
        .values(status=REMOVED, do_id=None, text="", saved_at=None)
    )
    if keys:
        await ctx.conn.execute(delete(REACTIONS).where(REACTIONS.c.message_key.in_(keys)))
    await ctx.conn.execute(delete(DOS).where(DOS.c.id == do_id, DOS.c.status == SAVED))


async def export(ctx: Ctx, event: CommandInvoked, command: DosExport) -> None:
    """Asks for the file (`bot.dos.export_file`): it is made when it is delivered."""
    set_info = sets.command_set(ctx)
    any_do = await ctx.conn.execute(
        select(DOS.c.id).where(DOS.c.set_id == set_info.id, DOS.c.status == SAVED).limit(1)
    )
    if any_do.first() is None:
        ctx.emit(_private(event, text(export_file.NOTHING + " " + _how_to_save(ctx, set_info))))
        return
    await export_file.check_rate(ctx, event.user)
    ctx.emit(export_file.request(set_info, command.format, event.user, event.channel, ctx.now))


# --------------------------------------------------------------------------- `alsbot export dos`


async def export_from_url(
    url: str, fmt: str, channel_key: str | None, now: datetime
) -> tuple[str, bytes, int]:
    """(file name, content, how many do's) for one set's toolkit; reads, never writes."""
    async with store_for_export(url) as store:
        return await export_from_store(store, fmt, channel_key, now)


async def export_from_store(
    store: Store, fmt: str, channel_key: str | None, now: datetime
) -> tuple[str, bytes, int]:
    async with store.read() as conn:
        set_info = await the_set(conn, channel_key, nothing="so no do's")
        dos, links = await export_file.read_rows(conn, set_info.id)
    count, (filename, content) = await asyncio.to_thread(
        export_file.render_rows, fmt, dos, links, set_info, now
    )
    return filename, content, count
