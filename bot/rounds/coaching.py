"""Coaching supporters in the Questions phase, privately, without nagging.

A message that reads as advice (`advice.classify`) draws a private reminder — at most
twice per supporter per presenter, worded differently each time (chosen by how many this
supporter has had this session, so the choice is the same in every process), offering their
own words back as an open question when `rephrase.open_question` can make one. A closed
question draws one tip per supporter per session. Open and closed questions are kept for
the presenter's private list ("The questions you were asked"); advice is not a question and
is left out of it. When a presenter's Questions phase ends with any advice or closed
question, the facilitators get the counts privately by DM — names only when the set's
`advice_named` setting is on (all open questions: no DM, nothing to coach).

Everything is kept in the session's `scratch` (one JSON column, written in the same
transaction as the event that changed it, so it survives a restart), read with a row lock so
two processes handling two messages in one thread cannot both send a third reminder. It is
dropped when the session closes: no per-person tally outlives the session.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from bot.context import Ctx
from bot.counts import counted
from bot.events import MessagePosted
from bot.refs import UserRef
from bot.replies import Direct, Mention, Strong, Text, text
from bot.rounds import advice, codec, engine, rephrase
from bot.rounds.engine import Phase
from bot.rounds.privately import Privately
from bot.rounds.sessions import SESSIONS, SessionInfo
from bot.set_info import SetInfo
from bot.sets import records as sets

KEY = "coaching"
QUESTIONS = "questions"  # the presenter's list, handed over by `control`
MAX_QUESTIONS = 200
REMINDERS_PER_PRESENTER = 2

_REMINDERS = (
    "A gentle reminder: in this phase we ask open questions rather than offer advice.",
    "That one reads like a suggestion. The presenter finds their own way best through "
    "open questions.",
    "Holding back suggestions for now helps the presenter think it through for themselves.",
    "Advice can wait: an open question gives the presenter room to find their own answer.",
    "One more nudge towards questions: what the presenter discovers for themselves tends to stick.",
)
_EXAMPLE = "Could you turn that into a question, such as “What options have you considered?”"
CLOSED_TIP = (
    "A small tip, just for you: open questions — what, how — invite more than yes or no. "
    "For example “How does the chair see it?” rather than “Is the chair on board?”"
)


def reminder_text(count: int, rephrased: str | None = None) -> str:
    """The private reminder a supporter gets for the `count`-th time this session (from 1):
    each of the first five reads differently, then they come round again."""
    opening = _REMINDERS[(max(count, 1) - 1) % len(_REMINDERS)]
    if rephrased:
        return f"{opening} You might ask: “{rephrased}”"
    return f"{opening} {_EXAMPLE}"


def _state(scratch: dict[str, Any]) -> dict[str, Any]:
    """The coaching part of the scratch: `reminded` (reminders per supporter this session),
    `tipped` (supporters given the closed-question tip) and, per presenter, what each
    supporter's messages read as and whether the facilitators have been told."""
    state: dict[str, Any] = scratch.setdefault(KEY, {})
    state.setdefault("reminded", {})
    state.setdefault("tipped", [])
    state.setdefault("phases", {})
    return state


def _phase(state: dict[str, Any], presenter: str) -> dict[str, Any]:
    phase: dict[str, Any] = state["phases"].setdefault(presenter, {})
    for kind in ("advice", "closed", "open"):
        phase.setdefault(kind, {})
    phase.setdefault("told", False)
    return phase


async def _locked(ctx: Ctx, session: SessionInfo) -> bool:
    """Re-read the session's state and scratch under a row lock (PostgreSQL: concurrent
    events in one thread wait here for each other). SQLite's writer holds the database from
    `BEGIN IMMEDIATE`, so the event's first read, in the same transaction, is current and is
    not read again (a third of a message's handling in `bench/many_rounds.py`). False when
    the round has moved on since the event's first read."""
    presenter = engine.current_presenter(session.state)
    if ctx.dialect == "sqlite":  # BEGIN IMMEDIATE: the event's first read is already current
        return session.state.phase == Phase.QUESTIONS and presenter is not None
    row = (
        await ctx.conn.execute(
            select(SESSIONS.c.state, SESSIONS.c.scratch, SESSIONS.c.status, SESSIONS.c.version)
            .where(SESSIONS.c.id == session.id)
            .with_for_update()
        )
    ).first()
    if row is None or row.status != "active":
        return False
    session.state = codec.state_from_json(row.state)
    session.scratch = dict(row.scratch or {})
    session.version = row.version
    return session.state.phase == Phase.QUESTIONS and (
        engine.current_presenter(session.state) == presenter
    )


async def _save_scratch(ctx: Ctx, session: SessionInfo) -> None:
    """Only the scratch (cheaper than `sessions.save`, which writes the state back too, on
    every coached message): the engine's state is the phase flow's to write. The version is
    bumped here and in memory alike, so a later `save` in the same event is not refused."""
    await ctx.conn.execute(
        update(SESSIONS)
        .where(SESSIONS.c.id == session.id)
        .values(scratch=session.scratch, version=SESSIONS.c.version + 1)
    )
    session.version += 1


def _tally(phase: dict[str, Any], kind: str, who: str) -> int:
    counts: dict[str, int] = phase[kind]
    counts[who] = counts.get(who, 0) + 1
    return counts[who]


async def on_question_phase_message(
    ctx: Ctx, set_info: SetInfo, session: SessionInfo, event: MessagePosted
) -> None:
    """A supporter's message while a presenter is being asked questions."""
    if not await _locked(ctx, session):
        return
    presenter = engine.current_presenter(session.state)
    if presenter is None or event.user.key == presenter:
        return
    who = event.user.key
    kind = advice.classify(event.text)
    state = _state(session.scratch)
    phase = _phase(state, presenter)
    privately = Privately(event.user, set_info.channel, thread=event.thread)
    if kind is advice.Kind.ADVICE:
        if _tally(phase, "advice", who) <= REMINDERS_PER_PRESENTER:
            sent = state["reminded"][who] = state["reminded"].get(who, 0) + 1
            body = reminder_text(sent, rephrase.open_question(event.text))
            ctx.emit(privately.reply(text(body)))
    elif kind in (advice.Kind.OPEN_QUESTION, advice.Kind.CLOSED_QUESTION):
        closed = kind is advice.Kind.CLOSED_QUESTION
        _tally(phase, "closed" if closed else "open", who)
        if closed and who not in state["tipped"]:
            state["tipped"].append(who)
            ctx.emit(privately.reply(text(CLOSED_TIP)))
        asked = session.scratch.setdefault(QUESTIONS, [])
        if len(asked) < MAX_QUESTIONS:
            asked.append(event.text.strip()[:500])
    else:
        return
    await _save_scratch(ctx, session)


def _people(counts: dict[str, int]) -> Text:
    out = text()
    for n, (key, times) in enumerate(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))):
        out += text(", " if n else "", Mention(UserRef.from_key(key)))
        if times > 1:
            out += f" ×{times}"
    return out


def _counts_text(presenter: str, phase: dict[str, Any], named: bool) -> Text | None:
    opened, closed, advised = (sum(phase[k].values()) for k in ("open", "closed", "advice"))
    if not closed + advised:
        return None  # all open questions: nothing to coach, so no DM
    people = len({*phase["open"], *phase["closed"], *phase["advice"]})
    body = text("📋 ", Strong("Questions for "), Mention(UserRef.from_key(presenter)))
    body += text(" (only facilitators see this): ")
    body += f"{counted(opened, 'open question')}, {counted(closed, 'closed question')}, "
    body += f"{counted(advised, 'message')} read as advice, from {counted(people, 'supporter')}."
    if named:
        if advised:
            body += text("\nAdvice: ") + _people(phase["advice"])
        if closed:
            body += text("\nClosed questions: ") + _people(phase["closed"])
    else:
        body += " Names are not shared (`/als settings advice_named on` to see them)."
    return body


async def questions_ended(
    ctx: Ctx, set_info: SetInfo, session: SessionInfo, *, closing: bool = False
) -> None:
    """A presenter's Questions phase is over (or the session is closing): tell the
    facilitators, other than that presenter, what the supporters' messages read as. On
    closing, the per-person tallies are dropped.

    The tallies are re-read under the row lock: the phase change loaded its copy of the
    scratch before a message handled meanwhile by another process may have added to them,
    and it writes its copy back."""
    row = (
        await ctx.conn.execute(
            select(SESSIONS.c.scratch).where(SESSIONS.c.id == session.id).with_for_update()
        )
    ).first()
    fresh = dict(row.scratch or {}) if row else {}
    if KEY in fresh:
        session.scratch[KEY] = fresh[KEY]
    state = session.scratch.get(KEY)
    if not state:
        return
    named = bool(set_info.setting(ctx, "advice_named"))
    facilitators = await sets.facilitators(ctx, set_info.id)
    for presenter, phase in state.get("phases", {}).items():
        if phase.get("told"):
            continue
        phase["told"] = True
        body = _counts_text(presenter, _phase(state, presenter), named)
        if body is None:
            continue
        for person in facilitators:
            if not sets.same_person(ctx, person, presenter):
                ctx.emit(Direct(user=person, text=body))
    if closing:
        session.scratch.pop(KEY, None)
