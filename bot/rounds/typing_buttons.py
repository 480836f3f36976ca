"""A round where the bot cannot read the thread: its prompts carry a button and a form.

Three phases are typed into the round's thread: Updates (each previous presenter's
update), Questions (the supporters') and Actions (the presenter's). When the platform does
not let the bot read what people type there (`PlatformTraits.reads_messages`), that phase's
prompt carries [Give an update], [Ask a question] or [Add an action]; the words come back
as the message they stand for (`bot.typed_in`), so `chat` reads them as it reads typed ones.
Slack and the console read the thread: their prompts are unchanged.

Words from a form that no phase takes (a button pressed before the phase moved on, a
supporter's [Add an action]) are given back to their author privately: typed, they would at
least have stayed in the thread. Words typed into a form were seen by nobody but the bot, where a typed question or update
would have been read by everyone in the thread: those two are shown in the thread, with
the person's name ("Question from @Ana: …"). An action needs no echo: its confirmation
("✅ Action recorded for …") is already public.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Ctx
from bot.events import MessagePosted
from bot.replies import Button, Mention, Post, Text, text
from bot.rounds.engine import Phase
from bot.rounds.privately import Privately
from bot.rounds.sessions import SessionInfo
from bot.set_info import SetInfo
from bot.typed_in import button

MAX_ECHO = 1500  # of a person's words shown back in the thread (Discord's 2000 in all)
NOT_TAKEN = (
    "I haven't taken this in: the round has moved on, is paused, or this phase is someone "
    "else's. What you sent (only you can see this): “"
)


@dataclass(frozen=True, slots=True)
class Typing:
    """One phase's button, the sentence added to its prompt, and how its words are shown."""

    button: Button
    note: str
    shown_as: str | None  # "Question from ", or None: not shown again


PHASES: dict[Phase, Typing] = {
    Phase.UPDATES: Typing(
        button("update", "Give an update", "How did your actions go?"),
        "\nI can't read messages typed in this thread, so give your update with "
        "[Give an update]: I'll show it here.",
        "Update from ",
    ),
    Phase.QUESTIONS: Typing(
        button("question", "Ask a question", "Your question"),
        "\nI can't read messages typed in this thread, so ask with [Ask a question]: "
        "I'll show your question here, and hand the presenter their list at the end.",
        "Question from ",
    ),
    Phase.ACTIONS: Typing(
        button("action", "Add an action", "Your action (“by Friday” if you like)"),
        "\nI can't read messages typed in this thread, so add each action with [Add an action].",
        None,
    ),
}


def needed(ctx: Ctx, set_info: SetInfo, phase: Phase) -> Typing | None:
    """The phase's button when people type in it and the set's platform cannot read them."""
    typing = PHASES.get(phase)
    if typing is None:
        return None
    traits = ctx.traits.of(set_info.channel.workspace.platform)
    return None if traits.reads_messages() else typing


def prompt(
    ctx: Ctx, set_info: SetInfo, phase: Phase, intro: Text
) -> tuple[Text, tuple[Button, ...]]:
    """The phase's prompt and its buttons, with the form's button when it is needed."""
    typing = needed(ctx, set_info, phase)
    if typing is None:
        return intro, ()
    return intro + typing.note, (typing.button,)


def show(ctx: Ctx, set_info: SetInfo, session: SessionInfo, event: MessagePosted) -> None:
    """Words from the form, shown in the thread as typed ones would have been seen."""
    typing = PHASES.get(session.state.phase)
    words = event.text.strip()
    if not event.via_form or typing is None or typing.shown_as is None or not words:
        return
    body = text(typing.shown_as, Mention(event.user), ": “", words[:MAX_ECHO], "”")
    ctx.emit(Post(channel=set_info.channel, text=body, thread_handle=session.header))


def not_taken(ctx: Ctx, set_info: SetInfo, event: MessagePosted) -> None:
    """Words from the form that nothing in the round took: said back to their author alone."""
    words = event.text.strip()
    if event.via_form and words:
        where = Privately(event.user, set_info.channel, thread=event.thread)
        ctx.emit(where.reply(text(NOT_TAKEN, words[:MAX_ECHO], "”")))
