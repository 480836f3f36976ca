"""The prompt of the week: one reflective question a week in the set's channel, except in
weeks the set meets (issue 18).

* The set setting `prompts` (in `sets.settings`) is `"off"` or a weekday and time as
  `bot.commands.network_words.read_weekly` writes it (`"monday 10:00"`); `/als prompts on
  [weekday time]` and `/als prompts off` change it and tell `SETTINGS_CHANGED`.
* One pending timer of kind `prompt` per set (`prompt_plan.plan`, which also says which
  prompt is next in turn). It is re-planned when prompts are turned on or off, the schedule changes
  (`SCHEDULE_CHANGED`), or the set's zone or `send_on_weekends` changes; when it fires it
  checks again (prompts still on, the set still there, no session that week, not a day
  late, no prompt yet that week), posts, and plans the following week.
* `prompt_posts` is unique on (set, local ISO week): a second prompt in one week cannot be
  written, by any process.
* The post has the handle `prompt:<set id>:<week>` so people answer in its thread. No
  handler reads or keeps those replies (round threads are the only threads `bot.rounds`
  reads); a reply can be saved as a do by the set's do emoji, as anywhere in the channel.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select

from bot.commands.network_commands import (
    PromptsAdd,
    PromptsList,
    PromptsOff,
    PromptsOn,
    PromptsRemove,
)
from bot.commands.network_words import DEFAULT_WEEKLY
from bot.context import Ctx, Refusal
from bot.dates.local_times import in_quiet
from bot.dates.sessions import show
from bot.dates.when import WEEKDAY_NAMES
from bot.dos.capture import set_emoji
from bot.dos.common import emoji_label
from bot.events import CommandInvoked
from bot.followup.hooks import SCHEDULE_CHANGED
from bot.network import prompt_plan, prompt_times
from bot.network.prompt_bank import BANK
from bot.network.prompt_plan import (
    KIND,
    OFF,
    OWN,
    POSTS,
    SETTING,
    next_slot,
    own_prompts,
    pending_at,
    pick,
    plan,
    rotation,
    sessions_of,
    weekly,
)
from bot.network.prompt_times import Weekly
from bot.replies import Ephemeral, Mention, Plain, Post, Strong, Text, text
from bot.rounds import hooks as rounds_hooks
from bot.rounds.sessions import SessionInfo
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.sets.hooks import PERSON_EXPORT, PERSON_FORGET, SETTINGS_CHANGED
from bot.sets.settings import change_set_setting
from bot.store.models import Set as SetRow
from bot.store.plain import plain
from bot.store.upsert import insert_ignore
from bot.timers import DueTimer

MIN_CHARS, MAX_CHARS = 5, 300
MAX_OWN = 100  # the set's own prompts: enough for two years of weeks
TOO_LATE = timedelta(days=1)  # a prompt claimed later than this (the bot was down) waits a week
# Settings that move when the prompt goes (the `prompts` value itself is handled here).
TIMING_SETTINGS = {"timezone", "send_on_weekends"}

SETS = SetRow.__table__


def handle(set_id: int, week: str) -> str:
    """The post's handle: its thread is where people answer."""
    return f"prompt:{set_id}:{week}"


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


async def on_closing(ctx: Ctx, set_info: SetInfo, _session: SessionInfo) -> Text | None:
    """A session closed: plan from here (its week is now one with a session). This is also
    what first plans a set whose prompts are on by `[defaults] prompts` in the config,
    where no command turned them on."""
    if weekly(ctx, set_info) is not None:
        await plan(ctx, set_info)
    return None


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
    await change_set_setting(ctx, set_info, SETTING, value)
    return await sets.get_set(ctx, set_info.id)


def _moves(ctx: Ctx, set_info: SetInfo, wanted: Weekly) -> str:
    """Why the asked-for time will not be kept to the minute, said once, when asked."""
    out = ""
    if wanted.weekday >= 5 and not set_info.setting(ctx, "send_on_weekends"):
        out += (
            f" {WEEKDAY_NAMES[wanted.weekday]} is a weekend day and this set doesn't send at weekends, "
            "so it comes on the Friday before (`/als settings send_on_weekends on` keeps it)."
        )
    quiet = prompt_plan.quiet(ctx)
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
        body += f" The next: {show(slot.at, set_info.tz)}."
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
        if due is None:  # on by `[defaults] prompts`, and nothing has planned it yet
            slot = await plan(ctx, set_info)
            due = slot.at if slot else None
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
    router.hook(rounds_hooks.CLOSING, on_closing)
    router.hook(PERSON_EXPORT, export_person)
    router.hook(PERSON_FORGET, forget_person)
