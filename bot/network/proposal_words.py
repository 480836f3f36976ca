"""What a match proposal says, and its buttons (prefix `match`). Pure.

The words keep one promise: nobody is shown who declined. A declined proposal and one that
lapsed (an item removed or expired) read the same to whoever presses a button on it later
("not going ahead this time"), and the person who said no is told the other will not hear
of it. People's own words are always `Plain`, quoted; people are `Mention`s.
"""

from __future__ import annotations

from bot.refs import UserRef
from bot.replies import Button, Mention, Strong, Text, text

PREFIX = "match"
YES, NO, TALKED, NOT_YET = "yes", "no", "talked", "notyet"


def quoted(words: str) -> str:
    return f"“{words.strip()}”"


def handle(proposal_id: int, role: str) -> str:
    """The proposal's DM to one side (`want` or `offer`), edited once they answer."""
    return f"match:{proposal_id}:{role}"


def check_handle(proposal_id: int, role: str) -> str:
    return f"match:{proposal_id}:check:{role}"


def answer_buttons(proposal_id: int) -> tuple[Button, ...]:
    value = str(proposal_id)
    return (
        Button(f"{PREFIX}:{YES}", "Let's talk", value, "primary"),
        Button(f"{PREFIX}:{NO}", "Not now", value),
    )


def check_buttons(proposal_id: int) -> tuple[Button, ...]:
    value = str(proposal_id)
    return (
        Button(f"{PREFIX}:{TALKED}", "We talked", value, "primary"),
        Button(f"{PREFIX}:{NOT_YET}", "Not yet", value),
    )


ONLY_IF_BOTH = (
    " Would you like to talk? I'll open a chat for the two of you only if you both say yes. "
    "If it doesn't go ahead, neither of you is told why."
)


def to_wanter(offerer: UserRef, want: str, offer: str) -> Text:
    return text(
        Strong("A possible match"),
        f" for your want {quoted(want)}: ",
        Mention(offerer),
        f" posted an offer, {quoted(offer)}.",
        ONLY_IF_BOTH,
    )


def to_offerer(wanter: UserRef, want: str, offer: str) -> Text:
    return text(
        Strong("A possible match"),
        f" for your offer {quoted(offer)}: ",
        Mention(wanter),
        f" posted a want, {quoted(want)}.",
        ONLY_IF_BOTH,
    )


def said_yes(want: str) -> Text:
    return text(
        f"You said yes to talking about {quoted(want)}. I'll open a chat for you both if the "
        "other person says yes too."
    )


def said_no(want: str) -> Text:
    return text(
        f"Not now — noted, for {quoted(want)}. I won't suggest this match again, and the "
        "other person won't be told you said no."
    )


def opened_note(want: str) -> Text:
    return text(f"You both said yes to talking about {quoted(want)}: I've opened a chat for you.")


NOT_GOING_AHEAD = "This match isn't going ahead this time. Thanks for being open to it."
ALREADY_DECLINED = "You said not now to this match; I won't suggest it again."
ALREADY_OPEN = "You've both said yes already: the chat for the two of you is open."
NOT_YOURS = "That match isn't yours to answer."


def opening(wanter: UserRef, offerer: UserRef, want: str, offer: str) -> Text:
    """The first line of the conversation both said yes to: who wants what, who offers what."""
    return text(
        "Hello ",
        Mention(wanter),
        " and ",
        Mention(offerer),
        " — you both said yes, so here is a chat for the two of you. ",
        Mention(wanter),
        f"'s want: {quoted(want)}. ",
        Mention(offerer),
        f"'s offer: {quoted(offer)}. Over to you — perhaps start with when suits you both.",
    )


def check_question(other: UserRef, want: str) -> Text:
    return text(
        "A week ago I opened a chat for you and ",
        Mention(other),
        f" about {quoted(want)}. Did you talk?",
    )


def outcome_noted(outcome: str) -> Text:
    if outcome == TALKED:
        return text("Thanks — noted that you talked.")
    return text("Thanks — noted: not yet. There's no rush.")
