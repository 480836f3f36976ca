"""What the bot says during a round, and the header's buttons.

Kept apart from the round logic so that wording can change without touching behaviour,
and so that every adapter shows the same words.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.refs import UserRef
from bot.replies import Button, Mention, Strong, Text, text
from bot.rounds import engine, round_clock
from bot.rounds.engine import Phase, RoundState
from bot.rounds.plan import Timings, per_presenter, plan_length
from bot.sets import ground_rules as rules

TITLES = {
    Phase.OPENING: "Opening",
    Phase.UPDATES: "Updates from last time",
    Phase.PRESENTING: "Presenting",
    Phase.QUESTIONS: "Questions",
    Phase.SUMMARY: "Summary",
    Phase.ACTIONS: "Actions",
    Phase.EVALUATION: "Evaluation",
    Phase.CLOSED: "Closed",
}


def minutes(delta: timedelta) -> str:
    total = max(0, round(delta.total_seconds() / 60))
    return f"{total} min"


def people(keys: tuple[str, ...] | list[str]) -> Text:
    out = text()
    for i, key in enumerate(keys):
        if i:
            out += ", "
        out += text(Mention(UserRef.from_key(key)))
    return out if out.parts else text("nobody yet")


def span(delta: timedelta) -> str:
    """A length as people say it: "45 min", "2 h", "1 h 56 min"."""
    total = max(0, round(delta.total_seconds() / 60))
    hours, mins = divmod(total, 60)
    if not hours:
        return f"{mins} min"
    return f"{hours} h" + (f" {mins} min" if mins else "")


def time_plan(timings: Timings, presenters: int | None = None) -> str:
    """The plan phase by phase; given the number of presenters, with its total."""
    plan = (
        f"Opening {minutes(timings.opening)} · Updates {minutes(timings.updates)} · "
        f"then for each presenter: presenting {minutes(timings.presenting)}, "
        f"questions {minutes(timings.questions)}, summary {minutes(timings.summary)}, "
        f"actions {minutes(timings.actions)} · Evaluation {minutes(timings.evaluation)}"
    )
    if presenters is None:
        return plan
    total = span(plan_length(timings, presenters))
    if presenters:
        return f"{plan} — about {total} in all"
    return f"{plan} — about {total}, plus {span(per_presenter(timings))} for each presenter"


def over_booking(timings: Timings, presenters: int, booked: timedelta | None) -> str:
    """A warning when the plan is longer than the session's booked length; else nothing."""
    planned = plan_length(timings, presenters)
    if booked is None or planned <= booked:
        return ""
    return (
        f"\n⚠ This plan (about {span(planned)}) is longer than the {span(booked)} booked for "
        "the session: fewer presenters or shorter phases (`/als settings`) would fit it."
    )


def header(session_id: int, state: RoundState, now: datetime) -> Text:
    presenter = engine.current_presenter(state)
    out = text(Strong("Action Learning session"), f" · phase: {TITLES[state.phase]}")
    if presenter and state.phase in engine.PER_PRESENTER:
        out += text(" · presenter: ", Mention(UserRef.from_key(presenter)))
    if state.phase == Phase.CLOSED:
        return out + " · this session has ended. Thank you all."
    if state.paused_remaining is not None:
        out += f" · paused ({minutes(state.paused_remaining)} left)"
    elif state.held is not None:
        out += _HELD[state.held]
    else:
        left = round_clock.time_left(state, now)
        if left is not None:
            out += f" · {minutes(left)} left"
    if not state.presenters:
        return out + "\nWho will present? Press “I'd like to present”."
    out += text("\nPresenters: ") + people(state.presenters)
    return out


_HELD = {
    engine.Held.TIME_UP: " · time is up",
    engine.Held.NOBODY: " · waiting for a presenter",
}
MORE_LABEL = "+5 min"
MORE_BUTTON_MINUTES = 5


def extended(effect: engine.Extended) -> str:
    return (
        f"⏱ {minutes(effect.added)} more for {TITLES[effect.phase]}: {minutes(effect.left)} left."
    )


def time_up(phase: Phase) -> str:
    return (
        f"⏰ Time is up for {TITLES[phase]}. The facilitator moves on with [Next phase] "
        "(or gives more time with [+5 min])."
    )


NOBODY_YET = "Nobody has offered to present yet — press [I'd like to present]."


def queued(ahead: int) -> str:
    """The private answer to someone who volunteers during another person's turn."""
    if ahead <= 0:
        return "You're next in the queue; I'll announce it when this phase ends."
    return f"You're in the queue, with {ahead} before you; I'll announce it when this phase ends."


def step_token(state: RoundState) -> str:
    """Names the step a "Next phase" button was drawn for: (phase, presenter) pairs never
    repeat within a session, so a press on an out-of-date header can be recognised."""
    return f"{state.phase.value}.{state.current}"


def buttons(session_id: int, state: RoundState) -> tuple[Button, ...]:
    sid = str(session_id)
    if state.phase == Phase.CLOSED:
        return ()
    row: list[Button] = [
        Button("round:next", "Next phase", f"{sid}:{step_token(state)}", "primary")
    ]
    if state.paused_remaining is None:
        row.append(Button("round:pause", "Pause", sid))
    else:
        row.append(Button("round:resume", "Resume", sid))
    row.append(Button("round:more", MORE_LABEL, sid))
    row.append(Button("round:end", "End", sid, "danger"))
    if state.phase == Phase.EVALUATION:
        row.extend(Button("round:rate", str(n), f"{sid}:{n}") for n in range(1, 6))
    else:
        row.append(Button("round:volunteer", "I'd like to present", sid))
    return tuple(row)


def comment_note(named: bool) -> str:
    """Said before anyone comments, so people know where their words will go."""
    how = "with your name" if named else "without your name"
    return f"\nA comment longer than a word is also passed to the facilitators by DM, {how}."


def phase_intro(state: RoundState, presenter: str | None, ground_rules: str = "") -> Text:
    """`ground_rules` is the set's setting ("" = the bot's own rules)."""
    phase = state.phase
    t = state.timings
    who = text(Mention(UserRef.from_key(presenter))) if presenter else text("the presenter")
    if phase == Phase.OPENING:
        return (
            text(
                Strong("Opening"),
                "\n",
                rules.opening_text(ground_rules),
                "\nTime plan: ",
                time_plan(t, len(state.presenters)),
                "\nPresenters: ",
            )
            + people(state.presenters)
            + ("" if state.presenters else " (press “I'd like to present” to volunteer)")
        )
    if phase == Phase.UPDATES:
        return text(
            Strong("Updates from last time"),
            f" ({minutes(t.updates)}): each previous presenter, how did your actions go?",
        )
    if phase == Phase.PRESENTING:
        return (
            text(Strong("Presenting"), ": ")
            + who
            + text(
                f", the floor is yours for {minutes(t.presenting)}. "
                "Everyone else: listen to understand; questions come next."
            )
        )
    if phase == Phase.QUESTIONS:
        return (
            text(Strong("Questions"), " for ")
            + who
            + text(
                f" ({minutes(t.questions)}). Ask open questions — what, how, who, tell me more — "
                "rather than advice. If a question sounds like advice, I'll let you know privately."
            )
        )
    if phase == Phase.SUMMARY:
        return (
            text(Strong("Summary"), ": ")
            + who
            + text(", please sum up: what have you heard, and what is new for you?")
        )
    if phase == Phase.ACTIONS:
        return (
            text(Strong("Actions"), ": ")
            + who
            + text(
                ", what will you do before next time? Post your actions here, one a message or "
                "several as a list, each with “by <date>” if you like (“by Friday”, “by end of "
                "month”, “before the next session”). I'll show each back with [Edit] [Remove]."
            )
        )
    if phase == Phase.EVALUATION:
        return text(
            Strong("Evaluation"),
            ": how effective was this session for you? Rate 1–5 with the buttons, "
            "or reply with a number and one word (e.g. “4 energising”).",
        )
    return text(Strong("Closed"))
