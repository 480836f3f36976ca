"""Running a session: start, move on, pause, end — by command, button or timer.

Every path ends in `apply_step`, which saves the engine's new state, turns its effects into
posts in the round's thread, refreshes the header in place and re-arms the phase timer, so
a button press, `/als next` and a deadline all look the same to the people in the round.
"""

from __future__ import annotations

from bot.commands.values import End, Next, Pause, Resume, Start
from bot.context import Ctx, Refusal
from bot.events import CommandInvoked
from bot.hooks import Hook
from bot.refs import UserRef
from bot.replies import Direct, Edit, Mention, Post, Strong, Text, text
from bot.rounds import coaching, engine, hooks, summary, wording
from bot.rounds.engine import (
    Closed,
    OneMinuteLeft,
    Paused,
    Phase,
    PhaseStarted,
    PresenterAdded,
    Resumed,
)
from bot.rounds.sessions import (
    SessionInfo,
    active_session,
    arm,
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


def timings_for(ctx: Ctx, set_info: SetInfo) -> engine.Timings:
    return engine.timings_from_minutes(
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


def in_thread(set_info: SetInfo, session: SessionInfo, body: Text) -> Post:
    return Post(channel=set_info.channel, text=body, thread_handle=session.header)


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
        intro = wording.phase_intro(state, effect.presenter)
        if effect.phase == Phase.OPENING:
            intro += await _extras(ctx, hooks.OPENING, set_info, session)
        if effect.phase == Phase.UPDATES:
            intro += await _extras(ctx, hooks.UPDATES, set_info, session)
        if effect.phase == Phase.EVALUATION:
            intro += wording.comment_note(bool(set_info.setting(ctx, "evaluation_named")))
        ctx.emit(in_thread(set_info, session, intro))
    elif isinstance(effect, OneMinuteLeft):
        title = wording.TITLES[effect.phase]
        ctx.emit(in_thread(set_info, session, text(f"⏳ One minute left for {title}.")))
    elif isinstance(effect, Paused):
        ctx.emit(in_thread(set_info, session, text("⏸ The round is paused.")))
    elif isinstance(effect, Resumed):
        left = wording.minutes(effect.deadline - ctx.now)
        ctx.emit(in_thread(set_info, session, text(f"▶ Resumed: {left} left in this phase.")))
    elif isinstance(effect, PresenterAdded):
        ctx.emit(
            in_thread(
                set_info,
                session,
                text(Mention(UserRef.from_key(effect.presenter)), " will present in this session."),
            )
        )
    elif isinstance(effect, Closed):
        _hand_over_questions(ctx, session)
        await coaching.questions_ended(ctx, set_info, session, closing=True)
        await _close(ctx, set_info, session, early=effect.early)


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
    ctx: Ctx, user: UserRef, set_info: SetInfo, session: SessionInfo, move: engine.Move
) -> None:
    reason = engine.authorise(
        move,
        session.state,
        actor=user.key,
        is_facilitator=await sets.is_facilitator(ctx, set_info.id, user),
    )
    if reason:
        raise Refusal(reason)
    moves = {
        engine.Move.NEXT: engine.advance,
        engine.Move.PAUSE: engine.pause,
        engine.Move.RESUME: engine.resume,
        engine.Move.END: engine.end,
    }
    try:
        step = moves[move](session.state, ctx.now)
    except engine.IllegalMove as exc:
        raise Refusal(str(exc)) from None
    await apply_step(ctx, set_info, session, step)


_MOVES = {
    Next: engine.Move.NEXT,
    Pause: engine.Move.PAUSE,
    Resume: engine.Move.RESUME,
    End: engine.Move.END,
}


async def control(ctx: Ctx, event: CommandInvoked, command: Next | Pause | Resume | End) -> None:
    set_info = sets.command_set(ctx)
    session = await active_session(ctx, set_info.id)
    if session is None:
        raise Refusal("No session is running here. A facilitator can begin one with `/als start`.")
    await _control(ctx, event.user, set_info, session, _MOVES[type(command)])


async def control_by_button(ctx: Ctx, user: UserRef, session_id: int, move: engine.Move) -> None:
    session = await load_session(ctx, session_id)
    if session is None:
        raise Refusal("This session has ended.")
    set_info = await sets.get_set(ctx, session.set_id)
    if user.workspace != set_info.channel.workspace:
        raise Refusal("This session belongs to another workspace.")
    await _control(ctx, user, set_info, session, move)


async def volunteer(ctx: Ctx, user: UserRef, set_info: SetInfo, session: SessionInfo) -> None:
    reason = engine.authorise(
        engine.Move.VOLUNTEER, session.state, actor=user.key, is_facilitator=False
    )
    if reason:
        raise Refusal(reason)
    await sets.ensure_member(ctx, set_info.id, user)
    try:
        step = engine.add_presenter(session.state, user.key)
    except engine.IllegalMove as exc:
        raise Refusal(str(exc)) from None
    await apply_step(ctx, set_info, session, step)


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


async def on_phase_timer(ctx: Ctx, timer: DueTimer) -> str | None:
    session = await load_session(ctx, int(timer.subject))
    if session is None:
        return "session no longer active"
    set_info = await sets.get_set(ctx, session.set_id)
    moved = False
    for _ in range(20):  # catch up phase by phase after downtime, bounded
        step = engine.on_time(session.state, ctx.now)
        if not step.effects:
            break
        moved = True
        await apply_step(ctx, set_info, session, step)
    return None if moved else "nothing due"


def register(router: Router) -> None:
    router.command(Start, start)
    router.command(Next, control)
    router.command(Pause, control)
    router.command(Resume, control)
    router.command(End, control)
    router.timer("phase", on_phase_timer)
    router.hook(MEMBER_LEAVING, on_member_leaving)
