"""A DM to the bot from someone with open actions is their outcome update."""

from __future__ import annotations

from bot.context import Ctx
from bot.events import DirectMessage
from bot.followup import actions
from bot.replies import Direct, text
from bot.router import Router
from bot.sets import records as sets


async def on_direct_message(ctx: Ctx, event: DirectMessage) -> None:
    body = event.text.strip()
    if not body:
        return
    mine = await sets.memberships(ctx, event.user)
    with_actions = [(s, me) for s, me in mine if await actions.open_actions(ctx, s.id, me)]
    targets = with_actions or mine
    if len(targets) != 1:
        hint = (
            "You're in several sets: use `/als update <text>` in the set's channel."
            if targets
            else "Hello! I'm alsbot. Type `/als help` in your set's channel to see what I can do."
        )
        ctx.emit(Direct(user=event.user, text=text(hint)))
        return
    set_info, me = targets[0]
    await actions.save_update(ctx, set_info, me, body)
    reply = text("Thanks — I've saved that as your outcome update for the next session.")
    still_open = [
        row for row in await actions.open_actions(ctx, set_info.id, me) if row.status == "open"
    ]
    if still_open:
        reply += "\nStill without a status (use the buttons on my nudge, or tell me here):"
        for row in still_open:
            reply += text("\n• ", row.text)
    ctx.emit(Direct(user=event.user, text=reply))


def register(router: Router) -> None:
    router.event(DirectMessage, on_direct_message)
