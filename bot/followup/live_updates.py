"""Updates given live: what a previous presenter says in the Updates phase is their update.

Speaking in the set's own round thread is sharing, so no confirmation is needed to record
it: each message of a previous presenter during the Updates phase becomes an outcome
update for that session (`session_id` set, so it counts for the cycle it reports on, see
`bot.followup.outcomes`). It is shown back to them privately with [Edit] [Remove], and the
first time, each of their open actions with its status buttons; a status said in words
("the rota one is done") is offered for one-press confirmation. Anyone else's messages in
the phase (supporters, the facilitator) are not recorded, nor a bare greeting or thanks.

[Edit] asks for the new wording: their next message in the thread (while Updates are on)
replaces it at once; a DM is previewed first (`bot.followup.update_drafts`).
"""

from __future__ import annotations

from bot.context import OUT_OF_DATE, Ctx, Refusal
from bot.events import ButtonPressed, MessagePosted
from bot.followup import (
    actions,
    dm_reading,
    status_offers,
    status_words,
    update_drafts,
    updates_phase,
)
from bot.refs import UserRef
from bot.replies import Button, Text, text
from bot.rounds import privately
from bot.rounds.hooks import SAID_IN_UPDATES
from bot.rounds.privately import Privately
from bot.rounds.sessions import SessionInfo
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import drafts
from bot.sets import records as sets

PREFIX = "live"


def _buttons(update_id: int) -> tuple[Button, ...]:
    return (
        Button(f"{PREFIX}:edit", "Edit", str(update_id)),
        Button(f"{PREFIX}:remove", "Remove", str(update_id), "danger"),
    )


def _shown_back(ctx: Ctx, where: Privately, lead: str, update_id: int, body: str) -> None:
    quoted: Text = text(lead, "\n“", body.strip()[: actions.MAX_UPDATE], "”")
    ctx.emit(where.reply(quoted, _buttons(update_id)))


async def _replaced_by_edit(
    ctx: Ctx, set_info: SetInfo, user: UserRef, where: Privately, body: str
) -> bool:
    """They pressed [Edit] on a live update: this message is its new wording."""
    row = await drafts.latest(ctx, user, update_drafts.KIND, editing=True)
    replaces = (row.data or {}).get("replaces") if row is not None else None
    if row is None or row.set_id != set_info.id or not isinstance(replaces, int):
        return False
    await drafts.drop(ctx, row.id)
    await actions.replace_update(ctx, replaces, user, body)
    _shown_back(ctx, where, "✎ Your update for this session now reads:", replaces, body)
    return True


async def on_said(ctx: Ctx, set_info: SetInfo, session: SessionInfo, event: MessagePosted) -> None:
    body = event.text.strip()
    if not body or dm_reading.read(body).greeting_only:  # "Hi all", "thanks!": no update
        return
    hear = await updates_phase.to_hear(ctx, set_info.id, session.id)
    if event.user.key not in hear.people:
        return
    where = Privately(event.user, set_info.channel, thread=event.thread)
    if await _replaced_by_edit(ctx, set_info, event.user, where, body):
        return
    first = not await actions.updated_in_session(ctx, set_info.id, event.user.key, session.id)
    update_id = await actions.save_update(ctx, set_info, event.user, body, session_id=session.id)
    _shown_back(
        ctx,
        where,
        "✓ Recorded as your update for this session (this note is only for you):",
        update_id,
        body,
    )
    rows = await actions.open_actions(ctx, set_info.id, event.user)
    asked: set[int] = set()
    for said in status_words.read(body).statuses:
        asked.update(status_offers.offer(ctx, where, said, rows))
    rest = [row for row in rows if row.id not in asked]
    if first and rest:
        lead = (
            "Your open actions — give each a status if you like:"
            if len(rest) > 1
            else "Your open action — give it a status if you like:"
        )
        ctx.emit(where.reply(text(lead)))
        status_offers.show_actions(ctx, where, rest)


async def on_button(ctx: Ctx, event: ButtonPressed) -> None:
    verb = event.verb
    if verb not in ("edit", "remove") or not event.value.isdigit():
        raise Refusal(OUT_OF_DATE)
    where = await privately.to_presser(ctx, event)
    row = await actions.my_update(ctx, int(event.value), event.user)
    ctx.set_id = row.set_id
    if verb == "remove":
        await actions.remove_update(ctx, row.id, event.user)
        ctx.emit(
            where.reply(
                text(
                    "Removed: it is no longer recorded as your update. Your message itself "
                    "stays in the thread — you can delete it there."
                )
            )
        )
        return
    set_info = await sets.get_set(ctx, row.set_id)
    owner = UserRef.from_key(row.user_key)
    draft_id = await update_drafts.offer(
        ctx, set_info, owner, event.user, row.text, replaces=row.id, editing=True
    )
    ctx.emit(
        where.reply(
            text(
                "Send your update as you'd like it recorded — here in the thread while the "
                "Updates phase is on, or to me by DM — and it will replace:\n“",
                row.text,
                "”",
            ),
            (Button(f"{update_drafts.PREFIX}:drop", "Keep the old one", str(draft_id)),),
        )
    )


def register(router: Router) -> None:
    router.hook(SAID_IN_UPDATES, on_said)
    router.button(PREFIX, on_button)
