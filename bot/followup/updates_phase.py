"""What the Updates phase shows: each previous presenter's update and action statuses.

Most updates arrive before the session, confirmed from a DM or by `/als update` (see
`bot.followup.update_drafts`), statuses by button; the phase lays them out and asks, by
name, those who have not replied to give theirs live (`bot.followup.live_updates` records
what they say). Only updates people chose to share are shown: never a draft.
It reads the same cycle as the nudges and the facilitators' digest
(`bot.followup.outcomes`), so "has updated" means the same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.context import Ctx
from bot.followup import outcomes
from bot.followup.nudge_text import STATUS_LABELS, due_text
from bot.refs import UserRef
from bot.replies import Mention, Text, text
from bot.rounds.hooks import UPDATES
from bot.rounds.sessions import SESSIONS, SessionInfo
from bot.router import Router
from bot.set_info import SetInfo

MAX_UPDATES_SHOWN = 3


def _who(key: str) -> Text:
    return text(Mention(UserRef.from_key(key)))


@dataclass(frozen=True, slots=True)
class ToHear:
    """Whom a session's Updates phase is for: the previous session's presenters and anyone
    with actions from before it still in progress (or changed since it closed)."""

    people: list[str]
    since: datetime | None  # the close of the previous session
    started: datetime  # this session's start: its own new actions are not reported on
    first_session: bool


async def to_hear(ctx: Ctx, set_id: int, session_id: int) -> ToHear:
    previous = await outcomes.previous_session(ctx, set_id, excluding=session_id)
    since = (previous.closed_at or previous.started_at) if previous is not None else None
    started = (
        await ctx.conn.execute(select(SESSIONS.c.started_at).where(SESSIONS.c.id == session_id))
    ).scalar() or ctx.now
    people: list[str] = []
    if previous is not None:
        people.extend(await outcomes.presenters_of(ctx, previous.id))
    for key in await outcomes.owners_before(ctx, set_id, started, since):
        if key not in people:
            people.append(key)
    return ToHear(people, since, started, previous is None)


async def digest(ctx: Ctx, set_info: SetInfo, session: SessionInfo) -> Text | None:
    hear = await to_hear(ctx, set_info.id, session.id)
    people, since, started = hear.people, hear.since, hear.started
    if not people:
        if hear.first_session:
            return text("This is the set's first session: no updates to share yet.")
        return text("Nobody has actions or updates from last time.")
    out = text()
    missing: list[str] = []
    for key in people:
        progress = await outcomes.progress(ctx, set_info.id, key, since, created_before=started)
        out += text("\n" if out.parts else "") + _who(key) + ":"
        if not progress.actions:
            out += " no actions recorded."
        for row in progress.actions:
            out += text(
                "\n  • ", row.text, due_text(row), f" — {STATUS_LABELS.get(row.status, row.status)}"
            )
        for given in progress.updates[-MAX_UPDATES_SHOWN:]:
            out += text("\n  Update: “", given.text, "”")
        if not progress.responded:
            missing.append(key)
    if missing:
        names = text()
        for i, key in enumerate(missing):
            names += text(", " if i else "") + _who(key)
        out += text("\nNo update yet from ") + names + " — please share yours live now."
    return out


def register(router: Router) -> None:
    router.hook(UPDATES, digest)
