"""One name for an emoji on every platform: Slack sends `white_check_mark`, Discord ✅.

A set configures its do emoji once; both forms compare equal after `normalise_emoji`.

A Discord server's custom emoji has an id, and its name is whatever the server chose — a
custom emoji named `white_check_mark` is not ✅. So custom emoji have their own names,
`custom:<name>:<id>` (Discord's `<:name:id>`, as typed into a command, reads the same),
which never equal a Unicode emoji's short code.
"""

from __future__ import annotations

import re
from functools import lru_cache

import emoji as emoji_lib

_ALIASES = {"heavy_check_mark": "heavy_check_mark", "+1": "thumbsup", "thumbs_up": "thumbsup"}
# Fitzpatrick modifiers: 👍🏽 is 👍 in another skin tone (Slack says `+1::skin-tone-4`).
_SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff]")
_CUSTOM = re.compile(r"^(?:custom:|<a?:)(\w{1,64}):(\d{1,24})>?$")


def custom_emoji(name: str, emoji_id: int | str) -> str:
    """The core's name for a server's custom emoji: `custom:<name>:<id>`."""
    return f"custom:{name.lower()}:{emoji_id}"


@lru_cache(maxsize=4096)  # every reaction asks, twice or more, about the same few emoji
def normalise_emoji(raw: str) -> str:
    """A short code without colons (`white_check_mark`), or "" for something unreadable."""
    value = (raw or "").strip().replace("\ufe0f", "")
    if not value or len(value) > 100:
        return ""
    custom = _CUSTOM.match(value)
    if custom:
        return custom_emoji(custom[1], custom[2])
    if value.startswith(":") and value.endswith(":") and len(value) > 2:
        value = value[1:-1]
    value = _SKIN_TONES.sub("", value.split("::skin-tone-")[0])
    if emoji_lib.is_emoji(value):
        name = emoji_lib.demojize(value, language="alias", delimiters=("", ""))
        return _ALIASES.get(name, name)
    name = value.lower().replace(" ", "_").replace("-", "_")
    if all(c.isalnum() or c in "_+" for c in name):
        return _ALIASES.get(name, name)
    return ""


def as_character(name: str) -> str:
    """The Unicode character for a short code, or "" for a custom emoji."""
    if name.startswith("custom:"):
        return ""
    value = emoji_lib.emojize(f":{name}:", language="alias")
    return "" if value == f":{name}:" else value
