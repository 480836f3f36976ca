"""One name for an emoji on every platform: Slack sends `white_check_mark`, Discord ✅.

A set configures its do emoji once; both forms compare equal after `normalise_emoji`.
"""

from __future__ import annotations

import emoji as emoji_lib

_ALIASES = {"heavy_check_mark": "heavy_check_mark", "+1": "thumbsup", "thumbs_up": "thumbsup"}


def normalise_emoji(raw: str) -> str:
    """A short code without colons (`white_check_mark`), or "" for something unreadable."""
    value = (raw or "").strip().replace("\ufe0f", "")
    if not value or len(value) > 100:
        return ""
    if value.startswith(":") and value.endswith(":") and len(value) > 2:
        value = value[1:-1]
    value = value.split("::skin-tone-")[0]
    if emoji_lib.is_emoji(value):
        name = emoji_lib.demojize(value, language="alias", delimiters=("", ""))
        return _ALIASES.get(name, name)
    name = value.lower().replace(" ", "_").replace("-", "_")
    if all(c.isalnum() or c in "_+" for c in name):
        return _ALIASES.get(name, name)
    return ""


def as_character(name: str) -> str:
    """The Unicode character for a short code, or "" for a custom emoji."""
    value = emoji_lib.emojize(f":{name}:", language="alias")
    return "" if value == f":{name}:" else value
