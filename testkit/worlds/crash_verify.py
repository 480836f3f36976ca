"""Checking a crash run: what the database and the Web API stand-in say against what was
sent, acknowledged and seeded (see `crash_run` for the run itself).

Every acknowledged event has its effect exactly once, the rounds are where their moves and
clock say, every seeded timer sent once at its time, and a reply reached Slack twice only
when a kill landed in the at-least-once window (docs/ARCHITECTURE.md).
"""

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from bot.followup import planning
from bot.refs import UserRef
from bot.replies import reply_from_json
from bot.rounds.codec import state_from_json
from bot.rounds.engine import Phase
from bot.store.models import Action, Draft, Evaluation, Inbox, Outbox, Timer
from bot.store.models import Session as SessionRow
from testkit.worlds.crash_world import (
    R1,
    R2,
    WS,
    Run,
    Seeded,
    expected_seeded,
    read_all,
    session_ids,
)
from testkit.worlds.live import error_line
from testkit.worlds.wire import observed, post_key, reconcile, wire_key

# The at-least-once window: from Slack accepting a message to the `sent` commit. It is
# milliseconds; this allows for a loaded CI machine.
WINDOW_SECONDS = 2.0
KILL_READ_LAG = 0.5  # seconds; see `explain_doubles`
PHASE_ORDER = [
    Phase.OPENING,
    Phase.UPDATES,
    Phase.PRESENTING,
    Phase.QUESTIONS,
    Phase.SUMMARY,
    Phase.ACTIONS,
    Phase.EVALUATION,
    Phase.CLOSED,
]


# ------------------------------------------------------------------------------ checks


def timer_problems(
    timers: list[Any], outbox: list[Any], seeded: Seeded, settled_at: datetime
) -> list[str]:
    """The timers' promise: every seeded nudge, reminder and digest sent exactly once, at
    the time the seed gave it (never re-planned away); no timer of any kind left pending
    or running once due, none failed; nudges still pending are the planner's own future
    ones (a presenter's fallback nudge two weeks out), never one that was due."""
    problems: list[str] = []
    by_id = {t.id: t for t in timers}
    counts = Counter(by_id[i].kind for i in seeded.due if i in by_id)
    if dict(counts) != seeded.counts:
        problems.append(f"seeded timers {dict(counts)} != {seeded.counts}")
    replies = Counter(o.cause for o in outbox)
    for timer_id, due in seeded.due.items():
        t = by_id.get(timer_id)
        if t is None:
            problems.append(f"seeded timer {timer_id} vanished")
            continue
        if t.status != "done" or not (t.note or "").startswith("sent"):
            problems.append(f"{t.kind} {t.dedupe}: {t.status} {t.note!r} (due {t.due_at})")
        if t.due_at != due:
            problems.append(f"{t.kind} {t.dedupe} was re-planned: due {due} → {t.due_at}")
        want = 2 if t.kind == planning.NUDGE else 1  # a nudge: its header and one action
        if replies[f"timer:{timer_id}"] != want:
            problems.append(f"{t.kind} {timer_id} enqueued {replies[f'timer:{timer_id}']} replies")
    left = [
        (t.kind, t.status, t.dedupe)
        for t in timers
        if t.status in ("pending", "running") and t.due_at <= settled_at
    ]
    if left:
        problems.append(f"timers due but not run: {left[:5]}")
    failed = [(t.kind, t.status, t.note) for t in timers if t.status in ("running", "failed")]
    if failed:
        problems.append(f"timers stuck or failed: {failed[:5]}")
    soon = settled_at + timedelta(days=1)
    early = [
        (t.dedupe, t.due_at)
        for t in timers
        if t.kind == planning.NUDGE and t.status == "pending" and t.due_at < soon
    ]
    if early:
        problems.append(f"nudges pending for a time already near: {early[:5]}")
    return problems


def commit_gaps(run: Run, outbox: list[Any]) -> dict[str, float]:
    """From Slack accepting a message to its row's `sent` commit, over all sent rows: the
    width of the at-least-once window a kill has to land in to double a message."""
    arrivals = {
        key: sorted(run.wall0 + (at - run.t0) for at in times)
        for key, times in observed(run.api, run.askers).items()
    }
    gaps: list[float] = []
    for row in outbox:
        key = wire_key(reply_from_json(row.body)) if row.status == "sent" else None
        sent = row.sent_at.timestamp() if row.sent_at else None
        before = [a for a in arrivals.get(key, []) if sent is not None and a <= sent + 0.05]
        if before:
            gaps.append(sent - before[-1])
    gaps.sort()
    if not gaps:
        return {}
    return {
        "p50": round(gaps[len(gaps) // 2], 3),
        "p99": round(gaps[int(len(gaps) * 0.99)], 3),
        "max": round(gaps[-1], 3),
    }


def explain_doubles(
    run: Run, extra: dict[Any, list[float]], window: float
) -> tuple[list[dict[str, Any]], list[str]]:
    """Match each message Slack got once more than there are rows behind it to a kill.

    `extra` holds only what cannot be looked up (ephemerals, response_url answers): a
    chat.postMessage sent twice is a problem of its own (`posted_twice`).  A double is the at-least-once window at work when a kill landed after one arrival
    (within `window`: the `sent` commit takes milliseconds) and before the next arrival of
    the same message (the restarted process sending the row again). Replies of one shape —
    the same confirmation to the same person — are told apart only by time, so every gap
    between two arrivals of the shape is a candidate, and each kill explains one double.
    The stand-in runs in this process: a request the bot wrote just before it was killed
    can be read a moment after the kill was recorded, hence `KILL_READ_LAG`."""
    seen = observed(run.api, run.askers, once_per_key=True)
    kills = sorted(run.bot.kills)
    doubles: list[dict[str, Any]] = []
    problems: list[str] = []
    for key, surplus_arrivals in extra.items():
        times = sorted(seen.get(key, []))
        candidates = []
        for first, again in zip(times, times[1:], strict=False):
            inside = [k for k in kills if first - KILL_READ_LAG <= k <= min(again, first + window)]
            if inside:
                candidates.append((inside[0] - first, inside[0]))
        used: set[float] = set()
        chosen: list[float] = []
        for gap, kill in sorted(candidates):
            if kill not in used and len(chosen) < len(surplus_arrivals):
                used.add(kill)
                chosen.append(gap)
        doubles.extend({"what": key[:2], "kill_after_s": round(gap, 3)} for gap in chosen)
        if len(chosen) < len(surplus_arrivals):
            near = [round(k - t, 3) for t in times for k in kills if abs(k - t) < 5.0]
            problems.append(
                f"delivered twice with no kill in the window: {key} "
                f"({len(surplus_arrivals)} extra, {len(chosen)} explained; arrivals at "
                f"{[round(t - run.t0, 3) for t in times]} s, kills at {near} s from them)"
            )
    return doubles, problems


async def verify(run: Run, seeded: Seeded, exit_code: int | None, logs: str) -> dict:
    problems = run.problems
    url = run.db_url
    inbox = {r.key: r for r in await read_all(url, Inbox.__table__)}
    outbox = await read_all(url, Outbox.__table__)
    actions = await read_all(url, Action.__table__)
    # A DM is held for its author as an update draft until they share it.
    updates = [d for d in await read_all(url, Draft.__table__) if d.kind == "update"]
    timers = await read_all(url, Timer.__table__)
    evaluations = await read_all(url, Evaluation.__table__)
    sessions = {
        channel: (await read_all(url, SessionRow.__table__, SessionRow.__table__.c.id == sid))[0]
        for channel, sid in await session_ids(url)
    }

    # 1. Every acknowledged event is durable and was handled.
    lost = []
    for item in run.sender.sent:
        key = (
            f"slack:event:Ev{item.name}"
            if item.kind == "events_api"
            else f"slack:command:trig.{item.name}"
        )
        row = inbox.get(key)
        if item.acked_at is None:
            problems.append(f"{item.name} was never acknowledged")
        elif row is None:
            lost.append(item.name)
        elif row.status != "done" or row.error:
            problems.append(f"{item.name}: inbox {row.status} {row.error}")
    if lost:
        problems.append(f"acknowledged but lost: {lost}")

    # 2. Their effects, each exactly once.
    have = Counter((a.owner_key, a.text) for a in actions)
    for user, text in run.expected_actions:
        if have[(UserRef(WS, user).key, text)] != 1:
            problems.append(f"action {text!r}: {have[(UserRef(WS, user).key, text)]} rows")
    have_updates = Counter((u.user_key, u.text) for u in updates)
    for user, text in run.expected_updates:
        if have_updates[(UserRef(WS, user).key, text)] != 1:
            problems.append(f"update {text!r}: {have_updates[(UserRef(WS, user).key, text)]} rows")
    r2 = sessions[R2]
    r2_actions = sorted(a.text for a in actions if a.session_id == r2.id)
    if r2_actions != sorted(run.r2_actions):
        problems.append(f"round 2 actions {r2_actions} != {run.r2_actions}")
    rated = {e.user_key: e.rating for e in evaluations if e.session_id == r2.id}
    if rated != {UserRef(WS, w).key: n for w, n in run.ratings.items()}:
        problems.append(f"round 2 ratings {rated}")

    # 3. The rounds: phases and time.
    r1_state = state_from_json(sessions[R1].state)
    r2_state = state_from_json(r2.state)
    if r1_state.phase != Phase.UPDATES:
        problems.append(f"round 1 is in {r1_state.phase}, expected updates")
    opening = [m for m in run.observed_r1 if m[0] == "opening"]
    r1_opening_deadline = datetime.fromisoformat(opening[0][1]) if opening else None
    r1_lag = (
        (r1_state.phase_started_at - r1_opening_deadline).total_seconds()
        if r1_opening_deadline
        else None
    )
    if r1_lag is None or not 0 <= r1_lag <= 30:
        problems.append(f"round 1 moved on {r1_lag} s after its deadline")
    if r2_state.phase != Phase.CLOSED:
        problems.append(f"round 2 is in {r2_state.phase}, expected closed")
    # Resumed with exactly the time it had: deadline = when the resume was handled + that.
    resume_lag = None
    if run.resumed_deadline and run.pause_remaining and run.resume_acked_at:
        handled = run.resumed_deadline - timedelta(seconds=run.pause_remaining)
        resume_lag = handled.timestamp() - run.resume_acked_at
        if not -1.0 <= resume_lag <= 30.0:
            problems.append(f"round 2 resumed {resume_lag:.1f} s after the command was acked")
    else:
        problems.append("round 2's pause and resume were not observed")
    r2_phases = [Phase(p) for p, _ in run.observed_r2]
    if r2_phases != sorted(r2_phases, key=PHASE_ORDER.index) or len(set(r2_phases)) != len(
        r2_phases
    ):
        problems.append(f"round 2 phases went {r2_phases}")

    # 4. Timers: every seeded nudge, reminder and digest sent once at its time; none of
    # any kind left behind once due. (Round 2's closing legitimately plans its presenter a
    # fallback nudge two weeks out: pending, and rightly so.)
    if seeded.counts != expected_seeded(run.plan):
        problems.append(f"seeded {seeded.counts}, expected {expected_seeded(run.plan)}")
    assert run.settled_at is not None
    problems.extend(timer_problems(timers, outbox, seeded, run.settled_at))

    # 5. Replies: one row per effect; every sent row reached Slack; no post or DM twice;
    # other doubles (ephemerals) only in the window.
    not_sent = [(o.lane, o.status, o.error) for o in outbox if o.status != "sent"]
    if not_sent:
        problems.append(f"outbox rows not sent: {not_sent[:5]}")
    wire = reconcile(outbox, run.api, run.askers, once_per_key=True)
    if wire.posted_twice:
        problems.append(f"chat.postMessage accepted twice for rows {wire.posted_twice}")
    unkeyed = [a.get("text", "")[:40] for a in run.api.posted() if post_key(a) is None]
    if unkeyed:
        problems.append(f"posts without their row's key, which no retry can find: {unkeyed[:3]}")
    if wire.repeated_rows:
        problems.append(f"the core enqueued one reply twice: {wire.repeated_rows[:3]}")
    if wire.missing:
        problems.append(f"sent in the database but never reached Slack: {list(wire.missing)[:3]}")
    if wire.unexplained:
        problems.append(f"reached Slack with no row behind it: {wire.unexplained[:3]}")
    doubles, unexplained = explain_doubles(run, wire.extra, WINDOW_SECONDS)
    problems.extend(unexplained)

    # 6. The process: clean exits apart from the kills; no error logged.
    if exit_code != 0:
        problems.append(f"final SIGTERM exit code {exit_code}")
    errors = [line for line in logs.splitlines() if error_line(line)]

    nudges = [t for t in timers if t.id in seeded.due and t.kind == planning.NUDGE]
    sent_items = run.sender.sent
    return {
        "kills": len(run.bot.kills),
        "process_starts": run.bot.runs,
        "events_acknowledged": sum(1 for i in sent_items if i.acked_at is not None),
        "events_by_kind": dict(Counter(i.kind for i in sent_items)),
        "requests_sent": sum(i.attempts for i in sent_items),
        "requests_unanswered_or_refused": sum(len(i.failures) for i in sent_items),
        "slow_acks": sum(1 for i in sent_items if "slow" in i.answer.lower()),
        "effects_checked": {
            "actions": len(run.expected_actions) + len(run.r2_actions),
            "outcome_updates": len(run.expected_updates),
            "ratings": len(run.ratings),
            "round_phases": len(run.observed_r1) + len(run.observed_r2),
        },
        "timers_seeded": seeded.counts,
        "nudges_sent": sum(1 for t in nudges if (t.note or "").startswith("sent")),
        "nudges_pending_in_future": sum(
            1 for t in timers if t.kind == planning.NUDGE and t.status == "pending"
        ),
        "round1_timer_lag_s": round(r1_lag, 2) if r1_lag is not None else None,
        "round2_paused_remaining_s": run.pause_remaining,
        "round2_resume_handled_after_ack_s": round(resume_lag, 2) if resume_lag else None,
        "invariant_reads": run.invariant_checks,
        "replies_in_outbox": len(outbox),
        "messages_at_slack": sum(len(t) for t in observed(run.api, run.askers).values()),
        "accept_to_sent_commit_s": commit_gaps(run, outbox),
        "duplicates_in_window": len(doubles),
        "posts_accepted_twice": sum(n - 1 for n in wire.posted_twice.values()),
        "redelivery_lookups": sum(
            1
            for c in run.api.calls
            if c.method in ("conversations.history", "conversations.replies")
            and c.args.get("include_all_metadata")
        ),
        "re_posts_avoided": sum(1 for line in logs.splitlines() if "not posting it again" in line),
        # Of those, nudge DMs (the nudged people, UN00…, get DMs from nudges alone): none
        # now, as a nudge is a chat.postMessage that a retry looks for first.
        "nudge_dms_doubled_in_window": sum(
            1 for d in doubles if d["what"][1][:2] == "UN" and d["what"][1][2:].isdigit()
        ),
        "duplicates": doubles,
        "error_log_lines": len(errors),
        "errors": errors[:5],
        "lost": len(lost),
        "problems": problems,
    }
