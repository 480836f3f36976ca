"""The room a round is held in, decided by the core: a public channel is warned about, to the
facilitator alone, before anything is posted; and the Opening's ground rules are the set's."""

from __future__ import annotations

import asyncio

import pytest

from bot.events import ButtonPressed
from bot.ports import FetchedMessage
from bot.refs import ChannelRef, MessageRef, Platform
from bot.replies import Ephemeral, Post
from bot.rounds import room
from bot.rounds.room import CANCELLED, PUBLIC_WARNING
from bot.sets import ground_rules
from testkit.harness import GENERAL, Harness, private_to, public, u


class Rooms:
    """A platform that knows which of its channels are private (None: it cannot say)."""

    def __init__(self, private: bool | None) -> None:
        self.private = private
        self.asked: list[ChannelRef] = []

    async def fetch_message(self, message: MessageRef) -> FetchedMessage | None:
        return None

    async def channel_is_private(self, channel: ChannelRef) -> bool | None:
        self.asked.append(channel)
        return self.private


def rooms(h: Harness, private: bool | None) -> Rooms:
    source = Rooms(private)
    h.app.processor.sources[Platform.CONSOLE] = source
    return source


async def press_private(h: Harness, who: str, label: str) -> list:
    for reply in reversed(h.outlet.replies()):
        if isinstance(reply, Ephemeral) and reply.user.id == who:
            for button in reply.buttons:
                if button.label == label:
                    await h.app.handle(
                        ButtonPressed(
                            key=h.key(),
                            user=u(who),
                            channel=GENERAL,
                            action_id=button.action_id,
                            value=button.value,
                        )
                    )
                    return h.new()
    raise AssertionError(f"no private [{label}] for {who}")


@pytest.mark.asyncio
async def test_a_public_room_is_warned_about_privately_and_started_only_on_request(
    h: Harness,
) -> None:
    source = rooms(h, private=False)
    out = await h.cmd("alice", "start @bob @carol")
    assert source.asked == [GENERAL]
    assert public(out) == [], "the warning is never posted in the channel"
    (warning,) = [r for r in out if isinstance(r, Ephemeral)]
    assert warning.user == u("alice") and PUBLIC_WARNING in warning.text.plain()
    assert [b.label for b in warning.buttons] == ["Start anyway", "Cancel"]

    out = await press_private(h, "alice", "Cancel")
    assert private_to(out, "alice") == [CANCELLED] and public(out) == []

    with pytest.raises(AssertionError):  # only the facilitator was shown the choice
        await press_private(h, "bob", "Start anyway")
    out = await press_private(h, "alice", "Start anyway")
    header = [r for r in out if isinstance(r, Post) and r.handle]
    assert header and "Presenters: @bob, @carol" in header[0].text.plain()
    # A second press, on the same warning, finds the session running.
    out = await press_private(h, "alice", "Start anyway")
    assert "already running" in private_to(out, "alice")[0]


@pytest.mark.asyncio
async def test_a_press_from_someone_who_is_not_a_facilitator_is_refused(h: Harness) -> None:
    rooms(h, private=False)
    await h.cmd("alice", "setup")
    await h.cmd("alice", "start")
    (button,) = [b for b in h.outlet.replies()[-1].buttons if b.label == "Start anyway"]
    await h.app.handle(
        ButtonPressed(
            key=h.key(), user=u("mallory"), channel=GENERAL, action_id=button.action_id, value=""
        )
    )
    out = h.new()
    assert "Only a facilitator" in private_to(out, "mallory")[0] and public(out) == []


@pytest.mark.asyncio
@pytest.mark.parametrize("private", [True, None])
async def test_a_private_room_or_one_the_platform_cannot_judge_starts_at_once(
    h: Harness, private: bool | None
) -> None:
    source = rooms(h, private)
    out = await h.cmd("alice", "start")
    assert any(isinstance(r, Post) and r.handle for r in out)
    assert not any(PUBLIC_WARNING in t for t in private_to(out, "alice"))
    await h.cmd("alice", "end")
    await h.cmd("alice", "actions")
    assert source.asked == [GENERAL], "only /als start asks the platform"


@pytest.mark.asyncio
async def test_the_opening_shows_the_set_s_ground_rules_and_what_is_kept(h: Harness) -> None:
    await h.cmd("alice", "setup")
    opening = [t for t in public(await h.cmd("alice", "start")) if "Ground rules" in t][0]
    for rule in ground_rules.DEFAULT:
        assert f"• {rule}" in opening
    assert ground_rules.KEPT in opening and "no transcript" not in opening
    assert "never a transcript" in ground_rules.KEPT and "retention" in ground_rules.KEPT
    await h.cmd("alice", "end")

    saved = private_to(await h.cmd("alice", "settings ground_rules + Phones on silent"), "alice")
    assert saved[0].startswith("Saved: ground_rules")
    saved = private_to(
        await h.cmd("alice", "settings ground_rules +Cameras on if you can."), "alice"
    )
    assert saved[0].endswith("Cameras on if you can.") and ".." not in saved[0]
    opening = [t for t in public(await h.cmd("alice", "start")) if "Ground rules" in t][0]
    assert all(f"• {rule}" in opening for rule in ground_rules.DEFAULT)
    assert opening.index("• Phones on silent") < opening.index("• Cameras on if you can.")
    assert ground_rules.KEPT in opening
    await h.cmd("alice", "end")

    await h.cmd("alice", "settings ground_rules Start and end on time")
    opening = [t for t in public(await h.cmd("alice", "start")) if "Ground rules" in t][0]
    assert "• Start and end on time\n" in opening and "Phones" not in opening
    assert ground_rules.DEFAULT[0] not in opening and ground_rules.KEPT in opening
    await h.cmd("alice", "end")

    await h.cmd("alice", "settings ground_rules default")
    opening = [t for t in public(await h.cmd("alice", "start")) if "Ground rules" in t][0]
    assert f"• {ground_rules.DEFAULT[0]}" in opening and "Start and end" not in opening


@pytest.mark.asyncio
async def test_ground_rules_refuse_an_empty_addition_and_are_a_facilitator_s(h: Harness) -> None:
    await h.cmd("alice", "setup")
    out = await h.cmd("alice", "settings ground_rules +")
    assert private_to(out, "alice") == [
        "ground_rules must be a rule after the +, e.g. `+ Phones on silent`."
    ]
    await h.cmd("bob", "join")
    out = await h.cmd("bob", "settings ground_rules + Biscuits")
    assert "Only a facilitator" in private_to(out, "bob")[0]
    listing = private_to(await h.cmd("alice", "settings"), "alice")[0]
    assert "ground_rules = the bot's" in listing


class Silent(Rooms):
    """A platform that never answers the question."""

    async def channel_is_private(self, channel: ChannelRef) -> bool | None:
        self.asked.append(channel)
        await asyncio.Event().wait()
        return False


@pytest.mark.asyncio
async def test_a_platform_that_does_not_answer_in_time_does_not_hold_the_round(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(room, "ASK_SECONDS", 0.01)
    source = Silent(private=False)
    h.app.processor.sources[Platform.CONSOLE] = source
    out = await h.cmd("alice", "start")
    assert source.asked == [GENERAL]
    assert any(isinstance(r, Post) and r.handle for r in out)
