"""What people say and press inside a round.

Only what people choose to commit is stored: an action the presenter posts, a rating.
Questions are held just long enough to hand the presenter their list at the end of the
Questions phase; advice is answered with a private, gentle reminder to its author alone.
"""

from __future__ import annotations

from bot.commands.grammar import parse
from bot.commands.values import AddAction, UsageError
from bot.context import Ctx, Refusal
from bot.events import ButtonPressed, MessagePosted
from bot.replies import Ephemeral, text
from bot.rounds import advice, commitments, control, engine, evaluation, hooks, wording
from bot.rounds.engine import Phase
from bot.rounds.sessions import load_session, save, session_for_thread
from bot.router import Router
from bot.sets import records as sets

MAX_QUESTIONS = 200


async def on_message(ctx: Ctx, event: MessagePosted) -> None:
    if event.thread is None or event.user.workspace != event.channel.workspace:
        return
    session = await session_for_thread(ctx, event.thread.key)
    if session is None:
        return
    set_info = await sets.get_set(ctx, session.set_id)
    ctx.set_id = set_info.id
    await sets.touch_member(ctx, set_info.id, event.user)
    state = session.state
    presenter = engine.current_presenter(state)
    if state.paused_remaining is not None:
        return
    if await evaluation.on_message(ctx, set_info, session, event):
        return
    if state.phase == Phase.UPDATES:
        for said in ctx.hooks(hooks.SAID_IN_UPDATES):
            await said(ctx, set_info, session, event)
    elif state.phase == Phase.QUESTIONS and event.user.key != presenter:
        kind = advice.classify(event.text)
        if kind == advice.Kind.ADVICE:
            ctx.emit(
                Ephemeral(
                    channel=set_info.channel,
                    user=event.user,
                    text=text(advice.reminder_text()),
                    thread=event.thread,
                )
            )
        elif kind in (advice.Kind.OPEN_QUESTION, advice.Kind.CLOSED_QUESTION):
            asked = session.scratch.setdefault("questions", [])
            if len(asked) < MAX_QUESTIONS:
                asked.append(event.text.strip()[:500])
            await save(ctx, session)
    elif state.phase == Phase.ACTIONS and event.user.key == presenter:
        tz = await sets.timezone_for(ctx, event.user, set_info)
        parsed = parse("action " + event.text, now=ctx.now, tz=tz)
        if isinstance(parsed, UsageError):
            raise Refusal(f"I couldn't record that action: {parsed.message}")
        if isinstance(parsed, AddAction):
            await commitments.record(
                ctx, set_info, session.id, event.user, parsed, thread=event.thread
            )


async def _current_step(ctx: Ctx, session_id: int) -> str | None:
    session = await load_session(ctx, session_id)
    return wording.step_token(session.state) if session else None


async def on_button(ctx: Ctx, event: ButtonPressed) -> None:
    verb = event.action_id.partition(":")[2]
    session_part, _, extra = event.value.partition(":")
    try:
        session_id = int(session_part)
    except ValueError:
        raise Refusal("That button is out of date.") from None
    moves = {
        "next": engine.Move.NEXT,
        "pause": engine.Move.PAUSE,
        "resume": engine.Move.RESUME,
        "end": engine.Move.END,
    }
    if verb in moves:
        stale = verb == "next" and extra and extra != await _current_step(ctx, session_id)
        if stale:
            raise Refusal("That button is out of date: the round has already moved on.")
        await control.control_by_button(ctx, event.user, session_id, moves[verb])
        return
    session = await load_session(ctx, session_id)
    if session is None:
        raise Refusal("This session has ended.")
    set_info = await sets.get_set(ctx, session.set_id)
    if event.user.workspace != set_info.channel.workspace:
        raise Refusal("This session belongs to another workspace.")
    ctx.set_id = set_info.id
    if verb == "volunteer":
        await control.volunteer(ctx, event.user, set_info, session)
    elif verb == "rate" and extra.isdigit() and 1 <= int(extra) <= 5:
        reason = engine.authorise(
            engine.Move.RATE, session.state, actor=event.user.key, is_facilitator=False
        )
        if reason:
            raise Refusal(reason)
        await sets.ensure_member(ctx, set_info.id, event.user)
        await evaluation.rate(ctx, set_info, session.id, event.user, int(extra), None)
    else:
        raise Refusal("That button is out of date.")


def register(router: Router) -> None:
    router.event(MessagePosted, on_message)
    router.button("round", on_button)
