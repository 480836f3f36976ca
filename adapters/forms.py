"""Forms (`Ask`) as every adapter reads them: which command a form belongs to, and the
command text its answers make.

A form is only another way of typing a command (`bot.commands.spec.Ask`): `/als offer`
with no words opens it, and its answers become `offer I can help with grants #funding`,
submitted as an ordinary `CommandInvoked`. The three adapters (Slack modal, Discord modal,
console lines) may not import one another, so what they share lives here, above them and
below nothing but the core's declarations.

A form is named on the platform by `FORM_PREFIX + spec.path` (`als_form:offer add`): the
Slack view's `callback_id`, the Discord modal's `custom_id`.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.commands.registry import SPECS
from bot.commands.spec import Ask, CommandSpec

FORM_PREFIX = "als_form:"

# Every command that has a form, by the name its form carries on a platform.
ASKING: dict[str, CommandSpec] = {
    spec.path: spec for spec in SPECS.values() if spec.ask is not None
}


def asked_by(text: str) -> CommandSpec | None:
    """The command whose form `text` (what followed `/als`) asks for: its words with
    nothing after them — `offer`, `offer add`, `want` — else None."""
    said = " ".join(text.lower().split())
    if not said:
        return None
    for spec in ASKING.values():
        if said in (spec.text_words, spec.path):
            return spec
    return None


def form_id(spec: CommandSpec) -> str:
    """The platform's name for the form of `spec` (a callback or custom id)."""
    return FORM_PREFIX + spec.path


def spec_for(form: str) -> CommandSpec | None:
    """The command a platform's form id names, or None (not ours, or a command gone)."""
    if not form.startswith(FORM_PREFIX):
        return None
    return ASKING.get(form[len(FORM_PREFIX) :])


def ask_of(spec: CommandSpec) -> Ask:
    assert spec.ask is not None, f"{spec.path} has no form"
    return spec.ask


def command_text(spec: CommandSpec, answers: Mapping[str, str]) -> str:
    """The command's text the answers make: `offer I can help with grants #funding`."""
    words = ask_of(spec).words(answers)
    return f"{spec.text_words} {words}".strip()


def missing(spec: CommandSpec, answers: Mapping[str, str]) -> list[str]:
    """The names of required fields left empty (whitespace counts as empty)."""
    return [
        field.name
        for field in ask_of(spec).fields
        if field.required and not str(answers.get(field.name) or "").strip()
    ]
