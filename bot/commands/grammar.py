"""The one `/als` grammar every adapter shares.

`parse` is pure: text (mentions already normalised by the adapter to `<@ID>`), the moment
and the reader's time zone in; a `Command` or a `UsageError` out, never an exception. A
person is only ever a `<@ID>`: a bare `@name` (one the platform did not link) or an id no
platform has is refused by name (`words.mentions`), never read as somebody.
The verbs, their aliases, usage and help are the commands' declarations (`registry`); what
is here is how each verb's words are read, where its declared options cannot say it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.commands.network_words import PARSERS as NETWORK_PARSERS
from bot.commands.network_words import PLURALS
from bot.commands.registry import ALIASES, BY_VERB, COMMAND_CLASSES, VERBS, Verb
from bot.commands.schedule_words import read_schedule
from bot.commands.values import (
    AddAction,
    AddActionFor,
    Command,
    DosAdd,
    DosExport,
    DosRandom,
    DosRemove,
    DosSearch,
    EditAction,
    FacilitatorChange,
    ForgetMe,
    GiveUpdate,
    Help,
    Link,
    LinkRotate,
    ListActions,
    RemoveAction,
    Report,
    ReportExport,
    ReportShare,
    Settings,
    Start,
    UsageError,
)
from bot.commands.words import (
    Parser,
    by_options,
    clean,
    mentions,
    shown,
    small_int,
    split1,
)
from bot.dates import due, when

# --- reading -------------------------------------------------------------------------------

_DATES_HELP = (
    "Dates: `2026-12-03`, `3 Dec`, `Dec 3`, `23rd January`, `3 December 2026`, `23/01` and "
    "`23/01/2027` (day/month; month/day once `/als settings locale us`), `today`, `tomorrow`, "
    "`friday` (the next one), `next monday`, `next week`, `in 3 days`, `in 2 weeks`. Times: "
    "`14:00`, `10.30`, `9am`, `10 am`, `at 10`, `2:30pm`, `noon`, `tomorrow morning` (09:00) "
    "and `tomorrow afternoon` (14:00). A range gives the end: `10-12`, `10am–12pm`, "
    "`10:00 to 11:30`; without am/pm, `at 2` or `2-4` is the afternoon (`02:00` is the "
    "night). Date and time go in either order (`thursday 10am`, `10 am next week`) and are "
    "read in your time zone; a session with no time gets the set's usual time. Where: "
    "`tuesday at 10 in Room 8 of the Town Hall`, `friday 2pm at the Town Hall`, "
    "`tuesday 10-12, Room 8`, `monday 10am online`, or a link, "
    "`thursday 10am https://meet.google.com/abc-defg-hij`. Repeats: `thursday 10am weekly`, "
    "`friday 2pm fortnightly` (or `friday 2pm biweekly`), `every other thursday 2pm`, "
    "`tuesday 10am every 3 weeks`, `10am monthly on the last friday`. Due dates also read "
    "`by next week` (the Friday of next week: a week ends with the working week), "
    "`by end of month`, `by the end of January`, `by 23/01` (day/month), `by 23/01/2027`, "
    "`within a fortnight` and `before the next session`."
)
_PAGE = re.compile(r"(?:^|\s)page\s+(\S+)\s*$", re.IGNORECASE)
_EXPORT_FORMATS: dict[str, Literal["md", "csv", "html"]] = {
    "": "html", "html": "html", "htm": "html", "md": "md", "markdown": "md", "csv": "csv"
}  # fmt: skip


def parse(text: str, *, now: datetime, tz: ZoneInfo, locale: str = "uk") -> Command | UsageError:
    """Read what followed `/als`. Mistakes come back as a `UsageError` the adapter can show
    as-is, never as an exception: whatever a user types must not break the event path.
    `locale` is the set's: how `/als schedule 03/04` is read (uk: 3 April, us: March 4)."""
    now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    words = text.strip().split(maxsplit=1)
    if words and clean(words[0]).lower() == "/als":
        words = words[1].split(maxsplit=1) if len(words) > 1 else []
    if not words:
        return Help()
    verb = _canonical(words[0])
    rest = words[1].strip() if len(words) > 1 else ""
    if clean(words[0]).lower() in PLURALS:  # `/als offers grants` lists, never adds
        rest = f"list {rest}".strip()
    parser = _PARSERS.get(verb)
    if parser is None:
        return _unknown(words[0])
    if verb == "schedule":
        return read_schedule(rest, now, tz, locale)
    return parser(rest, now, tz)


def verb_of(text: str) -> str | None:
    """The verb `parse` would read `text` as (aliases resolved), without reading the rest:
    cheap enough to decide, before an event's transaction, whether a command needs anything
    from the platform."""
    words = text.strip().split(maxsplit=2)
    if words and clean(words[0]).lower() == "/als":
        words = words[1:]
    if not words:
        return "help"
    verb = _canonical(words[0])
    return verb if verb in BY_VERB else None


def help_text(topic: str | None = None) -> str:
    """The help shown for `/als help [topic]`: every verb with a one-line description."""
    verb = _canonical(topic) if topic else None
    if verb in ("date", "dates", "time", "times", "when"):
        return _DATES_HELP
    found = BY_VERB.get(verb or "")
    if found is not None:
        extra = f"\n{_DATES_HELP}" if found.name in ("schedule", "action") else ""
        return f"`{found.usage}`\n{_capital(found.summary)}. {found.detail}{extra}"
    lines = ["Commands (type `/als <command>`):"]
    lines += [f"• `{v.usage.split(' · ')[0][5:]}` — {v.summary}" for v in VERBS]
    lines.append("`/als help <command>` says more; `/als help dates` shows the dates I read.")
    return "\n".join(lines)


def _capital(words: str) -> str:
    return words[:1].upper() + words[1:]


def _canonical(word: str) -> str:
    word = clean(word).lower()
    return ALIASES.get(word, word)


def _error(verb: str, message: str) -> UsageError:
    return UsageError(message=message, usage=BY_VERB[verb].usage)


def _unknown(word: str) -> UsageError:
    said = shown(word)
    message = f"I don't know the command `{said}`."
    candidates = [*BY_VERB, *ALIASES]
    verb = _canonical(word)
    close = difflib.get_close_matches(verb, candidates, n=1) if len(verb) <= 30 else []
    if close:
        message += f" Did you mean `/als {ALIASES.get(close[0], close[0])}`?"
    return UsageError(message=message + " `/als help` lists them all.", usage=BY_VERB["help"].usage)


def _bare(command: Command, verb: str) -> Parser:
    """Verbs that take nothing: extra words are more likely a typo than something to ignore,
    and `end` in particular should not fire on a half-typed sentence."""

    def parse_bare(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
        if rest:
            return _error(verb, f"`{verb}` takes nothing after it.")
        return command

    return parse_bare


def _help(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
    if not rest:
        return Help()
    topic = _canonical(rest.split()[0])
    if topic in BY_VERB:
        return Help(topic=topic)
    if topic in ("date", "dates", "time", "times", "when"):
        return Help(topic="dates")
    said = shown(rest.split()[0])
    return _error("help", f"There's no help on `{said}`; `/als help` lists the commands.")


def _start(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
    named = mentions(rest)
    if named.refusal():
        return _error("start", named.refusal() or "")
    if named.leftover:
        return _error("start", "Name presenters with @mentions, e.g. `/als start @sam @alex`.")
    return Start(presenters=tuple(dict.fromkeys(named.ids)))


def _facilitator(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
    how, who = split1(rest)
    if how.lower() not in ("add", "remove"):
        return _error("facilitator", "Say `add` or `remove`, then the person.")
    named = mentions(who)
    if named.refusal():
        return _error("facilitator", named.refusal() or "")
    if len(named.ids) != 1 or named.leftover:
        return _error("facilitator", "Name one person with an @mention.")
    return FacilitatorChange(add=how.lower() == "add", user=named.ids[0])


def _action(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
    """`action <words>`, `action @bob <words>` (or `action for @bob …`), `action edit <n>
    <words>`, `action remove <n>`. The words keep their due dates: the round reads them
    (`bot.rounds.action_items`). `edit`/`remove` are a form only when a number follows, so
    "Edit the newsletter" stays an action."""
    if not rest:
        return _error("action", "Say what you will do, e.g. `/als action call Sam by friday`.")
    first, after = split1(rest)
    lowered = first.lower()
    if lowered in ("edit", "change") and small_int(split1(after)[0]):
        number, words = split1(after)
        if not words:
            return _error("action", f"Say the new words, e.g. `/als action edit {shown(number)} "
                          "call Sam by friday`.")  # fmt: skip
        return EditAction(action_id=small_int(number) or 0, text=words)
    if lowered in ("remove", "delete", "drop") and small_int(after) and " " not in after:
        return RemoveAction(action_id=small_int(after) or 0)
    if lowered in ("edit", "change", "remove", "delete", "drop") and " " not in after.strip():
        # `action remove abc`, `action edit`: meant as the command, with no number.
        verb = "edit" if lowered in ("edit", "change") else "remove"
        example = "edit 3 call Sam by friday" if verb == "edit" else "remove 3"
        return _error("action", f"To {verb} an action, give its number as `/als actions` shows "
                      f"it, e.g. `/als action {example}`. (An action that begins with "
                      f"“{first}” needs a few more words.)")  # fmt: skip
    owner_words = after if lowered == "for" and after.startswith(("<@", "@")) else rest
    who, words = split1(owner_words)
    named = mentions(who)
    if named.refusal() and not named.leftover:  # `action @bob call Sam`, @bob not linked
        return _error("action", named.refusal() or "")
    if len(named.ids) == 1 and not named.leftover:
        if not words:
            return _error("action", "Say what they will do, e.g. `/als action @bob call Sam`.")
        return AddActionFor(user=named.ids[0], text=words)
    if _only_a_date(rest):
        return _error("action", "Say what you will do, e.g. `/als action call Sam by friday`.")
    return AddAction(text=rest)


def _only_a_date(words: str) -> bool:
    try:
        due.read_due(words, today=date(2000, 1, 3), next_session=date(2000, 1, 4))
    except when.WhenError:
        return False
    return True


def _actions(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
    named = mentions(rest)
    if named.refusal():
        return _error("actions", named.refusal() or "")
    if named.leftover or len(named.ids) > 1:
        return _error("actions", "Name at most one person, with an @mention.")
    return ListActions(user=named.ids[0] if named.ids else None)


def _update(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
    if not rest:
        return _error("update", "Say what happened, e.g. `/als update I spoke to Sam`.")
    return GiveUpdate(text=rest)


def _dos(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
    sub, arg = split1(rest)
    sub = sub.lower()
    if sub == "random" and not arg:
        return DosRandom()
    if sub == "remove":
        do_id = small_int(arg)
        if not do_id:
            return _error("dos", "Say which do to remove by its number, e.g. `/als dos remove 12`.")
        return DosRemove(do_id=do_id)
    if sub == "add":
        if not arg:
            return _error("dos", "Say the do, e.g. `/als dos add Ask what worked last time`.")
        return DosAdd(text=arg)
    if sub == "export":
        fmt = _EXPORT_FORMATS.get(arg.lower())
        if fmt is None:
            return _error("dos", "Export as `md`, `csv` or `html`.")
        return DosExport(format=fmt)
    page = 1
    paged = _PAGE.search(rest)
    if paged:
        number = small_int(paged[1])
        if not number:
            return _error("dos", "Pages are numbered from 1, e.g. `/als dos listening page 2`.")
        page, rest = number, rest[: paged.start()]
    return DosSearch(terms=" ".join(rest.split()), page=page)


def _report(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
    sub, arg = split1(rest)
    sub, arg = sub.lower(), arg.lower().strip()
    if not sub:
        return Report()
    if sub == "share" and not arg:
        return ReportShare()
    if sub == "export":
        if arg in ("", "html"):
            return ReportExport(format="html")
        if arg == "csv":
            return ReportExport(format="csv")
        return _error("report", "Export the report as `csv` or `html`.")
    return _error("report", "Say `/als report`, `/als report share` or `/als report export csv`.")


def _link(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
    sub = rest.strip().lower()
    if not sub:
        return Link()
    if sub == "rotate":
        return LinkRotate()
    return _error("link", "Say `/als link`, or `/als link rotate` to replace the links.")


def _settings(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
    key, value = split1(rest)
    if "=" in key:
        key, _, before = key.partition("=")
        value = f"{before} {value}"
    key, value = key.strip().lower(), value.strip()
    return Settings(key=key or None, value=(value or None) if key else None)


def _forget_me(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
    if rest.lower() not in ("", "confirm"):
        return _error("forget-me", "Add `confirm` to delete your data, or nothing to preview.")
    return ForgetMe(confirmed=bool(rest))


# The verbs whose words need more than their declared options can say. Any other verb is
# read from its declaration (`_declared`): nothing after a verb with no options, else its
# options in order.
_CUSTOM: dict[str, Parser] = {
    "help": _help,
    "start": _start,
    "facilitator": _facilitator,
    "schedule": read_schedule,
    "action": _action,
    "actions": _actions,
    "update": _update,
    "dos": _dos,
    "report": _report,
    "link": _link,
    "settings": _settings,
    "forget-me": _forget_me,
    **NETWORK_PARSERS,
}


def _declared(verb: Verb) -> Parser:
    """The parser a declaration implies: a verb with several forms needs its own."""
    if len(verb.specs) != 1:
        raise ValueError(f"the verb {verb.name!r} has several forms: give it a parser")
    spec = verb.specs[0]
    cls: Callable[..., Command] = next(c for c in COMMAND_CLASSES if c.spec is spec)
    if not spec.options:
        return _bare(cls(), verb.name)
    return by_options(cls, spec)


_PARSERS: dict[str, Parser] = {v.name: _CUSTOM.get(v.name) or _declared(v) for v in VERBS}
if set(_CUSTOM) - set(_PARSERS):
    raise ValueError(f"parsers for undeclared verbs: {sorted(set(_CUSTOM) - set(_PARSERS))}")
