"""`verb_of`: the verb a command text is, read before the transaction without parsing it all."""

from __future__ import annotations

from bot.commands.grammar import verb_of


def test_verb_of_names_the_verb_without_reading_the_rest() -> None:
    assert verb_of("start <@U1> <@U2>") == "start"
    assert verb_of("/als START") == "start"
    assert verb_of("set-up") == "setup" and verb_of("facilitators add @x") == "facilitator"
    assert verb_of("") == verb_of("/als") == "help"
    assert verb_of("strat") is None
