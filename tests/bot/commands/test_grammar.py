"""The `/als` grammar: every verb, its mistakes, and that no text can make it raise."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands.grammar import help_text, parse
from bot.commands.values import (
    AddAction,
    AddActionFor,
    Command,
    DosExport,
    DosRandom,
    DosRemove,
    DosSearch,
    EditAction,
    End,
    ExportMe,
    FacilitatorChange,
    ForgetMe,
    GiveUpdate,
    Help,
    Join,
    Leave,
    ListActions,
    Next,
    Pause,
    Recurrence,
    RemoveAction,
    Report,
    Resume,
    Schedule,
    Settings,
    Start,
    UsageError,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # Monday 09:00 in London
VERBS = ["help", "start", "next", "pause", "resume", "end", "join", "leave", "facilitator",
         "schedule", "action", "actions", "update", "dos", "report", "settings", "export-me",
         "forget-me"]  # fmt: skip


def p(text: str) -> Command | UsageError:
    return parse(text, now=NOW, tz=LONDON)


def error(text: str) -> UsageError:
    result = p(text)
    assert isinstance(result, UsageError), result
    assert result.message and result.usage.startswith("/als ")
    return result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("   \n\t ", Help()),
        ("help", Help()),
        ("  HeLp  ", Help()),
        ("?", Help()),
        ("help schedule", Help(topic="schedule")),
        ("help SCHEDULE now", Help(topic="schedule")),
        ("help forgetme", Help(topic="forget-me")),
        ("help dates", Help(topic="dates")),
        ("/als next", Next()),
        ("help\u200b", Help()),  # zero-width space stuck to the verb
        ("\ufeffnext", Next()),
        ("start", Start()),
        ("start <@U1> <@U2>", Start(presenters=("U1", "U2"))),
        ("start <@U2><@U1>", Start(presenters=("U2", "U1"))),
        ("start <@U1> <@U2> <@U1>", Start(presenters=("U1", "U2"))),
        ("start @sam, @alex and @kim", Start(presenters=("sam", "alex", "kim"))),
        ("start <@W1|jo>", Start(presenters=("W1|jo",))),
        ("START @sam.", Start(presenters=("sam",))),
        ("next", Next()),
        ("Pause", Pause()),
        ("resume", Resume()),
        ("end", End()),
        ("join", Join()),
        ("leave", Leave()),
        ("facilitator add <@U9>", FacilitatorChange(add=True, user="U9")),
        ("facilitator REMOVE @sam", FacilitatorChange(add=False, user="sam")),
        ("facilitators add\u00a0<@U9>", FacilitatorChange(add=True, user="U9")),
        ("actions", ListActions()),
        ("actions <@U1>", ListActions(user="U1")),
        ("actions @kim", ListActions(user="kim")),
        (
            "update spoke to Sam — it went well 🎉",
            GiveUpdate(text="spoke to Sam — it went well 🎉"),
        ),
        ("update by friday", GiveUpdate(text="by friday")),
        ("dos", DosSearch()),
        ("dos listening", DosSearch(terms="listening")),
        ("dos active   listening page 3", DosSearch(terms="active listening", page=3)),
        ("dos page 2", DosSearch(page=2)),
        ("dos random", DosRandom()),
        ("dos random thoughts", DosSearch(terms="random thoughts")),
        ("dos remove 12", DosRemove(do_id=12)),
        ("dos remove #7", DosRemove(do_id=7)),
        ("dos export", DosExport()),
        ("dos export md", DosExport(format="md")),
        ("dos export CSV", DosExport(format="csv")),
        ("dos export html", DosExport(format="html")),
        ("do's", DosSearch()),
        ("report", Report()),
        ("settings", Settings()),
        ("settings Timezone", Settings(key="timezone")),
        ("settings timezone America/New_York", Settings(key="timezone", value="America/New_York")),
        ("settings timezone=Europe/Paris", Settings(key="timezone", value="Europe/Paris")),
        ("settings welcome Hello  there", Settings(key="welcome", value="Hello  there")),
        ("export-me", ExportMe()),
        ("exportme", ExportMe()),
        ("forget-me", ForgetMe()),
        ("forget-me CONFIRM", ForgetMe(confirmed=True)),
    ],
)
def test_parses(text: str, expected: Command) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "verb", "fragment"),
    [
        ("start sam", "start", "@mentions"),
        ("next please", "next", "takes nothing"),
        ("end it all", "end", "takes nothing"),
        ("report now", "report", "takes nothing"),
        ("export-me please", "export-me", "takes nothing"),
        ("facilitator", "facilitator", "add"),
        ("facilitator promote <@U1>", "facilitator", "add"),
        ("facilitator add", "facilitator", "@mention"),
        ("facilitator add sam", "facilitator", "@mention"),
        ("facilitator add <@U1> <@U2>", "facilitator", "one person"),
        ("actions me", "actions", "@mention"),
        ("actions <@U1> <@U2>", "actions", "one person"),
        ("update", "update", "what happened"),
        ("update    ", "update", "what happened"),
        ("action", "action", "what you will do"),
        ("action by friday", "action", "what you will do"),
        ("dos remove", "dos", "number"),
        ("dos remove twelve", "dos", "number"),
        ("dos remove 0", "dos", "number"),
        ("dos remove 1.5", "dos", "number"),
        ("dos remove " + "9" * 5000, "dos", "number"),
        ("dos export pdf", "dos", "md"),
        ("dos tips page two", "dos", "Pages"),
        ("dos tips page 0", "dos", "Pages"),
        ("forget-me now", "forget-me", "confirm"),
        ("help frobnicate", "help", "no help"),
    ],
)
def test_usage_errors(text: str, verb: str, fragment: str) -> None:
    result = error(text)
    assert result.usage.startswith(f"/als {verb}")
    assert fragment.lower() in result.message.lower()


def test_unknown_verb_is_named_with_a_suggestion() -> None:
    result = error("shedule thursday 10am")
    assert "shedule" in result.message
    assert "/als schedule" in result.message and "/als help" in result.message
    plain = error("frobnicate")
    assert "frobnicate" in plain.message and "/als help" in plain.message
    assert "Did you mean" not in plain.message


def test_unknown_verb_is_echoed_short_and_safe() -> None:
    result = error("`" + "x" * 500 + "\x00")
    assert len(result.message) < 200 and "\x00" not in result.message
    assert "``" not in result.message


# --- schedule -------------------------------------------------------------------------------


def schedule(text: str) -> Schedule:
    result = p("schedule " + text)
    assert isinstance(result, Schedule), result
    return result


def test_schedule_show_and_clear() -> None:
    assert p("schedule") == Schedule()
    assert p("schedule off") == Schedule(clear=True)
    assert p("Schedule OFF") == Schedule(clear=True)


@pytest.mark.parametrize(
    ("text", "first", "recurrence"),
    [
        ("thursday 10am", datetime(2026, 1, 8, 10, tzinfo=UTC), None),
        ("10am thursday", datetime(2026, 1, 8, 10, tzinfo=UTC), None),
        ("2026-12-03 14:00", datetime(2026, 12, 3, 14, tzinfo=UTC), None),
        ("thursday 10am weekly", datetime(2026, 1, 8, 10, tzinfo=UTC), Recurrence("weekly")),
        ("thursday 10am every week", datetime(2026, 1, 8, 10, tzinfo=UTC), Recurrence("weekly")),
        ("thursday 10am every 2 weeks", datetime(2026, 1, 8, 10, tzinfo=UTC),
         Recurrence("weekly", 2)),
        ("thursday 10am every other week", datetime(2026, 1, 8, 10, tzinfo=UTC),
         Recurrence("weekly", 2)),
        ("thursday 10am EVERY 12 WEEKS", datetime(2026, 1, 8, 10, tzinfo=UTC),
         Recurrence("weekly", 12)),
        ("fortnightly friday 2pm", datetime(2026, 1, 9, 14, tzinfo=UTC), Recurrence("weekly", 2)),
        ("3 dec 10am monthly", datetime(2026, 12, 3, 10, tzinfo=UTC), Recurrence("monthly")),
        ("3 dec 10am every 3 months", datetime(2026, 12, 3, 10, tzinfo=UTC),
         Recurrence("monthly", 3)),
        # No day with an nth-weekday rule: the first session is the rule's next day.
        ("10am monthly on the 2nd tuesday", datetime(2026, 1, 13, 10, tzinfo=UTC),
         Recurrence("monthly_nth", nth=2, weekday=1)),
        ("monthly on the last friday 10am", datetime(2026, 1, 30, 10, tzinfo=UTC),
         Recurrence("monthly_nth", nth=-1, weekday=4)),
        ("10am monthly on the 4th thurs", datetime(2026, 1, 22, 10, tzinfo=UTC),
         Recurrence("monthly_nth", nth=4, weekday=3)),
        ("10am monthly on the second tuesdays", datetime(2026, 1, 13, 10, tzinfo=UTC),
         Recurrence("monthly_nth", nth=2, weekday=1)),
        ("8am monthly on the first monday", datetime(2026, 2, 2, 8, tzinfo=UTC),
         Recurrence("monthly_nth", nth=1, weekday=0)),
        ("wednesday 10am monthly on the 3rd tuesday", datetime(2026, 1, 7, 10, tzinfo=UTC),
         Recurrence("monthly_nth", nth=3, weekday=1)),
        ("10am monthly on thursday", datetime(2026, 1, 8, 10, tzinfo=UTC), Recurrence("monthly")),
    ],
)  # fmt: skip
def test_schedule(text: str, first: datetime, recurrence: Recurrence | None) -> None:
    assert schedule(text) == Schedule(first=first, recurrence=recurrence)


def test_schedule_across_spring_forward_is_in_local_time() -> None:
    result = parse("schedule 2026-04-02 10:00 weekly", now=NOW, tz=LONDON)
    assert result == Schedule(datetime(2026, 4, 2, 9, tzinfo=UTC), Recurrence("weekly"))
    new_york = parse("schedule 2026-03-08 2:30am", now=NOW, tz=ZoneInfo("America/New_York"))
    assert new_york == Schedule(datetime(2026, 3, 8, 7, tzinfo=UTC))  # 03:00 EDT


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("thursday", "say a time too, e.g. thursday 10am"),
        ("weekly", "say when"),
        ("yesterday 10am", "already passed"),
        ("today 8am", "already passed"),
        ("2020-01-01 10:00", "already passed"),
        ("whenever suits", "couldn't read"),
        ("thursday 10am every 13 weeks", "1 to 12"),
        ("thursday 10am every 0 weeks", "1 to 12"),
        ("thursday 10am every lots weeks", "1 to 12"),
        ("thursday 10am weekly monthly", "one repeat"),
        ("thursday 10am every tuesday", "repeats"),
        ("10am monthly on the 9th tuesday", "2nd tuesday"),
        ("31 feb 10am", "no 31 february"),
    ],
)
def test_schedule_errors(text: str, fragment: str) -> None:
    result = error("schedule " + text)
    assert result.usage.startswith("/als schedule")
    assert fragment in result.message.lower()


# --- action ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The words keep their dates: the round reads them (tests/bot/dates/test_due.py).
        ("buy milk by friday", AddAction("buy milk by friday")),
        ("stand by the team by 3 Dec", AddAction("stand by the team by 3 Dec")),
        ("ask <@U1> about by-laws", AddAction("ask <@U1> about by-laws")),
        ("finish it by", AddAction("finish it by")),
        ("write   the  report", AddAction("write   the  report")),
        ("🎯 ship it 🚀", AddAction("🎯 ship it 🚀")),
        ("Write up notes by Friday, and share with the team by Monday",
         AddAction("Write up notes by Friday, and share with the team by Monday")),
        ("edit the newsletter", AddAction("edit the newsletter")),  # no number: an action
        ("remove 3 blockers", AddAction("remove 3 blockers")),
        ("edit 12 call Sam by friday", EditAction(12, "call Sam by friday")),
        ("edit #12 call Sam", EditAction(12, "call Sam")),
        ("change 12 call Sam", EditAction(12, "call Sam")),
        ("remove 12", RemoveAction(12)),
        ("remove #12", RemoveAction(12)),
        ("delete 12", RemoveAction(12)),
        ("<@U1> call Sam by friday", AddActionFor("U1", "call Sam by friday")),
        ("@bob call Sam", AddActionFor("bob", "call Sam")),
        ("for <@U1> call Sam", AddActionFor("U1", "call Sam")),
    ],
)  # fmt: skip
def test_action(text: str, expected: object) -> None:
    assert p("action " + text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "what you will do"),
        ("by friday", "what you will do"),
        ("before the next session", "what you will do"),
        ("edit 12", "new words"),
        ("remove abc", "give its number"),
        ("remove", "give its number"),
        ("edit", "give its number"),
        ("delete #x", "give its number"),
        ("<@U1>", "what they will do"),
    ],
)
def test_action_errors(text: str, fragment: str) -> None:
    result = error("action " + text)
    assert result.usage.startswith("/als action")
    assert fragment in result.message.lower()


def test_action_help_says_how_dates_and_changes_read() -> None:
    said = help_text("action")
    for words in (
        "/als action edit <n>",
        "/als action remove <n>",
        "@presenter",
        "next week",
        "Friday",
        "23/01",
        "before the next session",
        "until the next session starts",
    ):
        assert words in said, words


# --- help -----------------------------------------------------------------------------------


def test_help_lists_every_verb() -> None:
    general = help_text()
    for verb in VERBS:
        assert f"`{verb}" in general, verb
    assert len(general.splitlines()) >= len(VERBS)


@pytest.mark.parametrize("verb", VERBS)
def test_help_for_each_verb(verb: str) -> None:
    topic = help_text(verb)
    assert topic.startswith(f"`/als {verb}")
    assert len(topic.splitlines()) >= 2
    parsed = p(f"help {verb}")
    assert parsed == Help(topic=verb)


def test_help_for_dates_and_unknown_topics() -> None:
    assert "in 3 days" in help_text("dates")
    assert "in 3 days" in help_text("schedule")
    assert help_text("nonsense") == help_text()
    assert help_text("FORGETME").startswith("`/als forget-me")


# --- nothing raises -------------------------------------------------------------------------

# Pieces that stress the parser: invisible and direction-changing characters, composed emoji,
# odd casing, and the grammar's own keywords, glued together at random.
PIECES = ["\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\x00", "\x1b", "\u0301",
          "👩‍👩‍👧", "🏳️‍🌈", "ﷺ", "𝕒", "İ", "ß", "<@", ">", "@", " by ", " page ", " every ",
          " monthly on the ", "`", "\n", "\u00a0", "12", ":", "pm", "friday", " 3 dec", "2026-",
          "weeks", "last", "#", "="]  # fmt: skip
NASTY = st.lists(st.one_of(st.text(max_size=6), st.sampled_from(PIECES)), max_size=40).map("".join)


def check(result: object) -> None:
    assert isinstance(result, Command | UsageError), result
    if isinstance(result, UsageError):
        assert isinstance(result.message, str) and result.message
        assert isinstance(result.usage, str) and result.usage
    if isinstance(result, Schedule) and result.first is not None:
        assert result.first > NOW and result.first.tzinfo is not None
    if isinstance(result, AddAction | AddActionFor | EditAction):
        assert result.text.strip()


@given(st.text())
def test_any_text_parses_or_errs(text: str) -> None:
    check(p(text))


@settings(max_examples=300)
@given(verb=st.sampled_from([*VERBS, "dos remove", "dos export", "facilitator add", "help"]),
       rest=NASTY)  # fmt: skip
def test_any_arguments_parse_or_err(verb: str, rest: str) -> None:
    check(p(f"{verb} {rest}"))


@pytest.mark.parametrize("verb", [*VERBS, "dos remove", "dos export", "nonsense"])
def test_very_long_input_is_fine_and_fast(verb: str) -> None:
    for filler in ("word by friday " * 3000, "x" * 40_000, "by " * 13_000 + "3 dec",
                   "@a " * 13_000, "<@" * 20_000, "every " * 6_000 + "week"):  # fmt: skip
        text = f"{verb} {filler}"[:40_000]
        started = time.perf_counter()
        check(p(text))
        assert time.perf_counter() - started < 0.5, (verb, filler[:20])
