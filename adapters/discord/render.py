"""Core `Text` → Discord message content, with user text made inert.

Two independent guards, because either alone has failed projects before:
1. escaping — `Plain`/`Strong` text (which may be anything a user typed) has its markdown,
   its mentions (`@everyone`, `@here`, `<@id>`, `<@&role>`) and its other `<…>` tokens
   (`<#channel>`, `</command:id>`, `<t:…>`, custom emoji) escaped so they show as typed;
2. `AllowedMentions` — every message is sent with `everyone=False, roles=False` and
   `users=` exactly the people the core named in `Mention` parts, so even text that slipped
   past the escaping could not ping anyone else.

Discord caps content at 2000 characters.  Longer text is not cut silently: the message
says it was shortened and the whole text goes along as `message.txt`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import discord
from discord.utils import escape_markdown, escape_mentions

from adapters.discord.traits import SNOWFLAKE
from bot.refs import Platform, UserRef
from bot.replies import Button, Mention, Strong, Text

MAX_CONTENT = 2000
OVERFLOW_NOTE = "\n… (shortened: the full text is attached)"
_OTHER_TOKENS = re.compile(r"<(?=[#@/:]|a:|t:|id:)")


def escape(value: str) -> str:
    """User text shown exactly as typed: no formatting, no mentions, no channel links.

    Backticks are left alone: the core writes commands as `/als join`, and a code span
    can neither ping (mentions inside it do not render) nor hide anything.
    """
    value = escape_markdown(value).replace("\\`", "`")
    value = escape_mentions(value)
    return _OTHER_TOKENS.sub(r"\\<", value)


def discord_user_id(user: UserRef) -> int | None:
    """The snowflake behind a Discord `UserRef`, or None for anything else."""
    if user.workspace.platform != Platform.DISCORD or not SNOWFLAKE.fullmatch(user.id):
        return None  # not a snowflake (`str.isdigit` also takes other scripts' digits)
    return int(user.id)


@dataclass(frozen=True, slots=True)
class Rendered:
    """Everything `send`/`edit` needs, still free of network objects (views are built at
    send time because a `discord.ui.View` needs a running loop)."""

    content: str
    mentioned: tuple[int, ...] = ()
    buttons: tuple[Button, ...] = ()
    full_text: str | None = None  # set when content had to be shortened

    @property
    def allowed_mentions(self) -> discord.AllowedMentions:
        return allowed_mentions(self.mentioned)


def allowed_mentions(user_ids: tuple[int, ...] | list[int] = ()) -> discord.AllowedMentions:
    """Only the named users may be pinged: never @everyone/@here, never a role."""
    users = [discord.Object(i) for i in user_ids]
    return discord.AllowedMentions(
        everyone=False, roles=False, users=users or False, replied_user=False
    )


def render_text(value: Text) -> tuple[str, tuple[int, ...]]:
    """The content string and the ids of the people it mentions (in order, once each)."""
    out: list[str] = []
    mentioned: list[int] = []
    for part in value.parts:
        if isinstance(part, Mention):
            uid = discord_user_id(part.user)
            if uid is None:
                out.append(escape("@" + part.user.id))  # escaped whole: `@everyone` too
                continue
            out.append(f"<@{uid}>")
            if uid not in mentioned:
                mentioned.append(uid)
        elif isinstance(part, Strong):
            inner = escape(part.text)
            out.append(f"**{inner}**" if inner.strip() else inner)
        else:
            out.append(escape(part.text))
    return "".join(out), tuple(mentioned)


def render(value: Text, buttons: tuple[Button, ...] = ()) -> Rendered:
    content, mentioned = render_text(value)
    if len(content) <= MAX_CONTENT:
        return Rendered(content, mentioned, buttons)
    cut = content[: MAX_CONTENT - len(OVERFLOW_NOTE)]
    if cut.count("**") % 2:  # do not leave a bold run open
        cut = cut[: cut.rfind("**")]
    return Rendered(cut + OVERFLOW_NOTE, mentioned, buttons, value.plain())
