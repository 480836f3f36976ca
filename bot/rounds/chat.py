"""What people say and press inside a round.

Only what people choose to commit is stored: an action the presenter means, a rating.
Questions are held just long enough to hand the presenter their list at the end of the
Questions phase; advice is answered with a private, gentle reminder to its author alone
(`coaching`).
"""

from __future__ import annotations

from bot.context import OUT_OF_DATE, Ctx, Refusal
from bot.events import ButtonPressed, MessagePosted
from bot.replies import Button, text
from bot.rounds import (
    action_changes,
    action_items,
    attendance,
    coaching,
    commitment_words,
    commitments,
    control,
    engine,
    evaluation,
    hooks,
    permissions,
    round_clock,
    typing_buttons,
    wording,
)
from bot.rounds.engine import Phase
from bot.rounds.sessions import SessionInfo, load_session, save, session_for_thread
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets


async def on_message(ctx: Ctx, event: MessagePosted) -> None:
    if event.withheld:  # the platform kept its text from us: nothing to read into it
        return
    if event.thread is None or event.user.workspace != event.channel.workspace:
        return
    session = await session_for_thread(ctx, event.thread.key)
    if session is None:
        return
    set_info = await sets.get_set(ctx, session.set_id)
    ctx.set_id = set_info.id
    await sets.touch_member(ctx, set_info.id, event.user)
    state = session.state
    rating = evaluation.gives_rating(state, event.text)
    await attendance.spoke(
        ctx, session.id, event.user, attendance.How.RATED if rating else attendance.How.SPOKE
    )
    presenter = engine.current_presenter(state)
    if state.paused_remaining is not None:
        typing_buttons.not_taken(ctx, set_info, event)
        return
    if event.user.key == presenter and round_clock.worth_noting(state, ctx.now):
        # their phase waits while they are still speaking
        session.state = state = round_clock.presenter_spoke(state, ctx.now)
        await save(ctx, session)
    late = round_clock.late_action_owner(state, ctx.now)
    if (
        late == event.user.key
        and evaluation.read_rating(event.text) is None
        and not commitment_words.is_chatter(event.text)
    ):
        # Just after their Actions phase ended: still one of their actions (a rating, or a
        # "thanks all", goes where it would have gone).
        await commitments_said(ctx, set_info, session.id, event, late=True)
        return
    if await evaluation.on_message(ctx, set_info, session, event):
        return
    if state.phase == Phase.UPDATES:
        typing_buttons.show(ctx, set_info, session, event)
        for said in ctx.hooks(hooks.SAID_IN_UPDATES):
            await said(ctx, set_info, session, event)
    elif state.phase == Phase.QUESTIONS and event.user.key != presenter:
        typing_buttons.show(ctx, set_info, session, event)
        await coaching.on_question_phase_message(ctx, set_info, session, event)
    elif state.phase == Phase.ACTIONS and event.user.key == presenter:
        await commitments_said(ctx, set_info, session.id, event)
    else:
        typing_buttons.not_taken(ctx, set_info, event)


async def commitments_said(
    ctx: Ctx, set_info: SetInfo, session_id: int, event: MessagePosted, *, late: bool = False
) -> None:
    """The presenter's words in the Actions phase (or `late`: just after it ended): what
    reads as a commitment is recorded (each action of a list with its own date); anything
    else is held for them alone, with [Record as action], so nothing becomes an action the
    presenter did not mean."""
    where = commitments.Where(set_info, session_id, event.user, event.thread, late=late)
    pieces = action_items.pieces(event.text)
    meant = [p for p in pieces if commitment_words.reads_as_commitment(p)]
    if not meant:
        await _offer(ctx, where, event.text)
        return
    for piece in pieces:
        if piece in meant:
            await commitments.record_words(ctx, where, event.user, piece, split=False)
        elif not commitment_words.is_chatter(piece):
            await _offer(ctx, where, piece)


async def _offer(ctx: Ctx, where: commitments.Where, words: str) -> None:
    if not words.strip():
        return
    draft_id = await action_changes.hold(ctx, where, words)
    ctx.emit(
        where.private(
            text("I haven't recorded “", words.strip()[:300], "” as an action. "
                 "If that was an action, press [Record as action]."),
            (Button("action:record", "Record as action", str(draft_id), style="primary"),),
        )
    )  # fmt: skip


async def pressed_session(ctx: Ctx, event: ButtonPressed) -> tuple[SessionInfo, SetInfo, str]:
    """The session a `round:` button names (its value, `<session id>[:<extra>]`), checked
    against where it was pressed: every session button is drawn in its set's channel (the
    header, the round's thread), so a press from anywhere else — another channel, another
    workspace — is a forged or misrouted payload and is refused before anything is read
    into the session (a press in another channel once joined that set as its presenter)."""
    session_part, _, extra = event.value.partition(":")
    try:
        session_id = int(session_part)
    except ValueError:
        raise Refusal(OUT_OF_DATE) from None
    session = await load_session(ctx, session_id)
    if session is None:
        raise Refusal(ENDED)
    set_info = await sets.get_set(ctx, session.set_id)
    if event.user.workspace != set_info.channel.workspace:
        raise Refusal("This session belongs to another workspace.")
    if event.channel != set_info.channel:
        raise Refusal(OUT_OF_DATE)
    return session, set_info, extra


ENDED = "That button is out of date: this session has ended."


async def on_button(ctx: Ctx, event: ButtonPressed) -> None:
    verb = event.verb
    session, set_info, extra = await pressed_session(ctx, event)
    await attendance.pressed(ctx, session.id, event, rating=verb == "rate")
    moves = {
        "next": permissions.Move.NEXT,
        "pause": permissions.Move.PAUSE,
        "resume": permissions.Move.RESUME,
        "end": permissions.Move.END,
        "more": permissions.Move.MORE,
    }
    if verb in moves:
        stale = verb == "next" and extra and extra != wording.step_token(session.state)
        if stale:
            raise Refusal("That button is out of date: the round has already moved on.")
        await control.control_by_button(ctx, event.user, session.id, moves[verb])
        return
    ctx.set_id = set_info.id
    if verb == "volunteer":
        await control.volunteer(ctx, event.user, set_info, session)
    elif verb == "rate" and extra.isdigit() and 1 <= int(extra) <= 5:
        reason = permissions.authorise(
            permissions.Move.RATE, session.state, actor=event.user.key, is_facilitator=False
        )
        if reason:
            raise Refusal(reason)
        await sets.ensure_member(ctx, set_info.id, event.user)
        await evaluation.rate(ctx, set_info, session.id, event.user, int(extra), None)
    else:
        raise Refusal(OUT_OF_DATE)


async def on_here(ctx: Ctx, event: ButtonPressed) -> None:
    """[I'm here] on the Opening: checked like every session button, then recorded."""
    if event.verb != "here":
        raise Refusal(OUT_OF_DATE)
    session, set_info, _ = await pressed_session(ctx, event)
    ctx.set_id = set_info.id
    await attendance.here(ctx, set_info, session, event.user)


def register(router: Router) -> None:
    router.event(MessagePosted, on_message)
    router.button("round", on_button)
    router.button(attendance.PREFIX, on_here)
