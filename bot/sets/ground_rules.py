"""A set's ground rules: the bot's own, replaced or added to by the set (`ground_rules`).

They live with the sets, not with the round's wording, because changing them needs the
current ones: `/als settings ground_rules + Phones on silent` adds a rule to what the set
has now (the bot's own until it has its own), plain text replaces them, `default` goes
back. What the bot keeps is not a rule the set can drop, so it is said after them always.
"""

from __future__ import annotations

DEFAULT: tuple[str, ...] = (
    "Confidentiality: what is shared here stays here.",
    "Listen with empathy and suspend judgement.",
    "Supporters ask open questions (what, how, who…), not advice.",
    "The presenter owns the problem and decides the actions.",
)
KEPT = (
    "What is kept: alsbot saves only what the set records (actions, updates, do's and "
    "ratings), never a transcript of this thread. The chat platform (Slack, Discord or "
    "Teams) keeps the thread itself, under your organisation's own retention settings."
)
ADD = "+"


def rules(setting: str) -> tuple[str, ...]:
    """The rules a set's `ground_rules` setting stands for: one a line ("" = the bot's own)."""
    said = tuple(line.strip(" •-\t") for line in setting.splitlines())
    return tuple(rule for rule in said if rule) or DEFAULT


def opening_text(setting: str) -> str:
    """The ground rules as the Opening shows them, then what the bot keeps."""
    listed = "\n".join(f"• {rule}" for rule in rules(setting))
    return f"Ground rules for this session:\n{listed}\n{KEPT}"


def with_rule(current: str, said: str) -> str:
    """`said` is what followed the key: "+ <rule>" adds a rule to `current`, anything else
    is the new setting as typed (read and checked by the setting's reader)."""
    if not said.startswith(ADD):
        return said
    rule = said[len(ADD) :].strip()
    if not rule:
        raise ValueError("a rule after the +, e.g. `+ Phones on silent`")
    return "\n".join((*rules(current), rule))
