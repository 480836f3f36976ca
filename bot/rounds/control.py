"""Running a session: start, move on, pause, end — by command, button or timer.

Every path ends in `apply_step`, which saves the engine's new state, turns its effects into
posts in the round's thread, refreshes the header in place and re-arms the phase timer, so
a button press, `/als next` and a deadline all look the same to the people in the round.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot import timers
from bot.commands.values import End, More, Next, Pause, Resume, Start
from bot.context import Ctx, Refusal
from bot.events import CommandInvoked
from bot.hooks import Hook
from bot.refs import UserRef
from bot.replies import Button, Direct, Edit, Ephemeral, Mention, Post, Strong, Text, text
from bot.rounds import (
    attendance,
    coaching,
    engine,
    hooks,
    permissions,
    plan,
    round_clock,
    summary,
    typing_buttons,
    wording,
)
from bot.rounds.engine import (
    Closed,
    Extended,
    NobodyYet,
    OneMinuteLeft,
    Paused,
    Phase,
    PhaseStarted,
    PresenterAdded,
    Resumed,
    TimeUp,
)
from bot.rounds.sessions import (
    RoundChanged,
    SessionInfo,
    active_session,
    arm,
    booked_length,
    create_session,
    header_handle,
    load_session,
    record_round,
    save,
)
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.sets.hooks import MEMBER_LEAVING
from bot.timers import DueTimer

# Presenters taken off the list mid-session (they left the set): the summary names them as
# not having presented; forgotten with the rest of the scratch when the session closes.
REMOVED = "removed_presenters"
# People who offered to present during someone else's turn: announced when that phase ends,
# so the presenter is not interrupted mid-phase.
QUEUED = "queued_volunteers"
RETRY = timedelta(seconds=2)  # a phase timer that met another process's change looks again


def timings_for(ctx: Ctx, set_info: SetInfo) -> plan.Timings:
    return plan.timings_from_minutes(
        **{
            phase: int(set_info.setting(ctx, f"{phase}_minutes"))
            for phase in (
                "opening",
                "updates",
                "presenting",
                "questions",
                "summary",
                "actions",
                "evaluation",
            )
        }
    )


def in_thread(
    set_info: SetInfo, session: SessionInfo, body: Text, buttons: tuple[Button, ...] = ()
) -> Post:
    return Post(channel=set_info.channel, text=body, buttons=buttons, thread_handle=session.header)


async def apply_step(
    ctx: Ctx, set_info: SetInfo, session: SessionInfo, step: engine.Step, *, refresh: bool = True
) -> None:
    session.state = step.state
    for effect in step.effects:
        await _show(ctx, set_info, session, effect)
    await save(ctx, session)
    await arm(ctx, session)
    if not refresh:
        return
    ctx.emit(
        Edit(
            handle=session.header,
            text=wording.header(session.id, session.state, ctx.now),
            buttons=wording.buttons(session.id, session.state),
        )
    )


async def _extras(
    ctx: Ctx, hook: Hook[hooks.RoundExtra], set_info: SetInfo, session: SessionInfo
) -> Text:
    out = text()
    for extra in ctx.hooks(hook):
        piece = await extra(ctx, set_info, session)
        if piece is not None and piece.parts:
            out += text("\n") + piece
    return out


async def _show(ctx: Ctx, set_info: SetInfo, session: SessionInfo, effect: engine.Effect) -> None:
    state = session.state
    if isinstance(effect, PhaseStarted | Closed):  # a volunteer queued mid-phase is named now
        _announce_queued(ctx, set_info, session)
    if isinstance(effect, PhaseStarted):
        if effect.phase == Phase.SUMMARY:
            _hand_over_questions(ctx, session)
            await coaching.questions_ended(ctx, set_info, session)
        if effect.phase == Phase.QUESTIONS:
            session.scratch["questions_for"] = effect.presenter
            session.scratch["questions"] = []
        if effect.phase == Phase.PRESENTING and effect.presenter:
            await record_round(ctx, session.id, effect.presenter, state.current)
        if effect.phase == Phase.CLOSED:
            return
        intro = wording.phase_intro(
            state, effect.presenter, str(set_info.setting(ctx, "ground_rules") or "")
        )
        if effect.phase == Phase.OPENING:
            booked = await booked_length(ctx, set_info.id)
            intro += wording.over_booking(state.timings, len(state.presenters), booked)
            intro += await _extras(ctx, hooks.OPENING, set_info, session)
        if effect.phase == Phase.UPDATES:
            intro += await _extras(ctx, hooks.UPDATES, set_info, session)
        if effect.phase == Phase.EVALUATION:
            intro += wording.comment_note(bool(set_info.setting(ctx, "evaluation_named")))
        # Someone who listens without typing is counted by one press (`attendance`).
        here = (attendance.here_button(session.id),) if effect.phase == Phase.OPENING else ()
        intro, typing = typing_buttons.prompt(ctx, set_info, effect.phase, intro)
        ctx.emit(in_thread(set_info, session, intro, here + typing))
    elif isinstance(effect, OneMinuteLeft):
        title = wording.TITLES[effect.phase]
        ctx.emit(in_thread(set_info, session, text(f"⏳ One minute left for {title}.")))
    elif isinstance(effect, Paused):
        ctx.emit(in_thread(set_info, session, text("⏸ The round is paused.")))
    elif isinstance(effect, Resumed):
        left = wording.minutes(effect.deadline - ctx.now)
        ctx.emit(in_thread(set_info, session, text(f"▶ Resumed: {left} left in this phase.")))
    elif isinstance(effect, PresenterAdded):
        if engine.current_presenter(state) is None:
            ctx.emit(in_thread(set_info, session, _will_present(effect.presenter)))
        else:  # someone else holds the floor: tell the volunteer alone, announce it later
            queued: list[str] = session.scratch.setdefault(QUEUED, [])
            queued.append(effect.presenter)
            ahead = state.presenters.index(effect.presenter) - state.current - 1
            ctx.emit(
                Ephemeral(
                    channel=set_info.channel,
                    user=UserRef.from_key(effect.presenter),
                    text=text(wording.queued(ahead)),
                    thread_handle=session.header,
                )
            )
    elif isinstance(effect, Extended):
        ctx.emit(in_thread(set_info, session, text(wording.extended(effect))))
    elif isinstance(effect, TimeUp):
        ctx.emit(in_thread(set_info, session, text(wording.time_up(effect.phase))))
    elif isinstance(effect, NobodyYet):
        ctx.emit(in_thread(set_info, session, text(wording.NOBODY_YET)))
    elif isinstance(effect, Closed):
        _hand_over_questions(ctx, session)
        await coaching.questions_ended(ctx, set_info, session, closing=True)
        await _close(ctx, set_info, session, early=effect.early)


def _will_present(presenter: str) -> Text:
    return text(Mention(UserRef.from_key(presenter)), " will present in this session.")


def _announce_queued(ctx: Ctx, set_info: SetInfo, session: SessionInfo) -> None:
    for presenter in session.scratch.pop(QUEUED, []):
        if presenter in session.state.presenters and session.state.phase != Phase.CLOSED:
            ctx.emit(in_thread(set_info, session, _will_present(presenter)))


def _hand_over_questions(ctx: Ctx, session: SessionInfo) -> None:
    """The presenter privately gets the questions asked; then they are forgotten."""
    asked: list[str] = session.scratch.pop("questions", [])
    presenter = session.scratch.pop("questions_for", None)
    if not asked or not presenter:
        return
    body = text(Strong("The questions you were asked"), " (only you can see this):")
    for question in asked:
        body += f"\n• {question}"
    ctx.emit(Direct(user=UserRef.from_key(presenter), text=body))


async def _close(ctx: Ctx, set_info: SetInfo, session: SessionInfo, *, early: bool) -> None:
    body = text(Strong("Session summary"), " (ended early)" if early else "")
    removed: list[str] = session.scratch.pop(REMOVED, [])
    named = [*session.state.presenters, *removed]
    body += await summary.presenter_lines(ctx, session.id, named)
    body += await summary.summary_lines(ctx, set_info, session.id)
    body += await _extras(ctx, hooks.CLOSING, set_info, session)
    ctx.emit(Post(channel=set_info.channel, text=body))


# --------------------------------------------------------------------------- commands


async def start(ctx: Ctx, event: CommandInvoked, command: Start) -> None:
    set_info = sets.command_set(ctx)
    if await active_session(ctx, set_info.id) is not None:
        raise Refusal("A session is already running here. Use `/als end` to end it first.")
    presenters = tuple(UserRef(event.workspace, uid) for uid in command.presenters)
    for person in presenters:
        await sets.ensure_member(ctx, set_info.id, person)
    try:
        timings = timings_for(ctx, set_info)
    except ValueError as exc:
        raise Refusal(f"This set's timings are not valid: {exc}") from None
    step = engine.start(tuple(p.key for p in presenters), timings, ctx.now)
    session = await create_session(ctx, set_info.id, step.state, event.user.key)
    for started in ctx.hooks(hooks.STARTED):
        await started(ctx, set_info, session)
    ctx.emit(
        Post(
            channel=set_info.channel,
            text=wording.header(session.id, step.state, ctx.now),
            buttons=wording.buttons(session.id, step.state),
            handle=header_handle(session.id),
        )
    )
    await apply_step(ctx, set_info, session, step, refresh=False)


async def _control(
    ctx: Ctx,
    user: UserRef,
    set_info: SetInfo,
    session: SessionInfo,
    move: permissions.Move,
    *,
    more: int = wording.MORE_BUTTON_MINUTES,
) -> None:
    reason = permissions.authorise(
        move,
        session.state,
        actor=user.key,
        is_facilitator=await sets.is_facilitator(ctx, set_info.id, user),
    )
    if reason:
        raise Refusal(reason)
    moves: dict[permissions.Move, Callable[[engine.RoundState, datetime], engine.Step]] = {
        permissions.Move.NEXT: engine.advance,
        permissions.Move.PAUSE: engine.pause,
        permissions.Move.RESUME: engine.resume,
        permissions.Move.END: engine.end,
        permissions.Move.MORE: lambda state, now: round_clock.extend(
            state, now, timedelta(minutes=more)
        ),
    }
    try:
        step = moves[move](session.state, ctx.now)
    except engine.IllegalMove as exc:
        raise Refusal(str(exc)) from None
    await apply_step(ctx, set_info, session, step)


_MOVES = {
    More: permissions.Move.MORE,
    Next: permissions.Move.NEXT,
    Pause: permissions.Move.PAUSE,
    Resume: permissions.Move.RESUME,
    End: permissions.Move.END,
}


async def control(
    ctx: Ctx, event: CommandInvoked, command: Next | Pause | Resume | End | More
) -> None:
    set_info = sets.command_set(ctx)
    session = await active_session(ctx, set_info.id)
    if session is None:
        raise Refusal("No session is running here. A facilitator can begin one with `/als start`.")
    more = command.minutes if isinstance(command, More) else wording.MORE_BUTTON_MINUTES
    await _control(ctx, event.user, set_info, session, _MOVES[type(command)], more=more)


async def control_by_button(
    ctx: Ctx, user: UserRef, session_id: int, move: permissions.Move
) -> None:
    session = await load_session(ctx, session_id)
    if session is None:
        raise Refusal("This session has ended.")
    set_info = await sets.get_set(ctx, session.set_id)
    if user.workspace != set_info.channel.workspace:
        raise Refusal("This session belongs to another workspace.")
    await _control(ctx, user, set_info, session, move)


async def volunteer(ctx: Ctx, user: UserRef, set_info: SetInfo, session: SessionInfo) -> None:
    reason = permissions.authorise(
        permissions.Move.VOLUNTEER, session.state, actor=user.key, is_facilitator=False
    )
    if reason:
        raise Refusal(reason)
    await sets.ensure_member(ctx, set_info.id, user)
    try:
        step = engine.add_presenter(session.state, user.key)
    except engine.IllegalMove as exc:
        raise Refusal(str(exc)) from None
    # During someone's turn the header changes only when the phase ends, with the announcement.
    await apply_step(
        ctx, set_info, session, step, refresh=engine.current_presenter(step.state) is None
    )
    await run_clock(ctx, set_info, session)  # a round waiting for a presenter goes on now


async def on_member_leaving(ctx: Ctx, set_info: SetInfo, user: UserRef) -> None:
    """Someone leaving the set mid-session stops being one of its presenters."""
    session = await active_session(ctx, set_info.id)
    if session is not None and user.key in session.state.presenters:
        try:
            step = engine.remove_presenter(session.state, user.key)
        except engine.IllegalMove as exc:
            raise Refusal(str(exc)) from None
        removed = session.scratch.setdefault(REMOVED, [])
        if user.key not in removed:
            removed.append(user.key)
        await apply_step(ctx, set_info, session, step)


async def run_clock(ctx: Ctx, set_info: SetInfo, session: SessionInfo) -> bool:
    """Apply what time has made due, phase by phase (catching up after downtime, bounded);
    True if anything happened."""
    auto_advance = bool(set_info.setting(ctx, "auto_advance"))
    moved = False
    for _ in range(20):
        step = round_clock.on_time(session.state, ctx.now, auto_advance=auto_advance)
        if not step.effects:
            break
        moved = True
        await apply_step(ctx, set_info, session, step)
    return moved


async def on_phase_timer(ctx: Ctx, timer: DueTimer) -> str | None:
    session = await load_session(ctx, int(timer.subject))
    if session is None:
        return "session no longer active"
    set_info = await sets.get_set(ctx, session.set_id)
    said = len(ctx.out)
    try:
        async with ctx.conn.begin_nested():
            if await run_clock(ctx, set_info, session):
                return None
    except RoundChanged:
        # Another process changed the round as this one acted (a [+5 min], a move): nothing
        # of this attempt is kept, and the clock is looked at again on the fresh state.
        del ctx.out[said:]
        await timers.schedule(
            ctx.conn,
            kind="phase",
            due_at=ctx.now + RETRY,
            subject=timer.subject,
            dedupe=f"phase:{session.id}:retry:{ctx.now.isoformat()}",
        )
        return "retry: the round changed at the same moment"
    # Nothing due: a stale timer (the deadline moved), or the presenter still speaking, when
    # the phase waits for them to finish — the timer is armed again at the new wake-up.
    await arm(ctx, session)
    return "holding: the presenter is still speaking" if _holding(session, ctx) else "nothing due"


def _holding(session: SessionInfo, ctx: Ctx) -> bool:
    hold = round_clock.hold_until(session.state)
    deadline = session.state.deadline
    return hold is not None and deadline is not None and deadline <= ctx.now < hold


def register(router: Router) -> None:
    router.command(Next, control)
    router.command(Pause, control)
    router.command(Resume, control)
    router.command(End, control)
    router.command(More, control)
    router.timer("phase", on_phase_timer)
    router.hook(MEMBER_LEAVING, on_member_leaving)
