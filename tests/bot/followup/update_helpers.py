"""Giving an update by DM as a person does now: write it, see the preview, press a button."""

from __future__ import annotations

from bot.replies import Direct, Reply
from testkit.harness import Harness
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


async def dm_and_share(h: Harness, who: str, text: str) -> list[Reply]:
    """`who` DMs `text` and presses [Share as my update] on its preview."""
    shown = preview(await h.dm(who, text), who)
    return await press_on(h, who, shown, "Share as my update")
