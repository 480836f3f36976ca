"""Everyone's rating of the session, at its close, and what they want the facilitators to hear.

A rating is the one number (and optional word) people choose to give about how the session
went; it is theirs, so it is part of `export-me` and goes with `forget-me`. People write it
the way they would to a person — "4", "five", "4/5", "4 out of 5", "**4**", 4️⃣, "4 energising",
"five - focused" — and `read_rating` (pure) reads all of those.

A rating typed before the Evaluation phase is answered privately rather than silently
dropped (and not recorded: the person rates again at the end). Only a message that is
nothing but a rating counts then, so "5 volunteers left last month" while presenting stays
what it was.

A longer comment in the Evaluation phase ("too rushed, we ran out of time for questions")
is passed privately to the set's facilitators — without the author's name unless the set's
`evaluation_named` setting is on — and not stored beyond that delivery.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from bot.context import Ctx
from bot.events import MessagePosted
from bot.refs import UserRef
from bot.replies import Direct, Mention, Text, text
from bot.rounds.engine import Phase, RoundState
from bot.rounds.privately import Privately
from bot.rounds.sessions import SessionInfo, header_handle
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.store.models import Evaluation

EVALUATIONS = Evaluation.__table__
MAX_WORD = 60
MAX_COMMENT = 1500

# --------------------------------------------------------------------------- reading a rating

_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_EM = r"[*_`~]{0,2}"  # Markdown emphasis around the number: **4**, _4_, `4`
_SCORE = (
    r"(?:(?P<keycap>[1-5])\ufe0f?\u20e3"  # 4️⃣ and the bare keycap form 4⃣
    r"|:(?P<slack>one|two|three|four|five):"  # Slack's text for 4️⃣
    r"|(?P<digit>[1-5])"
    r"|(?P<word>one|two|three|four|five))"
)
_OUT_OF = r"(?P<outof>\s*(?:/|out\s+of|of)\s*(?:5|five)(?!\d))?"
_HEAD = re.compile(rf"^{_EM}{_SCORE}{_EM}{_OUT_OF}{_EM}(?=$|[\s.,!:;\-–—])", re.I)
_SEPARATORS = " \t\n.,!:;-–—"
_EXPLICIT = re.compile(r"^\s*[,:;\-–—]")  # "five - focused", "four: good, but…"
_EDGES = "\"'“”‘’*_`~.,!:;()[]"
# Words that make a number a quantity or a time, not a rating ("5 pm", "2 weeks").
_UNITS = frozenset(
    "am pm min mins minute minutes hour hours hr hrs day days week weeks month months "
    "year years time times people persons percent % x of out or to and more".split()
)
# Words that only restate the scale ("5 stars").
_SCALE = frozenset({"star", "stars", "⭐", "points", "pts", "/5"})


@dataclass(frozen=True, slots=True)
class Rating:
    """What a message gives: a score 1–5, perhaps one word, perhaps a longer comment."""

    score: int
    word: str | None = None
    comment: str | None = None


def read_rating(message: str) -> Rating | None:
    """The rating a message gives, or None when it does not start with one.

    The score comes first, as a digit, a word, "n/5", "n out of 5", an emoji keycap or in
    Markdown emphasis; what follows is one word (kept with the rating) or a longer comment.
    Not a rating: other scales ("4/10"), decimals and ranges ("4.5", "4-5"), quantities and
    times ("5 pm", "2 weeks"), questions ("5?"), and a spelled-out number that starts a
    sentence ("one thing I'd change…").
    """
    stripped = message.strip()
    head = _HEAD.match(stripped)
    if head is None:
        return None
    found = head["keycap"] or head["digit"] or head["slack"] or head["word"]
    score = int(found) if found.isdigit() else _WORDS[found.lower()]
    tail = stripped[head.end() :]
    rest = tail.lstrip(_SEPARATORS).strip()
    if not rest:
        return Rating(score)
    tokens = rest.split()
    first = tokens[0].strip(_EDGES).lower()
    if first in _UNITS or first[:1].isdigit():
        return None
    if len(tokens) == 1:
        if "?" in rest:
            return None
        word = rest.strip(_EDGES)[:MAX_WORD] or None
        return Rating(score, None if (word or "").lower() in _SCALE else word)
    spelled = bool(head["word"])
    if spelled and not head["outof"] and not _EXPLICIT.match(tail):
        return None  # "one thing I'd change", "two of us were late"
    if first in _SCALE:  # "5 stars, but too rushed"
        rest = rest[len(tokens[0]) :].lstrip(" \t" + _EDGES).strip()
        if not rest:
            return Rating(score)
        if len(rest.split()) == 1:
            return Rating(score, rest.strip(_EDGES)[:MAX_WORD] or None)
    word_then_comment = re.match(r"^(\S+?)(?:[,;:]\s+|\s+[-–—]\s+)(\S.*)$", rest, re.S)
    if word_then_comment:  # "4 energising, but too long": the comment keeps its word
        word = word_then_comment[1].strip(_EDGES)[:MAX_WORD] or None
        return Rating(score, word, rest[:MAX_COMMENT])
    return Rating(score, None, rest[:MAX_COMMENT])


def gives_rating(state: RoundState, message: str) -> bool:
    """Whether a message in the round's thread records a rating (`on_message`): one that
    reads as a rating, in a running Evaluation phase. Pure, for attendance's "rated"."""
    return (
        state.phase == Phase.EVALUATION
        and state.paused_remaining is None
        and read_rating(message) is not None
    )


def is_comment(message: str) -> bool:
    """A message worth passing on as a comment: more than a single word ("thanks!")."""
    return len(message.split()) >= 2


# --------------------------------------------------------------------------- in the thread


async def on_message(
    ctx: Ctx, set_info: SetInfo, session: SessionInfo, event: MessagePosted
) -> bool:
    """A message in the round's thread that is a rating or an evaluation comment; True when
    it was one (and so needs nothing else)."""
    rating = read_rating(event.text)
    if session.state.phase != Phase.EVALUATION:
        if rating is None or rating.comment is not None:
            return False
        _tell(
            ctx,
            set_info,
            event,
            text(
                "Thanks — I'll ask for ratings at the end, in the Evaluation phase. "
                "This one isn't recorded: please rate again then."
            ),
        )
        return True
    facilitator = await sets.is_facilitator(ctx, set_info.id, event.user)
    if rating is not None:
        also = ""
        if rating.comment and not facilitator:
            also = await forward_comment(ctx, set_info, event, rating.comment)
        await rate(ctx, set_info, session.id, event.user, rating.score, rating.word, also=also)
        return True
    if facilitator or not is_comment(event.text):
        return False  # a facilitator's own words, or a lone "thanks!", stay in the thread
    _tell(ctx, set_info, event, text(await forward_comment(ctx, set_info, event, event.text)))
    return True


def _tell(ctx: Ctx, set_info: SetInfo, event: MessagePosted, body: Text) -> None:
    ctx.emit(Privately(event.user, set_info.channel, thread=event.thread).reply(body))


async def forward_comment(ctx: Ctx, set_info: SetInfo, event: MessagePosted, comment: str) -> str:
    """DM the comment to the set's facilitators (not its author); return what to tell the
    author. Nothing is stored: the DMs are the comment's only copy."""
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        comment = comment[: MAX_COMMENT - 1].rstrip() + "…"
    to = [
        person
        for person in await sets.facilitators(ctx, set_info.id)
        if not sets.same_person(ctx, person, event.user.key)
    ]
    if not to:
        return "This set has no facilitator to pass your comment to, so it went nowhere."
    named = bool(set_info.setting(ctx, "evaluation_named"))
    body = text("💬 ")
    if named:
        body += text(Mention(event.user), " left a comment in the session's evaluation:")
    else:
        body += "A comment from the session's evaluation (the author's name is not shared):"
    body += text("\n“", comment, "”")
    link = ctx.traits.permalink(event.thread) if event.thread else None
    if link:
        body += f"\nThe session: {link}"
    for person in to:
        ctx.emit(Direct(user=person, text=body))
    how = "with your name" if named else "without your name"
    return (
        f"I've passed your comment privately to the set's facilitators, {how}; I don't keep a copy."
    )


async def rate(
    ctx: Ctx,
    set_info: SetInfo,
    session_id: int,
    user: UserRef,
    rating: int,
    word: str | None,
    *,
    also: str = "",
) -> None:
    word = (word or "").strip()[:MAX_WORD] or None
    existing = (
        await ctx.conn.execute(
            select(EVALUATIONS.c.id).where(
                EVALUATIONS.c.session_id == session_id, EVALUATIONS.c.user_key == user.key
            )
        )
    ).first()
    if existing:
        await ctx.conn.execute(
            update(EVALUATIONS)
            .where(EVALUATIONS.c.id == existing.id)
            .values(rating=rating, word=word, created_at=ctx.now)
        )
    else:
        await ctx.conn.execute(
            insert(EVALUATIONS).values(
                session_id=session_id,
                user_key=user.key,
                rating=rating,
                word=word,
                created_at=ctx.now,
            )
        )
    said = text(f"Thanks — your rating of {rating}/5")
    if word:
        said += text(" (“", word, "”)")
    said += " is recorded."
    if also:
        said += " " + also
    ctx.emit(Privately(user, set_info.channel, thread_handle=header_handle(session_id)).reply(said))
