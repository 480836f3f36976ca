"""An update offered from a DM: held for its author until they press [Share as my update].

A DM to the bot is private, and people write to a bot the way they write to a person:
"I might be late, my dad is in hospital again" is not meant for the set. So what someone
writes is held as a draft (`bot.sets.drafts`, kind "update") and shown back to them alone
with [Share as my update] [Edit] [Not an update]. Only the first makes an outcome update
(`bot.followup.actions.save_update`) that the digest and the next Updates phase show.

[Edit] works with buttons and plain messages on every platform: the bot asks for the
update as they'd like it shared, and their next DM replaces the draft and is previewed
again. A draft may also replace an update already given (`replaces`, from [Edit] on a
live update, `bot.followup.live_updates`): then the preview offers [Replace my update].
"""

from __future__ import annotations

from typing import Any

from bot.context import OUT_OF_DATE, Ctx, Refusal
from bot.events import ButtonPressed
from bot.followup import actions
from bot.refs import UserRef
from bot.replies import Button, Direct, Edit, Text, text
from bot.rounds import privately
from bot.rounds.sessions import active_session
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import drafts
from bot.sets import records as sets

PREFIX = "upd"
KIND = "update"


def _handle(draft_id: int, revision: int) -> str:
    return f"update-draft:{draft_id}:{revision}"


def _replacing(data: dict[str, Any]) -> int | None:
    value = data.get("replaces")
    return int(value) if isinstance(value, int) else None


def _buttons(draft_id: int, replacing: bool) -> tuple[Button, ...]:
    value = str(draft_id)
    if replacing:
        return (
            Button(f"{PREFIX}:share", "Replace my update", value, "primary"),
            Button(f"{PREFIX}:edit", "Edit", value),
            Button(f"{PREFIX}:drop", "Keep the old one", value),
        )
    return (
        Button(f"{PREFIX}:share", "Share as my update", value, "primary"),
        Button(f"{PREFIX}:edit", "Edit", value),
        Button(f"{PREFIX}:drop", "Not an update", value),
    )


def _preview(ctx: Ctx, to: UserRef, draft_id: int, body: str, data: dict[str, Any]) -> None:
    replacing = _replacing(data) is not None
    if replacing:
        lead = text("🔒 Only you can see this. Your update would now read:")
        tail = "\nNothing changes until you press [Replace my update]."
    else:
        lead = text(
            "🔒 Only you can see this. Here is your message as an update for your set's "
            "next session:"
        )
        tail = "\nNothing is shared until you press [Share as my update]."
    ctx.emit(
        Direct(
            user=to,
            text=lead + text("\n“", body, "”") + tail,
            buttons=_buttons(draft_id, replacing),
            handle=_handle(draft_id, int(data.get("revision", 1))),
        )
    )


async def offer(
    ctx: Ctx,
    set_info: SetInfo,
    owner: UserRef,
    to: UserRef,
    body: str,
    *,
    replaces: int | None = None,
    editing: bool = False,
) -> int:
    """Hold `body` as `owner`'s update draft and (unless waiting for an edit) preview it.

    `owner` is their identity in the set; `to` is where their DMs go (on Discord a DM's
    user carries no server)."""
    data: dict[str, Any] = {"revision": 1, "shown": not editing}
    if replaces is not None:
        data["replaces"] = replaces
    if editing:
        data["editing"] = True
    draft_id = await drafts.hold(ctx, set_info.id, owner, KIND, body, data)
    if not editing:
        _preview(ctx, to, draft_id, body.strip()[: drafts.MAX_TEXT], data)
    return draft_id


async def take_edit(ctx: Ctx, to: UserRef, mine: list[tuple[SetInfo, UserRef]], body: str) -> bool:
    """If the person asked to edit a draft, `body` is its new text: preview it again."""
    for set_info, me in mine:
        row = await drafts.latest(ctx, me, KIND, editing=True)
        if row is None or row.set_id != set_info.id:
            continue
        ctx.set_id = set_info.id
        data = {**(row.data or {}), "editing": False, "shown": True}
        data["revision"] = int(data.get("revision", 1)) + 1
        await drafts.revise(ctx, row.id, body=body, data=data)
        _preview(ctx, to, row.id, body.strip()[: drafts.MAX_TEXT], data)
        return True
    return False


async def _share(ctx: Ctx, event: ButtonPressed, row: Any, data: dict[str, Any]) -> Text:
    owner = UserRef.from_key(row.user_key)
    replaces = _replacing(data)
    if replaces is not None:
        await actions.replace_update(ctx, replaces, event.user, row.text)
        return text("Done — your update now reads as you wrote it.")
    set_info = await sets.get_set(ctx, row.set_id)
    member = await sets.member_row(ctx, set_info.id, owner)
    if member is None or not member.active:
        raise Refusal("You're no longer in that set, so there is nobody to share it with.")
    await actions.save_update(ctx, set_info, owner, row.text)
    if await active_session(ctx, set_info.id) is not None:
        out = text("Shared — your set is meeting now, and it counts as your update for it.")
    else:
        out = text("Shared — it will be in the next session's Updates.")
    unanswered = [
        a for a in await actions.open_actions(ctx, set_info.id, owner) if a.status == "open"
    ]
    if unanswered:
        out += "\nStill without a status (use the buttons on my nudge, or tell me here):"
        for action in unanswered:
            out += text("\n• ", action.text)
    return out


async def on_button(ctx: Ctx, event: ButtonPressed) -> None:
    verb = event.verb
    if verb not in ("share", "edit", "drop") or not event.value.isdigit():
        raise Refusal(OUT_OF_DATE)
    row = await drafts.mine(ctx, int(event.value), event.user, KIND)
    ctx.set_id = row.set_id
    data = dict(row.data or {})
    where = await privately.to_presser(ctx, event)
    quoted = text("“", row.text, "”")

    def settle_preview(body: Text) -> None:
        """The preview loses its buttons (if it was ever shown: an edit may come first)."""
        if data.get("shown"):
            ctx.emit(Edit(handle=_handle(row.id, int(data.get("revision", 1))), text=body))

    if verb == "share":
        answer = await _share(ctx, event, row, data)
        await drafts.drop(ctx, row.id)
        done = "✓ Your update now reads: " if _replacing(data) is not None else "✓ Shared: "
        settle_preview(text(done) + quoted)
        ctx.emit(where.reply(answer))
    elif verb == "edit":
        await drafts.revise(ctx, row.id, data={**data, "editing": True})
        settle_preview(text("✎ Editing: ") + quoted)
        keep = "Keep the old one" if _replacing(data) is not None else "Not an update"
        ctx.emit(
            where.reply(
                text(
                    "Send me the update as you'd like it shared: your next message to me "
                    "replaces it, and I'll show it to you again before anything is shared."
                ),
                (Button(f"{PREFIX}:drop", keep, str(row.id)),),
            )
        )
    else:
        await drafts.drop(ctx, row.id)
        if _replacing(data) is not None:
            settle_preview(text("Not used: ") + quoted)
            ctx.emit(where.reply(text("OK — your update stays as it was.")))
            return
        settle_preview(text("Not an update — discarded."))
        ctx.emit(where.reply(text("OK — I've discarded it: nothing of it is shared or kept.")))


def register(router: Router) -> None:
    router.button(PREFIX, on_button)
