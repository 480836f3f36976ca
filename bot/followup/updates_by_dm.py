"""A DM to the bot: answered privately, and shared only if its author says yes.

What someone writes to the bot is between them and the bot. The answer depends on what
the message reads as (`bot.followup.dm_reading`), and none of them makes a record others
can see:

- a question about the set ("what time is the next meeting?", "is it still in Room 8?")
  is answered from what the bot knows (`bot.followup.set_questions`); nothing is offered;
- a greeting or thanks gets a friendly word;
- from someone with open actions in exactly one set, anything else is held as a draft and
  previewed with [Share as my update] [Edit] [Not an update] (`bot.followup.update_drafts`),
  and a status said in words ("the rota one is done") is offered for one-press
  confirmation (`bot.followup.status_offers`);
- with open actions in several sets, `/als update <text>` in the set's channel says which;
  with none, private help.
"""

from __future__ import annotations

from typing import Any

from bot.context import Ctx
from bot.events import DirectMessage
from bot.followup import (
    actions,
    dm_reading,
    set_questions,
    status_offers,
    status_words,
    update_drafts,
)
from bot.refs import UserRef
from bot.replies import Direct, Text, text
from bot.rounds.privately import Privately
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets

HELP = "Type `/als help` in your set's channel to see what I can do."
EXTRA_WORDS = 2  # a status clause with this many other words is offered as an update too
NOTHING_KEPT = "🔒 I haven't shared or saved your message."


def _say(ctx: Ctx, to: UserRef, body: Text | str) -> None:
    ctx.emit(Direct(user=to, text=text(body)))


def _greeting(reading: dm_reading.Reading, has_actions: bool, in_a_set: bool) -> Text:
    out = text("You're welcome! 😊" if reading.thanks else "Hi! 👋")
    if has_actions:
        out += (
            " If you'd like to tell your set how your actions went, send me a few words here: "
            "I'll show them to you first, and nothing is shared unless you press "
            "[Share as my update]."
        )
    elif in_a_set:
        out += " " + HELP
    else:
        out += " I'm alsbot, here for Action Learning Sets. " + HELP
    return out


def _offer_statuses(ctx: Ctx, to: UserRef, body: str, rows: list[Any]) -> tuple[bool, bool]:
    """Offer each status said in words; returns (any offered, anything besides statuses)."""
    reading = status_words.read(body)
    where = Privately(to)
    offered, more = False, reading.more or not reading.statuses
    for said in reading.statuses:
        asked = status_offers.offer(ctx, where, said, rows)
        named = [row.text for row in rows if row.id in asked]
        offered = offered or bool(asked)
        if not asked or status_words.unmatched(said, named) >= EXTRA_WORDS:
            more = True
    return offered, more


async def on_direct_message(ctx: Ctx, event: DirectMessage) -> None:
    body = event.text.strip()
    if not body:
        return
    to = event.user
    reading = dm_reading.read(body)
    if reading.command_like:
        _say(ctx, to, "Commands go in your set's channel: try `/als help` there. " + NOTHING_KEPT)
        return
    mine = await sets.memberships(ctx, to)
    if await update_drafts.take_edit(ctx, to, mine, body):
        return
    with_actions: list[tuple[SetInfo, UserRef, list[Any]]] = []
    for set_info, me in mine:
        rows = await actions.open_actions(ctx, set_info.id, me)
        if rows:
            with_actions.append((set_info, me, rows))
    if reading.question:
        await set_questions.answer(ctx, to, mine, reading, has_actions=len(with_actions) == 1)
        return
    if reading.greeting_only:
        _say(ctx, to, _greeting(reading, len(with_actions) == 1, bool(mine)))
        return
    if not mine:
        _say(ctx, to, "Hello! I'm alsbot, here for Action Learning Sets. " + HELP)
        return
    if not with_actions:
        _say(
            ctx,
            to,
            "Thanks for your message. You have no open actions, so there's no update to give. "
            f"{NOTHING_KEPT} {HELP}",
        )
        return
    if len(with_actions) > 1:
        _say(
            ctx,
            to,
            "You're in several sets: to give an update, use `/als update <text>` in the set's "
            f"channel. {NOTHING_KEPT}",
        )
        return
    set_info, me, rows = with_actions[0]
    ctx.set_id = set_info.id
    offered, more = _offer_statuses(ctx, to, body, rows)
    if more or not offered:
        await update_drafts.offer(ctx, set_info, me, to, body)


def register(router: Router) -> None:
    router.event(DirectMessage, on_direct_message)
