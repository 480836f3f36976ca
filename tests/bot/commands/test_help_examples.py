"""Help matches behaviour: every verb's help shows an example, and every example it shows is
read by the grammar as that command; run through the real core, none of them fails and no
reply says anything with a double full stop."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from adapters.console.script import linked
from bot.commands import registry
from bot.commands.grammar import help_text, parse
from bot.commands.values import UsageError
from bot.processor import SORRY
from testkit.harness import Harness, texts

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday morning
LONDON = ZoneInfo("Europe/London")
EXAMPLE = re.compile(r"`(/als [^`]+)`")
DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")  # "set.." but not an ellipsis "..."


def examples(verb: str) -> list[str]:
    """The `/als …` snippets in a verb's help, after its usage line (which has placeholders)."""
    _usage, _, said = help_text(verb).partition("\n")
    return EXAMPLE.findall(said)


@pytest.mark.parametrize("verb", [v.name for v in registry.VERBS])
def test_every_verb_s_help_shows_an_example_that_reads_as_that_verb(verb: str) -> None:
    own = {cls for cls, spec in registry.SPECS.items() if spec.verb == verb}
    shown = examples(verb)
    mine = [e for e in shown if registry.ALIASES.get(e.split()[1], e.split()[1]) == verb]
    assert mine, f"/als help {verb} shows no example of /als {verb}"
    for example in shown:
        # As a person types it, picking each @name from the platform's menu (linked).
        parsed = parse(linked(example), now=NOW, tz=LONDON)
        assert not isinstance(parsed, UsageError), f"{verb}: `{example}` → {parsed}"
        if example in mine:
            assert type(parsed) in own, f"{verb}: `{example}` reads as {type(parsed).__name__}"


def test_a_help_without_an_example_is_caught() -> None:
    """The check above can fail: a help text with only its usage line shows no example."""
    assert EXAMPLE.findall("`/als next`") == ["/als next"]
    assert EXAMPLE.findall("`/als next`\nMove on.".partition("\n")[2]) == []
    assert DOUBLE_STOP.search("No open actions in this set..")
    assert not DOUBLE_STOP.search("Wait... then go.")


@pytest.mark.asyncio
async def test_every_example_in_help_runs_and_no_reply_has_a_double_full_stop(
    h: Harness,
) -> None:
    await h.cmd("alice", "setup")
    await h.cmd("bob", "join")
    said: list[str] = []
    for verb in registry.VERBS:
        for example in examples(verb.name):
            said += texts(await h.cmd("alice", example))
    said += texts(await h.cmd("alice", "actions"))  # with no actions: a sentence of its own
    assert said
    assert SORRY not in said, "an example in help failed the event"
    doubled = [t for t in said if DOUBLE_STOP.search(t)]
    assert not doubled, doubled
