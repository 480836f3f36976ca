"""The prompt of the week: one reflective question a week in the set's channel, except in
weeks the set meets (issue 18).

* The set setting `prompts` (in `sets.settings`) is `"off"` or a weekday and time as
  `bot.commands.network_words.read_weekly` writes it (`"monday 10:00"`); `/als prompts on
  [weekday time]` and `/als prompts off` change it and tell `SETTINGS_CHANGED`.
* One pending timer of kind `prompt` per set (`plan`), its dedupe key
  `prompt:<set id>:<UTC stamp>` — not `plan:…`, which follow-up's planner owns and cancels.
  It is re-planned when prompts are turned on or off, the schedule changes
  (`SCHEDULE_CHANGED`), or the set's zone or `send_on_weekends` changes; when it fires it
  checks again (prompts still on, the set still there, no session that week, not a day
  late, no prompt yet that week), posts, and plans the following week.
* The prompt is the one least recently posted among the bank (`prompt_bank.BANK`,
  `bank:<i>`) and the set's own (`set_prompts`, `set:<id>`); one never posted goes first,
  in list order. `prompt_posts` is unique on (set, local ISO week): a second prompt in one
  week cannot be written, by any process.
* The post has the handle `prompt:<set id>:<week>` so people answer in its thread. No
  handler reads or keeps those replies (round threads are the only threads `bot.rounds`
  reads); a reply can be saved as a do by the set's do emoji, as anywhere in the channel.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from bot import timers
from bot.commands.network_commands import (
    PromptsAdd,
    PromptsList,
    PromptsOff,
    PromptsOn,
    PromptsRemove,
)
from bot.commands.network_words import DEFAULT_WEEKLY
from bot.context import Ctx, Refusal
from bot.dates.local_times import Quiet, in_quiet, parse_quiet
from bot.dates.sessions import show
from bot.dates.when import WEEKDAY_NAMES
from bot.dos.capture import set_emoji
from bot.dos.common import emoji_label
from bot.events import CommandInvoked
from bot.followup import schedule
from bot.followup.hooks import SCHEDULE_CHANGED
from bot.network import prompt_times
from bot.network.prompt_bank import BANK
from bot.network.prompt_times import Sessions, Slot, Weekly
from bot.replies import Ephemeral, Mention, Plain, Post, Strong, Text, text
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.sets.hooks import PERSON_EXPORT, PERSON_FORGET, SETTINGS_CHANGED
from bot.store.models import PromptPost, SetPrompt, Timer
from bot.store.models import Session as SessionRow
from bot.store.models import Set as SetRow
from bot.store.plain import plain
from bot.store.upsert import insert_ignore
from bot.timers import DueTimer

KIND = "prompt"
SETTING = "prompts"
OFF = "off"
MIN_CHARS, MAX_CHARS = 5, 300
MAX_OWN = 100  # the set's own prompts: enough for two years of weeks
TOO_LATE = timedelta(days=1)  # a prompt claimed later than this (the bot was down) waits a week
# Settings that move when the prompt goes (the `prompts` value itself is handled here).
TIMING_SETTINGS = {"timezone", "send_on_weekends"}

TIMERS = Timer.__table__
POSTS = PromptPost.__table__
OWN = SetPrompt.__table__
SESSIONS = SessionRow.__table__
SETS = SetRow.__table__


def handle(set_id: int, week: str) -> str:
    """The post's handle: its thread is where people answer."""
    return f"prompt:{set_id}:{week}"


def weekly(ctx: Ctx, set_info: SetInfo) -> Weekly | None:
    return Weekly.read(set_info.setting(ctx, SETTING))


def _quiet(ctx: Ctx) -> Quiet:
    """The quiet hours a channel post keeps to: `[defaults] quiet_hours`, in the set's zone
    (a set has no quiet hours of its own). Reminders ignore them because they are tied to a
    session's time; a prompt's time is only a wish, so it moves out of them."""
    return parse_quiet(ctx.config.defaults.quiet_hours)


# --------------------------------------------------------------------------- planning


async def sessions_of(ctx: Ctx, set_info: SetInfo) -> Sessions:
    """The schedule (its first session, rule and next session) and the sessions held in the
    last fortnight: enough to know whether this week or a later one has a session."""
    row = await schedule.current(ctx, set_info.id)
    held = tuple(
        r.started_at
        for r in await ctx.conn.execute(
            select(SESSIONS.c.started_at).where(
                SESSIONS.c.set_id == set_info.id,
                SESSIONS.c.started_at >= ctx.now - timedelta(days=15),
            )
        )
    )
    if row is None:
        return Sessions(held=held)
    return Sessions(row.first_at, schedule.recurrence_from(row.recurrence), row.next_at, held)


async def _posted_weeks(ctx: Ctx, set_id: int) -> set[str]:
    rows = await ctx.conn.execute(
        select(POSTS.c.week).where(
            POSTS.c.set_id == set_id, POSTS.c.posted_at >= ctx.now - timedelta(days=15)
        )
    )
    return {r.week for r in rows}


async def next_slot(ctx: Ctx, set_info: SetInfo, after: datetime | None = None) -> Slot | None:
    """The next prompt's slot after `after` (default now) as things stand, or None
    (prompts off, or no free week)."""
    wanted = weekly(ctx, set_info)
    if wanted is None:
        return None
    return prompt_times.next_slot(
        ctx.now if after is None else after,
        wanted,
        set_info.tz,
        quiet=_quiet(ctx),
        weekends=bool(set_info.setting(ctx, "send_on_weekends")),
        sessions=await sessions_of(ctx, set_info),
        posted=await _posted_weeks(ctx, set_info.id),
    )


async def plan(ctx: Ctx, set_info: SetInfo) -> Slot | None:
    """Make the set's one pending `prompt` timer the wanted one (none when prompts are off):
    cancel any other, add or revive the wanted one. Two processes planning at once still
    make one row (the dedupe key is unique).

    A row another transaction holds (claimed by a tick, or being cancelled by another
    planner) is skipped, not waited for (`SKIP LOCKED` on PostgreSQL): waiting could close
    a cycle with that transaction, which may itself be waiting for this one's
    `prompt_posts` row. A row left pending that way checks when due that it is still the
    wanted one (`_why_not`), and `prompt_posts` keeps its week to one post."""
    slot = await next_slot(ctx, set_info)
    key = f"{KIND}:{set_info.id}:{_stamp(slot.at)}" if slot else None
    others = select(TIMERS.c.id).where(
        TIMERS.c.kind == KIND,
        TIMERS.c.subject == _subject(set_info.id),
        TIMERS.c.status == "pending",
    )
    if key is not None:
        others = others.where(TIMERS.c.dedupe != key)
    if ctx.dialect == "postgresql":
        others = others.with_for_update(skip_locked=True)
    await ctx.conn.execute(
        update(TIMERS)
        .where(TIMERS.c.id.in_(others.scalar_subquery()), TIMERS.c.status == "pending")
        .values(status="cancelled", note="replanned")
    )
    if slot is None or key is None:
        return None
    payload = {"set": set_info.id, "week": slot.week, "asked": slot.asked.isoformat()}
    added = await timers.schedule(
        ctx.conn,
        kind=KIND,
        due_at=slot.at,
        subject=_subject(set_info.id),
        payload=payload,
        dedupe=key,
    )
    if not added:  # turned off and on again: the same slot's row comes back
        await ctx.conn.execute(
            update(TIMERS)
            .where(TIMERS.c.dedupe == key, TIMERS.c.status == "cancelled")
            .values(status="pending", payload=payload, note=None)
        )
    return slot


def _subject(set_id: int) -> str:
    return f"set:{set_id}"


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y%m%dT%H%MZ}"


async def pending_at(ctx: Ctx, set_id: int) -> datetime | None:
    """When the set's pending prompt is due, as planned."""
    due: datetime | None = (
        await ctx.conn.execute(
            select(func.min(TIMERS.c.due_at)).where(
                TIMERS.c.kind == KIND,
                TIMERS.c.subject == _subject(set_id),
                TIMERS.c.status == "pending",
            )
        )
    ).scalar()
    return due


# --------------------------------------------------------------------------- the bank


async def own_prompts(ctx: Ctx, set_id: int) -> list[Any]:
    """The set's own prompts in the order they were added: #5, #6, … in `/als prompts list`."""
    return list(
        await ctx.conn.execute(
            select(OWN).where(OWN.c.set_id == set_id, OWN.c.status == "active").order_by(OWN.c.id)
        )
    )


async def rotation(ctx: Ctx, set_id: int) -> list[tuple[str, str]]:
    """Every prompt the set may get, as (key, text): the bank's, then the set's own."""
    bank = [(f"bank:{i}", words) for i, words in enumerate(BANK)]
    return bank + [(f"set:{r.id}", r.text) for r in await own_prompts(ctx, set_id)]


async def pick(ctx: Ctx, set_id: int) -> tuple[str, str]:
    """The prompt posted least recently: one never posted first (in list order), else the
    one whose last post is oldest."""
    last = {
        r.prompt_key: r.last
        for r in await ctx.conn.execute(
            select(POSTS.c.prompt_key, func.max(POSTS.c.posted_at).label("last"))
            .where(POSTS.c.set_id == set_id)
            .group_by(POSTS.c.prompt_key)
        )
    }
    choices = await rotation(ctx, set_id)
    order = {key: i for i, (key, _) in enumerate(choices)}
    return min(choices, key=lambda c: (c[0] in last, last.get(c[0]) or ctx.now, order[c[0]]))


def post_text(ctx: Ctx, set_info: SetInfo, words: str) -> Text:
    emoji = emoji_label(set_emoji(ctx, set_info))
    return text(
        "💬 ",
        Strong("Prompt of the week: "),
        Plain(words),
        "\nReply in this thread. Your replies stay in this thread; I don't keep them. "
        f"React to a reply with {emoji} to save it as a do in the set's toolkit.",
    )


# --------------------------------------------------------------------------- the timer


async def on_timer(ctx: Ctx, timer: DueTimer) -> str | None:
    set_info = await sets.set_by_id(ctx.conn, int(timer.payload.get("set", 0)))
    if set_info is None:
        return "skipped: the set no longer exists"
    ctx.set_id = set_info.id
    if weekly(ctx, set_info) is None:
        return "skipped: prompts are off"
    done = await _why_not(ctx, set_info, timer) or await _post(
        ctx, set_info, str(timer.payload["week"])
    )
    following = await plan(ctx, set_info)
    return done + (f"; next {following.at.isoformat()}" if following else "; none planned")


async def _post(ctx: Ctx, set_info: SetInfo, week: str) -> str:
    """Post the week's prompt, unless the week has one already (the row is written first:
    of two processes, or two timers for one week, only one writes it)."""
    key, words = await pick(ctx, set_info.id)
    wrote = await ctx.conn.execute(
        insert_ignore(POSTS, ctx.dialect, ["set_id", "week"]),
        {"set_id": set_info.id, "week": week, "prompt_key": key, "posted_at": ctx.now},
    )
    if not wrote.rowcount:
        return "skipped: this week's prompt is already posted"
    ctx.emit(
        Post(
            channel=set_info.channel,
            text=post_text(ctx, set_info, words),
            handle=handle(set_info.id, week),
        )
    )
    return f"posted {key} for {week}"


async def _why_not(ctx: Ctx, set_info: SetInfo, timer: DueTimer) -> str | None:
    """Why this week's prompt should not go after all, checked when it is due."""
    if ctx.now - timer.due_at > TOO_LATE:
        return f"skipped: too late, it was due {timer.due_at.isoformat()}"
    asked = datetime.fromisoformat(str(timer.payload.get("asked")))
    monday = prompt_times.week_of(asked, set_info.tz)
    start, end = prompt_times.week_bounds(monday, set_info.tz)
    if (await sessions_of(ctx, set_info)).any_between(start, end, set_info.tz):
        return "skipped: the set meets that week"
    wanted = await next_slot(ctx, set_info, after=timer.due_at - timedelta(microseconds=1))
    if wanted is None or (wanted.at, wanted.week) != (timer.due_at, timer.payload.get("week")):
        return "skipped: no longer the wanted time (replanned)"
    return None


# --------------------------------------------------------------------------- hooks


async def on_schedule_changed(ctx: Ctx, set_info: SetInfo, _next_at: datetime | None) -> None:
    """A session newly in a week that had its prompt planned: that week is skipped."""
    if weekly(ctx, set_info) is not None:
        await plan(ctx, set_info)


async def on_settings_changed(ctx: Ctx, set_info: SetInfo, name: str, _value: Any) -> None:
    if name in TIMING_SETTINGS and weekly(ctx, set_info) is not None:
        await plan(ctx, await sets.get_set(ctx, set_info.id))  # re-read: the new value


async def export_person(ctx: Ctx, key: str) -> dict[str, Any]:
    rows = await ctx.conn.execute(select(OWN).where(OWN.c.added_by == key).order_by(OWN.c.id))
    return {"prompts_added": [plain(r) for r in rows]}


async def forget_person(ctx: Ctx, key: str) -> None:
    """The prompts they added go: their words. Which prompt went out in which week stays
    (`prompt_posts` names no one)."""
    await ctx.conn.execute(delete(OWN).where(OWN.c.added_by == key))


# --------------------------------------------------------------------------- commands


def _private(event: CommandInvoked, body: Text) -> Ephemeral:
    return Ephemeral(channel=event.channel, user=event.user, text=body, thread=event.thread)


async def _store_setting(ctx: Ctx, set_info: SetInfo, value: str) -> SetInfo:
    await ctx.conn.execute(
        update(SETS)
        .where(SETS.c.id == set_info.id)
        .values(settings={**set_info.settings, SETTING: value})
    )
    for changed in ctx.hooks(SETTINGS_CHANGED):
        await changed(ctx, set_info, SETTING, value)
    return await sets.get_set(ctx, set_info.id)


def _when(slot: Slot, tz: Any) -> str:
    return show(slot.at, tz)


def _moves(ctx: Ctx, set_info: SetInfo, wanted: Weekly) -> str:
    """Why the asked-for time will not be kept to the minute, said once, when asked."""
    out = ""
    if wanted.weekday >= 5 and not set_info.setting(ctx, "send_on_weekends"):
        out += (
            f" {WEEKDAY_NAMES[wanted.weekday]} is a weekend day and this set doesn't send at weekends, "
            "so it comes on the Friday before (`/als settings send_on_weekends on` keeps it)."
        )
    quiet = _quiet(ctx)
    if quiet is not None and in_quiet(wanted.at, quiet):
        out += (
            f" {wanted.at:%H:%M} is inside the quiet hours ({ctx.config.defaults.quiet_hours}), "
            f"so it comes at {quiet[1]:%H:%M}."
        )
    return out


async def prompts_on(ctx: Ctx, event: CommandInvoked, command: PromptsOn) -> None:
    set_info = sets.command_set(ctx)
    wanted = Weekly.read(command.when or DEFAULT_WEEKLY)
    if wanted is None:  # the grammar wrote it; only a hand-made command gets here
        raise Refusal("Say a weekday and a time, e.g. `/als prompts on tuesday 9:30`.")
    was_on = weekly(ctx, set_info) is not None
    set_info = await _store_setting(ctx, set_info, wanted.stored)
    slot = await plan(ctx, set_info)
    body = text(
        Strong("The prompt of the week is on: "),
        f"{wanted.shown} ({set_info.timezone}), except in weeks the set meets.",
        _moves(ctx, set_info, wanted),
    )
    if slot is None:
        body += " But the set meets every week, so no week in the coming year is free for one."
    else:
        body += f" The next: {_when(slot, set_info.tz)}."
    ctx.emit(_private(event, body))
    if not was_on:
        ctx.emit(
            Post(
                channel=set_info.channel,
                text=text(
                    Mention(event.user),
                    " turned on the prompt of the week: a question for the set each week "
                    "there's no session, answered in its thread. Add your own with "
                    "`/als prompts add …`.",
                ),
            )
        )


async def prompts_off(ctx: Ctx, event: CommandInvoked, _command: PromptsOff) -> None:
    set_info = sets.command_set(ctx)
    if weekly(ctx, set_info) is None:
        ctx.emit(_private(event, text("The prompt of the week is already off.")))
        return
    set_info = await _store_setting(ctx, set_info, OFF)
    await plan(ctx, set_info)  # off: cancels the pending one
    ctx.emit(
        _private(
            event,
            text("The prompt of the week is off. `/als prompts on` turns it on again."),
        )
    )


def _tidy(words: str) -> str:
    return " ".join(words.split())


async def prompts_add(ctx: Ctx, event: CommandInvoked, command: PromptsAdd) -> None:
    set_info = sets.command_set(ctx)
    words = _tidy(command.text)
    if not MIN_CHARS <= len(words) <= MAX_CHARS:
        raise Refusal(
            f"A prompt is {MIN_CHARS} to {MAX_CHARS} characters; this one is {len(words)}."
        )
    choices = await rotation(ctx, set_info.id)
    for number, (_key, existing) in enumerate(choices, start=1):
        if existing.casefold() == words.casefold():
            raise Refusal(f"That prompt is already #{number} in `/als prompts list`.")
    if len(choices) - len(BANK) >= MAX_OWN:
        raise Refusal(f"This set has {MAX_OWN} prompts of its own already; remove one first.")
    await ctx.conn.execute(
        insert(OWN).values(
            set_id=set_info.id,
            text=words,
            added_by=event.user.key,
            status="active",
            created_at=ctx.now,
        )
    )
    body = text(
        f"Added as #{len(choices) + 1}: “",
        Plain(words),
        "”. A new prompt goes before ones already posted.",
    )
    if weekly(ctx, set_info) is None:
        body += " Prompts are off: a facilitator turns them on with `/als prompts on`."
    ctx.emit(_private(event, body))


async def prompts_list(ctx: Ctx, event: CommandInvoked, _command: PromptsList) -> None:
    set_info = sets.command_set(ctx)
    wanted = weekly(ctx, set_info)
    if wanted is None:
        body = text(
            Strong("Prompt of the week: off."), " A facilitator turns it on with `/als prompts on`."
        )
    else:
        body = text(
            Strong("Prompt of the week: "),
            f"{wanted.shown} ({set_info.timezone}), except in weeks the set meets.",
        )
        due = await pending_at(ctx, set_info.id)
        body += (
            f" Next: {show(due, set_info.tz)}."
            if due
            else " No week in the coming year is free of a session."
        )
    next_key, _ = await pick(ctx, set_info.id)
    body += "\nThe bot's own (always in the rotation):"
    own = await own_prompts(ctx, set_info.id)
    keyed = [(f"bank:{i}", w, None) for i, w in enumerate(BANK)] + [
        (f"set:{r.id}", r.text, r.added_by) for r in own
    ]
    for number, (key, words, added_by) in enumerate(keyed, start=1):
        if number == len(BANK) + 1:
            body += "\nThis set's own (`/als prompts remove <n>`: by whoever added it, or a facilitator):"
        body += text(f"\n{number}. ", Plain(words))
        if added_by == event.user.key:
            body += " (yours)"
        if key == next_key:
            body += " ← next in turn"
    if not own:
        body += "\nThis set has none of its own yet: `/als prompts add <text>` adds one (numbered from 5)."
    ctx.emit(_private(event, body))


async def prompts_remove(ctx: Ctx, event: CommandInvoked, command: PromptsRemove) -> None:
    set_info = sets.command_set(ctx)
    if command.number <= len(BANK):
        raise Refusal(
            f"#{command.number} is one of the bot's own prompts: they always stay. "
            f"Only the set's own (from #{len(BANK) + 1} in `/als prompts list`) can be removed."
        )
    own = await own_prompts(ctx, set_info.id)
    index = command.number - len(BANK) - 1
    if index >= len(own):
        raise Refusal(f"There is no prompt #{command.number}: `/als prompts list` shows them.")
    row = own[index]
    if row.added_by != event.user.key and not await sets.is_facilitator(
        ctx, set_info.id, event.user
    ):
        raise Refusal("Only whoever added that prompt, or a facilitator, can remove it.")
    await ctx.conn.execute(delete(OWN).where(OWN.c.id == row.id))
    ctx.emit(_private(event, text(f"Removed #{command.number}: “", Plain(row.text), "”.")))


def register(router: Router) -> None:
    router.command(PromptsOn, prompts_on)
    router.command(PromptsOff, prompts_off)
    router.command(PromptsAdd, prompts_add)
    router.command(PromptsList, prompts_list)
    router.command(PromptsRemove, prompts_remove)
    router.timer(KIND, on_timer)
    router.hook(SCHEDULE_CHANGED, on_schedule_changed)
    router.hook(SETTINGS_CHANGED, on_settings_changed)
    router.hook(PERSON_EXPORT, export_person)
    router.hook(PERSON_FORGET, forget_person)
