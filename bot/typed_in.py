"""Buttons that open a one-field form: how people type to the bot where it cannot read them.

On a platform that does not let the bot read what people type in a thread (Discord
without the Message Content intent, `PlatformTraits.reads_messages`), a round's prompt
carries a button such as [Ask a question]. Its `action_id` is `type:<what>` and its value
the form's one field label; the adapter opens the form itself on the press (a Discord modal
must be the interaction's first answer, so there is no time to ask the core), and what is
entered comes back as the `MessagePosted` the person would have typed, in the thread the
button was in, marked `via_form`. The press itself is never an event, so the core's round
logic reads the words exactly as it reads typed ones.
"""

from __future__ import annotations

from bot.replies import Button

PREFIX = "type"
FIELD_LIMIT = 45  # a form field's label, as long as Discord's allow


def button(what: str, label: str, field: str) -> Button:
    """[label] opening a form with one field labelled `field` (cut to `FIELD_LIMIT`)."""
    return Button(f"{PREFIX}:{what}", label, field.strip()[:FIELD_LIMIT], "primary")


def opens_form(action_id: str) -> bool:
    return action_id.partition(":")[0] == PREFIX


def what_of(action_id: str) -> str:
    """`type:question` → `question` (what the form is for; the core does not need it back)."""
    return action_id.partition(":")[2]
