"""`/als settings`: per-set settings (facilitators) and personal ones (anyone).

Each setting declares how to read and check its value, so a typo gets a sentence naming
the allowed values rather than a stored bad value that breaks a round later.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from bot.commands.values import Settings
from bot.context import Ctx, Refusal
from bot.dates.announcement import clock
from bot.dates.when import WhenError
from bot.dates.zones import ZoneChoice, choose_zone
from bot.emoji_names import normalise_emoji
from bot.events import CommandInvoked
from bot.replies import Ephemeral, Strong, Text, text
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import ground_rules
from bot.sets import records as sets
from bot.sets.hooks import PERSON_CHANGED, SETTINGS_CHANGED
from bot.store.models import Set as SetRow

SETS = SetRow.__table__


def _minutes(low: int, high: int) -> Callable[[str], int]:
    def read(raw: str) -> int:
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise ValueError(f"a whole number of minutes from {low} to {high}")
        return int(raw)

    return read


def _zone(raw: str) -> ZoneChoice:
    """A place's zone, a city or an alias (`bot.dates.zones.choose_zone`); the handler
    stores `.name` and tells the person what it read and what it warns about."""
    return choose_zone(raw)  # UnknownZone is a ValueError whose text completes "must be"


def _zone_said(name: str, choice: ZoneChoice) -> str:
    """What the reply adds after "Saved: timezone = Europe/London": where the name came
    from, and a warning with the command that would fix it."""
    out = f" (from “{choice.said}”)" if choice.translated else ""
    out += f". {choice.note}" if choice.note else ""
    if choice.warning:
        out += f". ⚠ {choice.warning}"
        if choice.suggest:
            out += f"; did you mean {choice.suggest}? `/als settings {name} {choice.suggest}`"
    return out


def _bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("on", "yes", "true", "1"):
        return True
    if lowered in ("off", "no", "false", "0"):
        return False
    raise ValueError("on or off")


def _count(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 20:
        raise ValueError("a whole number from 1 to 20")
    return int(raw)


def _emoji(raw: str) -> str:

    name = normalise_emoji(raw)
    if not name:
        raise ValueError("an emoji such as ✅ or :white_check_mark:")
    return name


def _quiet(raw: str) -> str:
    if raw.lower() == "off":
        return "off"
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", raw):
        raise ValueError("a range such as 20:00-08:00, or off")
    return raw


def _leads(raw: str) -> str:
    if raw.lower() == "off":
        return "off"
    if not re.fullmatch(r"\d{1,3}[dh](,\d{1,3}[dh])*", raw.replace(" ", "")):
        raise ValueError("lead times such as 1d,1h (or off)")
    return raw.replace(" ", "")


def _days(raw: str) -> str:
    if not re.fullmatch(r"\d{1,2}(,\d{1,2})*", raw.replace(" ", "")):
        raise ValueError("days before the session, such as 3,1")
    return raw.replace(" ", "")


def _time_of_day(raw: str) -> str:
    """Read as a session's time is read (`bot.dates.announcement.clock`), stored as HH:MM."""
    if raw.lower().replace(" ", "") in ("off", "last", "none", '""'):
        return ""
    try:
        return f"{clock(raw):%H:%M}"
    except WhenError:
        raise ValueError(
            "a time of day such as 10:00 or 2pm, or off (the last session's time)"
        ) from None


def _offer_days(raw: str) -> int:
    if not raw.isdigit() or not 7 <= int(raw) <= 365:
        raise ValueError("a whole number of days from 7 to 365")
    return int(raw)


def _locale(raw: str) -> str:
    lowered = raw.lower()
    if lowered in ("uk", "gb", "en-gb", "en_gb"):
        return "uk"
    if lowered in ("us", "en-us", "en_us"):
        return "us"
    raise ValueError("uk (03/04 is 3 April) or us (03/04 is March 4)")


def _ground_rules(raw: str) -> str:
    if raw.lower() in ("default", "off", "reset", '""'):
        return ""
    if len(raw) > 1500:
        raise ValueError("at most 1,500 characters (or `default` for the bot's own)")
    return raw


def _set_name(raw: str) -> str:
    name = " ".join(raw.strip().strip('"').split())
    if raw.lower() in ("default", "off", "reset", '""'):
        return ""
    if not 1 <= len(name) <= 80:
        raise ValueError("a name of 1 to 80 characters (or `default` for none)")
    return name


@dataclass(frozen=True)
class Setting:
    name: str
    read: Callable[[str], Any]
    help: str
    personal: bool = False


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting("name", _set_name, "the set's name, shown on its report and web pages"),
        Setting("timezone", _zone, "the set's time zone (a city such as London, or Europe/London)"),
        Setting("opening_minutes", _minutes(1, 60), "length of the opening"),
        Setting("updates_minutes", _minutes(1, 60), "length of the updates phase"),
        Setting("presenting_minutes", _minutes(6, 10), "presenting time per presenter (6–10)"),
        Setting("questions_minutes", _minutes(1, 60), "questions time per presenter"),
        Setting("summary_minutes", _minutes(1, 60), "summary time per presenter"),
        Setting("actions_minutes", _minutes(1, 60), "actions time per presenter"),
        Setting("evaluation_minutes", _minutes(1, 60), "length of the evaluation"),
        Setting("do_emoji", _emoji, "the reaction that saves a do"),
        Setting("do_threshold", _count, "how many people must react to save a do"),
        Setting("do_allow_self", _bool, "may authors save their own do's"),
        Setting("do_of_week", _bool, "post a “do of the week” every Monday (on/off)"),
        Setting(
            "evaluation_named",
            _bool,
            "name the author when passing an evaluation comment to the facilitators (on/off)",
        ),
        Setting("reminder_leads", _leads, "session reminders before each session, e.g. 1d,1h"),
        Setting("nudge_lead_days", _days, "days before a session to nudge past presenters"),
        Setting("default_time", _time_of_day, "a session's time when none is said"),
        Setting("locale", _locale, "how dates like 03/04 are read (uk or us)"),
        Setting(
            "send_on_weekends",
            _bool,
            "send nudges and reminders at weekends (off: they come on the Friday)",
        ),
        Setting("auto_advance", _bool, "move to the next phase when its time is up (on/off)"),
        Setting(
            "ground_rules",
            _ground_rules,
            "the Opening's ground rules: `+ <rule>` adds one, text replaces them, "
            "`default` restores the bot's",
        ),
        Setting("advice_named", _bool, "name supporters in your private advice counts (on/off)"),
        Setting("offer_days", _offer_days, "how many days an offer or a want lasts (7–365)"),
        Setting("my_timezone", _zone, "your own time zone", personal=True),
        Setting("nudges", _bool, "whether you get outcome nudges (on/off)", personal=True),
        Setting("quiet_hours", _quiet, "your quiet hours, e.g. 20:00-08:00", personal=True),
        Setting("pairs", _bool, "whether you are paired between sessions (on/off)", personal=True),
    )
}
ALIASES = {
    "presenting": "presenting_minutes",
    "questions": "questions_minutes",
    "tz": "timezone",
    "emoji": "do_emoji",
    "threshold": "do_threshold",
}


async def change_set_setting(ctx: Ctx, set_info: SetInfo, name: str, value: Any) -> None:
    """Store one set setting and tell every `SETTINGS_CHANGED` handler (planning re-plans,
    the do's emoji is re-read…): the one way a set setting changes, whether through
    `/als settings` or a feature's own command (`/als prompts on`, `/als pairs off`)."""
    if name == "timezone":
        await ctx.conn.execute(update(SETS).where(SETS.c.id == set_info.id).values(timezone=value))
    else:
        await ctx.conn.execute(
            update(SETS)
            .where(SETS.c.id == set_info.id)
            .values(settings={**set_info.settings, name: value})
        )
    for changed in ctx.hooks(SETTINGS_CHANGED):
        await changed(ctx, set_info, name, value)


async def settings(ctx: Ctx, event: CommandInvoked, command: Settings) -> None:
    set_info = sets.command_set_if_any(ctx)
    if command.key is None:
        ctx.emit(
            Ephemeral(
                channel=event.channel, user=event.user, text=await _listing(ctx, event, set_info)
            )
        )
        return
    name = ALIASES.get(command.key.lower(), command.key.lower())
    setting = SETTINGS.get(name)
    if setting is None:
        raise Refusal(
            f"There is no setting called “{command.key}”. Try `/als settings` to see them all."
        )
    if command.value is None:
        ctx.emit(
            Ephemeral(
                channel=event.channel,
                user=event.user,
                text=text(f"{name}: {setting.help}. Set it with `/als settings {name} <value>`."),
            )
        )
        return
    try:
        raw = command.value.strip()
        if name == "ground_rules" and set_info is not None:  # "+ <rule>" adds to the current
            raw = ground_rules.with_rule(str(set_info.setting(ctx, name)), raw)
        value = setting.read(raw)
    except ValueError as exc:
        raise Refusal(f"{name} must be {exc}.") from None
    said = ""
    if isinstance(value, ZoneChoice):
        said = _zone_said(name, value)
        value = value.name
    if setting.personal:
        column = {"my_timezone": "timezone"}.get(name, name)
        await sets.set_person(ctx, event.user, **{column: value})
        for hook in ctx.hooks(PERSON_CHANGED):
            await hook(ctx, event.user, name, value)
    else:
        if set_info is None:
            raise Refusal("Set settings are changed in the set's channel.")
        await sets.require_facilitator(ctx, set_info, event.user, "change this set's settings")
        await change_set_setting(ctx, set_info, name, value)
    shown = ("on" if value else "off") if isinstance(value, bool) else value
    ctx.emit(
        Ephemeral(
            channel=event.channel,
            user=event.user,
            text=text(f"Saved: {name} = {shown}".rstrip(".") + f"{said}."),  # a rule may end in one
        )
    )


async def _listing(ctx: Ctx, event: CommandInvoked, set_info: SetInfo | None) -> Text:
    out = text(Strong("Settings"))
    if set_info is not None:
        out += "\nThis set (facilitators change these):"
        for s in SETTINGS.values():
            if not s.personal:
                current = (
                    set_info.timezone if s.name == "timezone" else set_info.setting(ctx, s.name)
                )
                if isinstance(current, bool):
                    current = "on" if current else "off"
                if s.name == "ground_rules":
                    current = " · ".join(ground_rules.rules(current)) if current else "the bot's"
                out += f"\n• {s.name} = {current} — {s.help}"
    row = await sets.person(ctx, event.user)
    out += "\nYours:"
    out += (
        f"\n• my_timezone = {(row.timezone if row else None) or 'the set’s'} — your own time zone"
    )
    out += f"\n• nudges = {'on' if (row is None or row.nudges) else 'off'} — outcome nudges by DM"
    out += f"\n• pairs = {'on' if (row is None or row.pairs) else 'off'} — paired between sessions"
    out += f"\n• quiet_hours = {(row.quiet_hours if row else None) or ctx.config.defaults.quiet_hours} — no nudges then"
    return out


def register(router: Router) -> None:
    router.command(Settings, settings)
