"""One emoji name on both platforms: a set's do emoji configured once works everywhere.

Slack sends short codes (`white_check_mark`), Discord sends the character (✅) in a
reaction's `emoji.name`.  The core stores and compares short codes without colons (see
`bot.emoji_names`), so Discord's characters are turned into the same short codes here with
the `emoji` package, and short codes back into characters when the bot has to show one.
Custom guild emoji have no Unicode form and a name the server chose, so they are named
`custom:<name>:<id>` (`bot.emoji_names.custom_emoji`): a custom emoji called
`white_check_mark` is not ✅.

A reaction's `variant` is the form it takes: the raw character with its skin tone (or the
custom name), and `|burst` for a super reaction. One person may have several variants of
one emoji on a message; their reaction counts until the last is removed.
"""

from __future__ import annotations

import re

import emoji as emoji_lib

from bot.emoji_names import as_character, custom_emoji, normalise_emoji

# Fitzpatrick modifiers: Slack reports `+1::skin-tone-4`, which the core reads as `+1`, so
# 👍🏽 on Discord must be plain 👍 too, or the same do emoji would count on one side only.
_SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff]")


def short_code(name: str | None, custom_id: int | None = None) -> str:
    """The core's name for a reaction: `✅` → `white_check_mark`, 👍🏽 → `thumbsup`, a custom
    `tada_blob` with id 42 → `custom:tada_blob:42`.

    "" when there is nothing usable (a deleted custom emoji arrives without a name).
    """
    if not name:
        return ""
    if custom_id is not None:
        return custom_emoji(name, custom_id)
    return normalise_emoji(_SKIN_TONES.sub("", name))


def variant(name: str | None, custom_id: int | None = None, *, burst: bool = False) -> str:
    """Which form of the emoji a reaction is: `👍🏽`, `✅|burst`, `custom:tada_blob:42`."""
    raw = custom_emoji(name or "", custom_id) if custom_id is not None else (name or "")
    return f"{raw}|burst" if burst else raw


def rest_name(name: str, custom_id: int | str | None = None) -> str:
    """How Discord's REST names the emoji in a reactions path: the character, or name:id."""
    return f"{name}:{custom_id}" if custom_id is not None else name


def character(name: str) -> str:
    """What to send to Discord for a configured emoji (`white_check_mark`, `:+1:` or `✅`).

    A character passes through; a short code becomes its character; an unknown name (a
    custom emoji) comes back unchanged so the caller can look it up among the guild's.
    """
    value = name.strip()
    if value.startswith("custom:") and value.count(":") == 2:
        _, custom_name, custom_id = value.split(":")
        return f"<:{custom_name}:{custom_id}>"
    if emoji_lib.is_emoji(value.replace("\ufe0f", "")):
        return value
    code = normalise_emoji(value)
    return (as_character(code) if code else "") or value.strip(":")


def same_emoji(a: str, b: str) -> bool:
    """`✅`, `:white_check_mark:` and `white_check_mark` are one emoji."""
    left, right = normalise_emoji(a), normalise_emoji(b)
    return bool(left) and left == right
