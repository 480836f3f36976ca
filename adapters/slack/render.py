"""Core replies → Slack Block Kit.  Pure: no client, no network.

Every `Plain` and `Strong` part is escaped (`&`, `<`, `>`) before it reaches Slack, and the
mrkdwn text objects are sent `verbatim`, so text a person typed — `<!channel>`, `<!here>`,
`<!everyone>`, `<!subteam^S1>`, `<@U1>` — is shown, never obeyed.  Only the core's own
`Mention` parts become `<@U…>` markup, and only when their target is a Slack user id: any
other target (say `<!channel`, typed as text) is escaped text.  This module is the single
place that rule lives.

Slack wants `action_id`s unique within an actions block, but the core may show several
buttons with one action id (ratings 1–5 share `round:rate`), so each rendered id gets a
`#n` suffix that `translate.decode_action_id` strips again.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.forms import ask_of, form_id
from adapters.slack.traits import USER_ID
from bot.commands.spec import CommandSpec
from bot.refs import Platform, UserRef
from bot.replies import Button, Mention, Plain, Strong, Text

SECTION_LIMIT = 3000
FALLBACK_LIMIT = 3000
MAX_SECTIONS = 45
BUTTONS_PER_BLOCK = 25
LABEL_LIMIT = 75
VALUE_LIMIT = 2000
ACTION_ID_LIMIT = 250
GROUP_DM_LIMIT = 8  # `conversations.open` takes at most 8 people (the bot comes on top)


class RenderError(ValueError):
    """A reply Slack could not show as asked (e.g. a button id beyond Slack's limits)."""


def escape(raw: str) -> str:
    return raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: Text) -> str:
    out: list[str] = []
    for part in text.parts:
        if isinstance(part, Mention):
            user = part.user
            if user.workspace.platform == Platform.SLACK and USER_ID.fullmatch(user.id):
                out.append(f"<@{user.id}>")
            else:
                out.append("@" + escape(user.id))
        elif isinstance(part, Strong):
            inner = part.text.strip()
            if not inner:
                out.append(escape(part.text))
                continue
            lead = part.text[: len(part.text) - len(part.text.lstrip())]
            trail = part.text[len(part.text.rstrip()) :]
            out.append(f"{lead}*{escape(inner)}*{trail}")
        elif isinstance(part, Plain):
            out.append(escape(part.text))
    return "".join(out)


def _safe_cut(chunk: str, limit: int) -> int:
    """A cut position ≤ limit that splits neither an `&…;` entity nor `<…>` markup."""
    cut = limit
    amp = chunk.rfind("&", max(0, cut - 6), cut)
    if amp != -1 and ";" not in chunk[amp:cut]:
        cut = amp
    lt = chunk.rfind("<", max(0, cut - 40), cut)
    if lt != -1 and ">" not in chunk[lt:cut]:
        cut = lt
    return cut if cut > 0 else limit


def split_sections(body: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Chunks of at most `limit` characters, at line breaks where possible."""
    chunks: list[str] = []
    rest = body
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = _safe_cut(rest, limit)
            chunks.append(rest[:cut])
            rest = rest[cut:]
        else:
            chunks.append(rest[:cut])
            rest = rest[cut + 1 :]
    if rest or not chunks:
        chunks.append(rest)
    return chunks


def _button(button: Button, index: int) -> dict[str, Any]:
    action_id = f"{button.action_id}#{index}"
    if not button.action_id or len(action_id) > ACTION_ID_LIMIT:
        raise RenderError(f"button action_id {button.action_id[:40]!r} is empty or too long")
    if len(button.value) > VALUE_LIMIT:
        raise RenderError(f"button value for {button.action_id!r} is too long for Slack")
    label = button.label.strip() or "…"
    if len(label) > LABEL_LIMIT:
        label = label[: LABEL_LIMIT - 1] + "…"
    element: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label, "emoji": True},
    }
    if button.value:
        element["value"] = button.value
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    return element


def blocks(text: Text, buttons: tuple[Button, ...] = ()) -> list[dict[str, Any]]:
    body = mrkdwn(text)
    sections = split_sections(body) if body.strip() else []
    if len(sections) > MAX_SECTIONS:
        sections = sections[: MAX_SECTIONS - 1] + ["…"]
    out: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk, "verbatim": True}}
        for chunk in sections
        if chunk.strip()
    ]
    elements = [_button(b, i) for i, b in enumerate(buttons)]
    for start in range(0, len(elements), BUTTONS_PER_BLOCK):
        out.append(
            {
                "type": "actions",
                "block_id": f"alsbot-actions-{start // BUTTONS_PER_BLOCK}",
                "elements": elements[start : start + BUTTONS_PER_BLOCK],
            }
        )
    return out


def fallback(text: Text) -> str:
    """The notification text: the same escaped mrkdwn, shortened."""
    body = mrkdwn(text)
    if len(body) > FALLBACK_LIMIT:
        body = body[: _safe_cut(body, FALLBACK_LIMIT - 1)] + "…"
    return body or " "


def message(text: Text, buttons: tuple[Button, ...] = ()) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage / chat.update / chat.postEphemeral."""
    return {"text": fallback(text), "blocks": blocks(text, buttons)}


def group_users(users: tuple[UserRef, ...]) -> str:
    """`conversations.open`'s `users` for a group DM: the ids, sorted (Slack gives the same
    conversation back for the same people, and a retry must ask for the same thing).
    Only Slack user ids of one workspace: anything else would open a conversation with
    someone the core did not mean."""
    if not users:
        raise RenderError("a group DM needs people")
    if len({user.workspace for user in users}) != 1:
        raise RenderError("a group DM's people must share a workspace")
    ids = sorted({user.id for user in users})
    for user in users:
        if user.workspace.platform != Platform.SLACK or not USER_ID.fullmatch(user.id):
            raise RenderError(f"{user.id[:40]!r} is not a Slack user id")
    if len(ids) > GROUP_DM_LIMIT:
        raise RenderError(f"a Slack group DM takes at most {GROUP_DM_LIMIT} people")
    return ",".join(ids)


VIEW_TITLE_LIMIT = 24  # a modal's title, submit and close labels
INPUT_LABEL_LIMIT = 2000
PLACEHOLDER_LIMIT = 150
INPUT_MAX_LENGTH = 3000


def _label(raw: str, limit: int) -> dict[str, Any]:
    value = raw.strip() or "…"
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return {"type": "plain_text", "text": value, "emoji": True}


def form_view(spec: CommandSpec, channel_id: str) -> dict[str, Any]:
    """A command's form (`spec.ask`) as a modal for `views.open`: one plain-text input per
    field, its block and action ids the field's name. The channel the command was typed
    in rides in `private_metadata`, since a `view_submission` does not say it."""
    ask = ask_of(spec)
    inputs: list[dict[str, Any]] = []
    for field in ask.fields:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": field.name,
            "multiline": field.long,
            "max_length": max(1, min(field.max_length, INPUT_MAX_LENGTH)),
        }
        if field.placeholder:
            element["placeholder"] = _label(field.placeholder, PLACEHOLDER_LIMIT)
        inputs.append(
            {
                "type": "input",
                "block_id": field.name,
                "label": _label(field.label, INPUT_LABEL_LIMIT),
                "optional": not field.required,
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": form_id(spec),
        "title": _label(ask.title, VIEW_TITLE_LIMIT),
        "submit": _label(ask.submit, VIEW_TITLE_LIMIT),
        "close": _label("Cancel", VIEW_TITLE_LIMIT),
        "private_metadata": json.dumps({"channel": channel_id}),
        "blocks": inputs,
    }
