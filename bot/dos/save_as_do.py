""" "Save as do": one person picks a message from its own menu, and it is saved at once.

Slack's message shortcut and Discord's message context menu hand the message over with
the click (`MessageSaved`), so nothing is fetched: no history read, which Slack limits to
one a minute for apps distributed outside its Marketplace, and no Message Content intent,
which Discord makes large apps apply for. The ✅ reaction stays the everyday way; this is
the way that works when reading messages does not.

It is a reaction's save without the count — one person's deliberate choice is enough,
whatever the set's `do_threshold` — and everything else is the reactions' rules
(`bot.dos.capture`): the message's channel (or its thread's) must be a set's; the bot's
own messages are never saved; the message's one `do_sources` row (keyed by the message)
makes a message saved by reactions and by this one do; a do saying the same is merged
into; a message from a round's thread waits for its author's yes (`bot.dos.consent`)
unless the author chose it; and a message whose do was removed or whose author said no is
never saved again. The author may save their own message: choosing it from the menu is as
deliberate as `/als dos add`.

The chooser is noted among the message's reactions with a mark no emoji can have
(`saving.CHOSE`): it makes them a saver when the author says yes, and it keeps reactions
taken back from undoing what they chose. Every answer is private.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from bot.context import Ctx
from bot.dos import consent
from bot.dos.capture import claim_source, is_round_thread, set_and_source
from bot.dos.common import DOS, FINAL, PENDING, SAVED
from bot.dos.do_text import snippet
from bot.dos.saving import add_saver, do_for, merge_into, note_choice, reactors
from bot.events import MessageSaved
from bot.replies import Ephemeral, Plain, Strong, text
from bot.set_info import SetInfo
from bot.sets import records as sets

NOT_A_SET = (
    "“Save as do” works on messages in a set's channel (or a thread in it), and this "
    "channel has no set. Nothing was saved."
)
BOTS = "I don't save the bot's own messages (or other apps') as do's. Nothing was saved."
OTHER_WORKSPACE = "Only messages between people of this set's workspace can be saved as do's."
NO_TEXT = (
    "That message has no text I can save as a do (a file or a picture alone can't be one). "
    "Nothing was saved."
)
NEVER_AGAIN = (
    "That message can't be saved as a do again: its do was removed, or its author chose to "
    "keep it private."
)
ASKING_ALREADY = (
    "That message is from a round's thread, and its author has already been asked whether "
    "it may be saved; if they agree, you'll be among those who saved it."
)
ASKED = (
    "That message is from a round's thread, which is confidential, so I've asked its author "
    "before adding it to the set's do's."
)
AT_ONCE = "Someone else saved that message at the same moment: find it with `/als dos`."


async def on_message_saved(ctx: Ctx, event: MessageSaved) -> None:
    where = event.thread.channel if event.thread is not None else event.message.channel
    found = await set_and_source(ctx, where, event.message)
    if found is None:
        _tell(ctx, event, NOT_A_SET)
        return
    set_info = sets.info_from_row(found)
    author = event.author
    if author is None:
        _tell(ctx, event, BOTS)
        return
    if {event.user.workspace, author.workspace} != {set_info.channel.workspace}:
        _tell(ctx, event, OTHER_WORKSPACE)
        return
    ctx.set_id = set_info.id
    key, status = event.message.key, found.source_status  # None: no source yet
    if status in FINAL:
        _tell(ctx, event, NEVER_AGAIN)
        return
    if status == SAVED:
        await note_choice(ctx, key, event.user.key)
        await add_saver(ctx, found.source_do_id, event.user.key)
        do_id = found.source_do_id
        _tell(
            ctx,
            event,
            text(
                "That message is already saved as ",
                Strong(f"do #{do_id}"),
                "; I've added you to the people who saved it. Find it with `/als dos`.",
            ),
        )
        return
    if status == PENDING:
        await note_choice(ctx, key, event.user.key)
        _tell(ctx, event, ASKING_ALREADY)
        return
    if not event.text.strip():
        _tell(ctx, event, NO_TEXT)
        return
    await _save(ctx, set_info, event)


async def _save(ctx: Ctx, set_info: SetInfo, event: MessageSaved) -> None:
    """A message not saved before: asked about in a round's thread, else saved now."""
    assert event.author is not None
    key, author = event.message.key, event.author
    allow_self = bool(set_info.setting(ctx, "do_allow_self"))
    savers = await reactors(ctx, key, author.key, allow_self)
    if event.user.key not in savers:
        savers.append(event.user.key)
    await note_choice(ctx, key, event.user.key)
    if event.user != author and await is_round_thread(ctx, event.thread):
        source_id = await claim_source(ctx, set_info, event, PENDING)
        if source_id is None:
            _tell(ctx, event, AT_ONCE)
            return
        await consent.ask(ctx, set_info, source_id, author, event.text)
        _tell(ctx, event, ASKED)
        return
    # As capture does: the do first, so that the claim names it; a lost claim takes it back.
    existing, do_id = await do_for(ctx, set_info.id, event.text, author.key, savers)
    if await claim_source(ctx, set_info, event, SAVED, do_id) is None:
        if existing is None:
            await ctx.conn.execute(delete(DOS).where(DOS.c.id == do_id))
        _tell(ctx, event, AT_ONCE)
        return
    if existing is not None:
        await merge_into(ctx, existing, event.text, savers)
        said = text(
            "That message says the same as ",
            Strong(f"do #{do_id}"),
            ", so it is merged into it and you are among those who saved it: “",
            Plain(snippet(existing.text, 280)),
            "”.",
        )
    else:
        said = text(
            "Saved as ",
            Strong(f"do #{do_id}"),
            ": “",
            Plain(snippet(event.text, 280)),
            "”. Find it with `/als dos`. ",
            await _how_to_remove(ctx, set_info, event, do_id),
        )
    _tell(ctx, event, said)


async def _how_to_remove(ctx: Ctx, set_info: SetInfo, event: MessageSaved, do_id: int) -> str:
    """Saved by mistake? `/als dos remove` is the way back, for those it lets remove it
    (`bot.dos.toolkit.remove`: the do's author or a facilitator)."""
    may = event.user == event.author or event.user in await sets.facilitators(ctx, set_info.id)
    if may:
        return f"Saved by mistake? `/als dos remove {do_id}` takes it out again."
    return (
        f"Saved by mistake? Its author or a facilitator can take it out with "
        f"`/als dos remove {do_id}`."
    )


def _tell(ctx: Ctx, event: MessageSaved, body: Any) -> None:
    """Privately, where the person chose it (the platform answers the click itself)."""
    if isinstance(body, str):
        body = text(body)
    ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=body, thread=event.thread))
