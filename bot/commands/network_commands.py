"""The commands that keep the set talking between sessions (issue 18): offers and wants, a
prompt of the week, pairs that check in.

Handled by `bot.network`. Like every command class, each is an inert value carrying its
declaration; `bot.commands.values.Command` lists them all in help order. `/als offers` and
`/als wants` read as the `list` form (`bot.commands.network_words.PLURALS`), so the four
verbs fit Discord's 25 subcommands under `/als`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.commands.spec import (
    Ask,
    AskField,
    CommandSpec,
    Group,
    Option,
    OptionKind,
    Role,
    SetPolicy,
)

ANYONE, MEMBER, PRESENTER, FACILITATOR = Role
OPTIONAL, EXISTING, CREATE, FOR_PERSON, SET_UP = SetPolicy
TEXT, PERSON, INTEGER, FLAG, CHOICE = OptionKind

Kind = Literal["offer", "want"]

OFFER = Group(
    "offer",
    "say what you can help with; I match it with what others in the set want",
    "E.g. `/als offer I can help with grant applications #funding`. `/als offers [terms]` "
    "lists the set's offers; `/als offer edit 3 I can help with bids` and `/als offer remove 3` "
    "change yours (by number). An offer lasts 90 days (I remind you first). When someone's want matches, I ask "
    "you both privately, and only when you both say yes do I open a chat for the two of you.",
    about="What you can help others in the set with",
    aliases=("offers",),
)
WANT = Group(
    "want",
    "say what you'd like to learn or get help with; I match it with others' offers",
    "E.g. `/als want I'd like to learn to run a focus group #research`. `/als wants [terms]` "
    "lists the set's wants; `/als want edit 3 I'd like to learn to chair` and `/als want remove 3` "
    "change yours (by number). A want lasts 90 days (I remind you first). When someone's offer matches, I ask "
    "you both privately, and only when you both say yes do I open a chat for the two of you.",
    about="What you would like help with or to learn",
    aliases=("wants",),
)
PROMPTS = Group(
    "prompts",
    "a reflective prompt posted in the channel each week",
    "`/als prompts on tuesday 9:30` (facilitators; with no day and time, Monday 10:00 in the "
    "set's time zone) posts one prompt a week, except in weeks with a session; replies go in its thread "
    "and stay the platform's — I keep none. `/als prompts add What surprised you this week?` adds one of the "
    "set's own, `/als prompts list` shows them, `/als prompts remove 5` removes one, `/als prompts "
    "off` stops them.",
    about="A prompt of the week in the set's channel",
    aliases=("prompt",),
)
PAIRS = Group(
    "pairs",
    "pairs who check in with each other between sessions",
    "`/als pairs on` (facilitators): a week after each session I pair the set's members at "
    "random (a trio when the count is odd, never the last two rounds' pairs again), introduce "
    "each pair privately with a conversation starter, and ask a week later whether you met. "
    "`/als settings pairs off` leaves you out; `/als pairs` shows your pair.",
    about="Pairs between sessions",
    aliases=("pair",),
)

_TAGS = AskField(
    "tags",
    "Tags (optional)",
    placeholder="funding, writing",
    required=False,
    max_length=200,
    as_tags=True,
)
OFFER_ASK = Ask(
    "Offer help",
    (
        AskField(
            "text",
            "What can you offer the set?",
            placeholder="I can help with grant applications",
            long=True,
            max_length=500,
        ),
        _TAGS,
    ),
)
WANT_ASK = Ask(
    "Ask for help",
    (
        AskField(
            "text",
            "What would you like help with, or to learn?",
            placeholder="I'd like to learn to run a focus group",
            long=True,
            max_length=500,
        ),
        _TAGS,
    ),
)
_ITEM = Option("number", INTEGER, required=True, minimum=1, maximum=999_999_999, field="item")


@dataclass(frozen=True, slots=True)
class OfferAdd:
    text: str
    kind: ClassVar[Kind] = "offer"

    spec: ClassVar[CommandSpec] = CommandSpec(
        OFFER.verb,
        "/als offer <what you can help with> [#tags]",
        "offer something you can help with",
        role=MEMBER,
        where=FOR_PERSON,
        options=(Option("text", description="What you can help with; #tags optional"),),
        group=OFFER,
        form="add",
        words="offer",
        ask=OFFER_ASK,
        doing="offer help in this set",
    )


@dataclass(frozen=True, slots=True)
class OfferEdit:
    item: int
    text: str
    kind: ClassVar[Kind] = "offer"

    spec: ClassVar[CommandSpec] = CommandSpec(
        OFFER.verb,
        "/als offer edit <n> <words>",
        "change one of your offers",
        where=FOR_PERSON,
        options=(_ITEM, Option("text", required=True)),
        group=OFFER,
        form="edit",
    )


@dataclass(frozen=True, slots=True)
class OfferRemove:
    item: int
    kind: ClassVar[Kind] = "offer"

    spec: ClassVar[CommandSpec] = CommandSpec(
        OFFER.verb,
        "/als offer remove <n>",
        "remove one of your offers",
        where=FOR_PERSON,
        options=(_ITEM,),
        group=OFFER,
        form="remove",
    )


@dataclass(frozen=True, slots=True)
class OfferList:
    terms: str = ""
    kind: ClassVar[Kind] = "offer"

    spec: ClassVar[CommandSpec] = CommandSpec(
        OFFER.verb,
        "/als offers [terms]",
        "list or search the set's offers",
        role=MEMBER,
        where=FOR_PERSON,
        options=(Option("terms"),),
        group=OFFER,
        form="list",
        doing="see this set's offers",
    )


@dataclass(frozen=True, slots=True)
class WantAdd:
    text: str
    kind: ClassVar[Kind] = "want"

    spec: ClassVar[CommandSpec] = CommandSpec(
        WANT.verb,
        "/als want <what you'd like help with> [#tags]",
        "ask for help with something, or to learn it",
        role=MEMBER,
        where=FOR_PERSON,
        options=(Option("text", description="What you'd like help with; #tags optional"),),
        group=WANT,
        form="add",
        words="want",
        ask=WANT_ASK,
        doing="ask for help in this set",
    )


@dataclass(frozen=True, slots=True)
class WantEdit:
    item: int
    text: str
    kind: ClassVar[Kind] = "want"

    spec: ClassVar[CommandSpec] = CommandSpec(
        WANT.verb,
        "/als want edit <n> <words>",
        "change one of your wants",
        where=FOR_PERSON,
        options=(_ITEM, Option("text", required=True)),
        group=WANT,
        form="edit",
    )


@dataclass(frozen=True, slots=True)
class WantRemove:
    item: int
    kind: ClassVar[Kind] = "want"

    spec: ClassVar[CommandSpec] = CommandSpec(
        WANT.verb,
        "/als want remove <n>",
        "remove one of your wants",
        where=FOR_PERSON,
        options=(_ITEM,),
        group=WANT,
        form="remove",
    )


@dataclass(frozen=True, slots=True)
class WantList:
    terms: str = ""
    kind: ClassVar[Kind] = "want"

    spec: ClassVar[CommandSpec] = CommandSpec(
        WANT.verb,
        "/als wants [terms]",
        "list or search the set's wants",
        role=MEMBER,
        where=FOR_PERSON,
        options=(Option("terms"),),
        group=WANT,
        form="list",
        doing="see this set's wants",
    )


@dataclass(frozen=True, slots=True)
class PromptsOn:
    when: str = ""  # "monday 10:00" as `network_words.read_weekly` wrote it; "" = the default

    spec: ClassVar[CommandSpec] = CommandSpec(
        PROMPTS.verb,
        "/als prompts on [weekday time]",
        "post a prompt each week (default Monday 10:00)",
        role=FACILITATOR,
        where=EXISTING,
        options=(Option("when", description="A weekday and time, e.g. tuesday 9:30"),),
        group=PROMPTS,
        form="on",
        doing="turn the prompt of the week on",
    )


@dataclass(frozen=True, slots=True)
class PromptsOff:
    spec: ClassVar[CommandSpec] = CommandSpec(
        PROMPTS.verb,
        "/als prompts off",
        "stop the prompt of the week",
        role=FACILITATOR,
        where=EXISTING,
        group=PROMPTS,
        form="off",
        doing="turn the prompt of the week off",
    )


@dataclass(frozen=True, slots=True)
class PromptsAdd:
    text: str

    spec: ClassVar[CommandSpec] = CommandSpec(
        PROMPTS.verb,
        "/als prompts add <text>",
        "add a prompt of the set's own",
        role=MEMBER,
        where=EXISTING,
        options=(Option("text", required=True),),
        group=PROMPTS,
        form="add",
        doing="add a prompt to this set",
    )


@dataclass(frozen=True, slots=True)
class PromptsList:
    spec: ClassVar[CommandSpec] = CommandSpec(
        PROMPTS.verb,
        "/als prompts list",
        "show the prompts and when the next one comes",
        where=EXISTING,
        group=PROMPTS,
        form="list",
        words="prompts",
    )


@dataclass(frozen=True, slots=True)
class PromptsRemove:
    """Its author or a facilitator may remove a prompt: the handler knows the author."""

    number: int

    spec: ClassVar[CommandSpec] = CommandSpec(
        PROMPTS.verb,
        "/als prompts remove <n>",
        "remove one of the set's own prompts",
        where=EXISTING,
        options=(Option("number", INTEGER, required=True, minimum=1, maximum=999),),
        group=PROMPTS,
        form="remove",
    )


@dataclass(frozen=True, slots=True)
class PairsOn:
    spec: ClassVar[CommandSpec] = CommandSpec(
        PAIRS.verb,
        "/als pairs on",
        "pair members a week after each session",
        role=FACILITATOR,
        where=EXISTING,
        group=PAIRS,
        form="on",
        doing="turn pairs on",
    )


@dataclass(frozen=True, slots=True)
class PairsOff:
    spec: ClassVar[CommandSpec] = CommandSpec(
        PAIRS.verb,
        "/als pairs off",
        "stop pairing members",
        role=FACILITATOR,
        where=EXISTING,
        group=PAIRS,
        form="off",
        doing="turn pairs off",
    )


@dataclass(frozen=True, slots=True)
class PairsShow:
    spec: ClassVar[CommandSpec] = CommandSpec(
        PAIRS.verb,
        "/als pairs",
        "show whether pairs are on, and your pair",
        where=FOR_PERSON,
        group=PAIRS,
        form="show",
        words="pairs",
    )
