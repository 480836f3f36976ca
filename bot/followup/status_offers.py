"""Giving an action a status with one private press: offered from words, or as buttons.

A status said in words ("the rota one is done") is only a guess at what someone meant, so
it changes nothing until they confirm it ("Mark “Draft a shared rota…” as done?" [Yes,
mark done] [No]); when the words fit several actions the bot asks which, one button per
action. In the Updates phase each open action is shown to its owner with the same four
buttons as a nudge (Done, Partly, Not yet, Dropped). Every answer is private.

The buttons carry only the action and the status, never the person's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.context import OUT_OF_DATE, Ctx, Refusal
from bot.events import ButtonPressed
from bot.followup import actions, status_words
from bot.followup.nudge_text import BUTTON_STATUSES, STATUS_LABELS, due_text
from bot.replies import Button, text
from bot.rounds import privately
from bot.rounds.privately import Privately
from bot.router import Router

PREFIX = "status"
STATUSES = {status for status, _ in BUTTON_STATUSES}
AS_WORDS = {
    "done": "done",
    "partly": "partly done",
    "not_yet": "not yet done",
    "dropped": "dropped",
}
MAX_LABEL = 70
MAX_ACTION_MESSAGES = 8


def _short(body: str, limit: int = MAX_LABEL) -> str:
    return body if len(body) <= limit else body[: limit - 1] + "…"


def status_buttons(action_id: int) -> tuple[Button, ...]:
    return tuple(
        Button(f"{PREFIX}:{status}", label, str(action_id), "primary" if status == "done" else None)
        for status, label in BUTTON_STATUSES
    )


def show_actions(ctx: Ctx, where: Privately, rows: Sequence[Any]) -> None:
    """Each action with its four status buttons, one private message per action."""
    for row in rows[:MAX_ACTION_MESSAGES]:
        label = STATUS_LABELS.get(row.status, row.status)
        ctx.emit(
            where.reply(text("• ", row.text, due_text(row), f" — {label}"), status_buttons(row.id))
        )


def offer(
    ctx: Ctx, where: Privately, said: status_words.SaidStatus, rows: Sequence[Any]
) -> list[int]:
    """Ask to confirm the status `said` names; returns the ids of the actions asked about."""
    candidates = status_words.match(said, [(row.id, row.text) for row in rows])
    if not candidates:
        return []
    words = AS_WORDS[said.status]
    if len(candidates) == 1:
        row = next(r for r in rows if r.id == candidates[0])
        ctx.emit(
            where.reply(
                text("Mark “", row.text, f"” as {words}?"),
                (
                    Button(f"{PREFIX}:{said.status}", f"Yes, mark {words}", str(row.id), "primary"),
                    Button(f"{PREFIX}:no", "No", str(row.id)),
                ),
            )
        )
        return candidates
    buttons = tuple(
        Button(f"{PREFIX}:{said.status}", _short(row.text), str(row.id))
        for row in rows
        if row.id in candidates
    )
    ctx.emit(
        where.reply(
            text(f"Which action should I mark as {words}?"),
            buttons + (Button(f"{PREFIX}:no", "None of these", ""),),
        )
    )
    return candidates


async def on_button(ctx: Ctx, event: ButtonPressed) -> None:
    verb = event.verb
    where = await privately.to_presser(ctx, event)
    if verb == "no":
        ctx.emit(where.reply(text("OK — I've left it as it was.")))
        return
    if verb not in STATUSES or not event.value.isdigit():
        raise Refusal(OUT_OF_DATE)
    row = await actions.set_status(ctx, int(event.value), event.user, verb)
    ctx.set_id = row.set_id
    ctx.emit(where.reply(text("✓ “", row.text, f"” is now marked {AS_WORDS[verb]}.")))


def register(router: Router) -> None:
    router.button(PREFIX, on_button)
