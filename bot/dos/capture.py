"""Capturing do's: a reaction with the set's do emoji saves the message it is on.

The rules (issue 6):

- only reactions with the set's `do_emoji` count, in a channel that has a set;
- distinct people count, never the author unless the set's `do_allow_self` is on; the
  message is saved when `do_threshold` people have reacted;
- reactions on the bot's messages (or on messages whose author is unknown) are ignored,
  and so are the bot's own reactions (the adapters never send those);
- a message is saved at most once, however often and from wherever its reactions arrive:
  `do_sources.message_key` is unique, and only the event that moves its row out of
  `counting` saves it;
- a do whose normalised text matches an existing do of the set is merged into it, with
  both sources kept;
- a message in a round's thread is confidential: its author is asked first
  (`bot.dos.consent`);
- removing every qualifying reaction within `UNDO_WINDOW` of the save undoes it;
- a message whose text the platform withheld (Discord without the MESSAGE_CONTENT intent)
  is never saved empty: the set's facilitators are told, once, in the platform's words
  (`PlatformTraits.unreadable`);
- a message the bot may not read, or could not read on any try, is not saved: the reactor
  is told privately to use "Save as do" (`PlatformTraits.save_as_do`); a deleted message
  says nothing.

Nothing is kept of a message below the threshold but who reacted: its text is stored only
once it is saved (or while its author is asked).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from bot.context import Ctx
from bot.dos import consent
from bot.dos import statements as q
from bot.dos.common import (
    COUNTING,
    DOS,
    FINAL,
    PENDING,
    SAVED,
    SOURCES,
    emoji_label,
)
from bot.dos.saving import (
    add_saver,
    chosen,
    do_for,
    merge_into,
    note_reaction,
    reactors,
    rest_on_remaining_sources,
    source_row,
    take_back_reaction,
)
from bot.emoji_names import normalise_emoji
from bot.events import MessageSaved, ReactionAdded, ReactionRemoved
from bot.refs import ChannelRef, MessageRef
from bot.replies import Direct, Ephemeral, text
from bot.router import PrepareAgain
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.store.models import Posted
from bot.store.models import Set as SetRow

log = logging.getLogger(__name__)
POSTED = Posted.__table__
SETS = SetRow.__table__
UNDO_WINDOW = timedelta(minutes=10)
TOLD_UNREADABLE = "_dos_unreadable_told"  # a marker in the set's settings, not a setting

# --------------------------------------------------------------------------- reading


def set_emoji(ctx: Ctx, set_info: SetInfo) -> str:
    return normalise_emoji(str(set_info.setting(ctx, "do_emoji"))) or "white_check_mark"


async def is_round_thread(ctx: Ctx, thread: MessageRef | None) -> bool:
    """True for the thread of any round (running or ended): what is said there is
    confidential."""
    if thread is None:
        return False
    handle = (
        await ctx.conn.execute(select(POSTED.c.handle).where(POSTED.c.message_key == thread.key))
    ).scalar()
    return bool(handle and handle.startswith("session:") and handle.endswith(":header"))


async def claim_source(
    ctx: Ctx,
    set_info: SetInfo,
    event: ReactionAdded | MessageSaved,
    status: str,
    do_id: int | None = None,
) -> int | None:
    """Move the message's source row from `counting` to `status` (saved into `do_id`);
    None if another event already did (a retry, a second reactor, another process).
    Also "Save as do" (`bot.dos.save_as_do`): one row per message however it is saved."""
    assert event.author is not None and event.text is not None
    claimed = (
        await q.lean_claim(ctx.dialect).run(
            ctx.conn,
            {
                "set_id": set_info.id,
                "message_key": event.message.key,
                "author_key": event.author.key,
                "text": event.text,
                "permalink": ctx.traits.permalink(event.message),
                "status": status,
                "created_at": ctx.now,
                "do_id": do_id,
                "saved_at": ctx.now if status == SAVED else None,
            },
        )
    ).first()
    return claimed[0] if claimed else None


async def set_and_source(ctx: Ctx, where: ChannelRef, message: MessageRef) -> Any:
    """The set of channel `where` with `message`'s source row (`source_status`,
    `source_do_id`; None when it has none) and `reactors`; None when `where` has no set."""
    return (
        await q.lean_set_source_and_reactors(ctx.dialect).run(
            ctx.conn, {"b_channel_key": where.key, "b_message_key": message.key}
        )
    ).first()


# --------------------------------------------------------------------------- events


async def with_do_emoji(ctx: Ctx, event: ReactionAdded) -> tuple[Any, SetInfo, str] | None:
    """The message's source row (with its set's columns, and `reactors`: see
    `with_this_reactor`), the set and its do emoji, when the reaction is in a set's channel
    (or a thread of it) with that set's do emoji.

    The first rule both of capture and of the preparer deciding whether to fetch the
    message (`bot.dos.prepare.needs_fetch`), so the two cannot drift apart."""
    where = event.thread.channel if event.thread is not None else event.message.channel
    found = await set_and_source(ctx, where, event.message)
    if found is None:
        return None
    set_info = sets.info_from_row(found)
    emoji = set_emoji(ctx, set_info)
    return (found, set_info, emoji) if normalise_emoji(event.emoji) == emoji else None


def with_this_reactor(found: Any, event: ReactionAdded, allow_self: bool) -> list[str]:
    """The people whose reaction counts once this one is noted, in the order they reacted:
    those the row read before it (`reactors`), then this reactor if new — what
    `bot.dos.saving.reactors` would read after noting it, without the statement."""
    assert event.author is not None
    author = event.author.key
    people = [p for p in json.loads(found.reactors or "[]") if allow_self or p != author]
    if event.user.key not in people and (allow_self or event.user.key != author):
        people.append(event.user.key)
    return people


async def on_reaction_added(ctx: Ctx, event: ReactionAdded) -> None:
    key = event.message.key
    in_set = await with_do_emoji(ctx, event)
    if in_set is None or event.author is None:
        return  # not the do emoji, or the bot's (or an unknown author's) message
    found, set_info, emoji = in_set
    status, saved_do = found.source_status, found.source_do_id  # status None: no source yet
    if {event.user.workspace, event.author.workspace} != {set_info.channel.workspace}:
        return  # not of the set's installation (Slack Connect guests are filed under it)
    allow_self = bool(set_info.setting(ctx, "do_allow_self"))
    if event.user == event.author and not allow_self:
        return
    ctx.set_id = set_info.id
    if status in FINAL:
        return  # declined, expired or removed: never again
    await note_reaction(ctx, key, event.user.key, emoji, event.variant)
    if status == SAVED:
        await add_saver(ctx, saved_do, event.user.key)
        return
    if status == PENDING:
        return  # the author is being asked
    people = with_this_reactor(found, event, allow_self)
    if len(people) < int(set_info.setting(ctx, "do_threshold")):
        return
    if event.text is None:
        if event.unread == ReactionAdded.SKIPPED:  # prepared before the count moved on
            raise PrepareAgain(f"{key} reached the do threshold after it was prepared")
        if event.unread in (ReactionAdded.FAILED, ReactionAdded.REFUSED):
            _tell_reactor(ctx, event, _could_not_read(ctx, event, emoji))
            return
        log.info("do reaction on %s: the message is gone", key)  # deleted: nothing to say
        return
    if not event.text.strip():
        await _tell_unreadable(ctx, set_info, event)
        return
    confidential = await is_round_thread(ctx, event.thread)
    if confidential and event.author.key not in people:
        source_id = await claim_source(ctx, set_info, event, PENDING)
        if source_id is None:
            return
        await consent.ask(ctx, set_info, source_id, event.author, event.text)
        _tell_reactor(
            ctx,
            event,
            text(
                "That message is from a round's thread, which is confidential, so I've asked "
                "its author before adding it to the set's do's."
            ),
        )
        return
    # The do first, so that the claim names it (one statement fewer than claiming, then
    # saving); a lost claim, possible only with several processes, takes a new do back.
    existing, do_id = await do_for(ctx, set_info.id, event.text, event.author.key, people)
    if await claim_source(ctx, set_info, event, SAVED, do_id) is None:
        if existing is None:
            await ctx.conn.execute(delete(DOS).where(DOS.c.id == do_id))
        return
    merged = existing is not None
    if merged:
        await merge_into(ctx, existing, event.text, people)
    how = f"merged into do #{do_id}, which says the same" if merged else f"saved as do #{do_id}"
    _tell_reactor(
        ctx,
        event,
        text(
            f"{emoji_label(emoji)} That message is {how}. Find it with `/als dos`; removing every "
            f"{emoji_label(emoji)} within 10 minutes undoes this."
        ),
    )


def _could_not_read(ctx: Ctx, event: ReactionAdded, emoji: str) -> Any:
    """Why a reaction saved nothing, and what will: "Save as do" hands the bot the message
    itself, so it works where reading was refused or rate-limited (a distributed Slack app
    reads once a minute; an app without the history scope, never)."""
    label = emoji_label(emoji)
    where = ctx.traits.of(event.message.channel.workspace.platform).save_as_do
    if event.unread == ReactionAdded.REFUSED:
        why = "I'm not allowed to read that message"
        instead = (
            f"To save it, use “Save as do” {where}: that hands me the message itself."
            if where
            else "Ask whoever runs alsbot to let it read this conversation."
        )
    else:
        why = "I couldn't read that message in time (the chat platform was busy or did not answer)"
        instead = (
            f"To save it now, use “Save as do” {where}; or try again later: remove your "
            f"{label} and add it again."
            if where
            else f"Please try again later: remove your {label} and add it again."
        )
    return text(f"{label} {why}, so your {label} did not save it as a do. {instead}")


def _tell_reactor(ctx: Ctx, event: ReactionAdded, body: Any) -> None:
    where = event.thread.channel if event.thread is not None else event.message.channel
    ctx.emit(Ephemeral(channel=where, user=event.user, text=body, thread=event.thread))


async def _tell_unreadable(ctx: Ctx, set_info: SetInfo, event: ReactionAdded) -> None:
    """The platform gave an empty text: never save an empty do; tell facilitators once."""
    if set_info.settings.get(TOLD_UNREADABLE):
        return
    await ctx.conn.execute(
        update(SETS)
        .where(SETS.c.id == set_info.id)
        .values(settings={**set_info.settings, TOLD_UNREADABLE: ctx.now.isoformat()})
    )
    why = ctx.traits.of(event.message.channel.workspace.platform).unreadable
    link = ctx.traits.permalink(event.message)
    body = text(
        f"People reacted {emoji_label(set_emoji(ctx, set_info))} to save a message as a do, "
        "but nothing was saved: ",
        why,
        f"\nThe message: {link}" if link else "",
        "\n(You're told this once, as a facilitator of the set.)",
    )
    for person in await sets.facilitators(ctx, set_info.id):
        ctx.emit(Direct(user=person, text=body))


async def on_reaction_removed(ctx: Ctx, event: ReactionRemoved) -> None:
    key = event.message.key
    emoji = normalise_emoji(event.emoji)
    if not await take_back_reaction(ctx, key, event.user.key, emoji, event.variant):
        return  # not a reaction that counted, or the person still has another variant on
    source = await source_row(ctx, key)
    if source is None or source.status not in (SAVED, PENDING):
        return
    if await chosen(ctx, key):
        return  # someone chose "Save as do": reactions taken back neither undo nor withdraw
    ctx.set_id = source.set_id
    set_info = await sets.get_set(ctx, source.set_id)
    author = source.author_key
    left = await reactors(ctx, key, author, bool(set_info.setting(ctx, "do_allow_self")))
    if source.status == PENDING:
        if len(left) < int(set_info.setting(ctx, "do_threshold")):
            await consent.withdraw(ctx, source)
        return
    if left or source.saved_at is None or ctx.now - source.saved_at > UNDO_WINDOW:
        return
    do_id = await undo(ctx, source)
    ctx.emit(
        Ephemeral(
            channel=event.message.channel,
            user=event.user,
            text=text(
                f"Every {emoji_label(set_emoji(ctx, set_info))} was removed within 10 minutes, "
                f"so do #{do_id} is no longer saved from that message."
            ),
        )
    )


async def undo(ctx: Ctx, source: Any) -> int | None:
    """Take a source back out of its do; the do goes too when it has no other source."""
    await ctx.conn.execute(
        update(SOURCES)
        .where(SOURCES.c.id == source.id)
        .values(status=COUNTING, do_id=None, saved_at=None, text="")
    )
    if source.do_id is not None:
        await rest_on_remaining_sources(ctx, source.do_id, source.author_key)
    do_id: int | None = source.do_id
    return do_id
