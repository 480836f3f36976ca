"""Giving an update as a person does now: write it, see the private preview, press a button.

`Harness.press` only finds buttons on public posts and DMs; these also find the ephemeral
ones a live update is shown back with, and press them where they were shown.
"""

from __future__ import annotations

from sqlalchemy import insert

from bot.events import ButtonPressed
from bot.refs import ChannelRef
from bot.replies import Button, Direct, Ephemeral, Reply
from bot.store.models import Action
from testkit.harness import GENERAL, WS, Harness, u
from testkit.nudges import button_on, dms, press_button


def preview(replies: list[Reply], who: str) -> Direct:
    """The private preview of `who`'s DM (the message offering [Share as my update])."""
    found = [
        d for d in dms(replies, who) if any(b.label == "Share as my update" for b in d.buttons)
    ]
    assert found, f"no preview for {who} in {[r.text.plain() for r in dms(replies, who)]}"
    return found[-1]


async def press_on(h: Harness, who: str, reply: Direct, label: str) -> list[Reply]:
    return await press_button(h, who, *button_on(reply, label))


async def dm_and_press(
    h: Harness, who: str, text: str, label: str, *, by: str | None = None
) -> list[Reply]:
    """`who` DMs `text`; `by` (default: `who`) presses [label] on its preview."""
    shown = preview(await h.dm(who, text), who)
    return await press_on(h, by or who, shown, label)


async def dm_and_share(h: Harness, who: str, text: str) -> list[Reply]:
    """`who` DMs `text` and presses [Share as my update] on its preview."""
    return await dm_and_press(h, who, text, "Share as my update")


async def add_open_action(h: Harness, set_id: int, owner_key: str, words: str) -> None:
    """An open action written straight to the store, as a closed session would leave it."""
    async with h.app.store.write() as conn:
        await conn.execute(
            insert(Action.__table__).values(
                set_id=set_id,
                owner_key=owner_key,
                text=words,
                status="open",
                created_at=h.clock.now(),
                updated_at=h.clock.now(),
            )
        )


def private_button(h: Harness, who: str, label: str) -> tuple[Button, ChannelRef]:
    """The newest button labelled `label` that only `who` sees, and where it is."""
    for reply in reversed(h.outlet.replies()):
        if isinstance(reply, (Ephemeral, Direct)) and reply.user.id == who:
            for b in reply.buttons:
                if b.label == label:
                    where = (
                        reply.channel
                        if isinstance(reply, Ephemeral)
                        else ChannelRef(WS, f"dm-{who}")
                    )
                    return b, where
    raise AssertionError(f"{who} sees no [{label}] button")


async def press_private(h: Harness, who: str, label: str, *, by: str | None = None) -> list[Reply]:
    """`by` (default: `who`) presses the newest [label] shown privately to `who`."""
    b, where = private_button(h, who, label)
    await h.app.handle(
        ButtonPressed(
            key=h.key(), user=u(by or who), channel=where, action_id=b.action_id, value=b.value
        )
    )
    return h.new()


__all__ = [
    "GENERAL",
    "add_open_action",
    "dm_and_press",
    "dm_and_share",
    "press_on",
    "press_private",
    "preview",
    "private_button",
]
