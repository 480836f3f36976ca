"""The same event twice has one effect: gateway replays, replayed interactions, double-clicks."""

from __future__ import annotations

import pytest

from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import (
    Running,
    advance_to,
    buttons_of,
    discord_config,
    dm_texts,
    in_channel,
    inbox_keys,
    run_bot,
    start_session,
)
from testkit.eventually import eventually


@pytest.mark.asyncio
async def test_a_resume_that_replays_dispatches_has_no_second_effect(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    alice, bob, carol = w.add_user("alice"), w.add_user("bob"), w.add_user("carol")
    header = await start_session(standin, bob, alice)
    await advance_to(standin, header, alice, "Questions")
    await standin.say(carol, header.id, "You should pay them more")
    await standin.wait_for(lambda: dm_texts(standin, carol))
    await standin.react(carol, header, "✅")
    reaction = f"discord:reaction:{header.id}:white_check_mark:{carol.id}:add:"
    await reaction_keys(running, reaction, 1)
    keys_before = await inbox_keys(running.app)
    posts_before = len(standin.bot_messages())

    # Discord asks for a reconnect; on RESUME it re-sends everything since the session
    # began: the /als start interaction, every button press, the advice, the reaction.
    first = standin.seq_of("INTERACTION_CREATE", lambda d: d["data"].get("name") == "als")
    await standin.reconnect(replay_from=first)
    await standin.wait_for(lambda: standin.connections[-1][0] == "/gateway/resume")
    await standin.wait_for(lambda: standin.dispatched("RESUMED"))
    # The replayed interactions are already acknowledged: Discord refuses a second answer.
    await standin.wait_for(
        lambda: (
            len([c for c in standin.rest.calls if c.status == 400 and "/callback" in c.path]) >= 4
        )
    )
    await running.app.settle()

    assert await inbox_keys(running.app) == keys_before
    assert len([k for k in keys_before if k.startswith(reaction)]) == 1
    assert len(standin.bot_messages()) == posts_before
    assert len([t for t in dm_texts(standin, carol) if "open questions" in t]) == 1
    assert "phase: Questions" in header.content
    public = [m for m in in_channel(standin, w.general.id) if not m.ephemeral]
    assert public == [header]  # the header, once


async def reaction_keys(running: Running, prefix: str, count: int) -> list[str]:
    """Wait until the inbox holds `count` keys starting with `prefix`."""
    found: list[str] = []

    async def enough() -> list[str] | None:
        nonlocal found
        found = [k for k in await inbox_keys(running.app) if k.startswith(prefix)]
        return found if len(found) >= count else None

    return await eventually(enough, what=lambda: f"{count} keys like {prefix} (found {found})")


@pytest.mark.asyncio
async def test_adding_a_reaction_again_after_removing_it_counts(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    alice, bob, carol = w.add_user("alice"), w.add_user("bob"), w.add_user("carol")
    header = await start_session(standin, bob, alice)
    prefix = f"discord:reaction:{header.id}:white_check_mark:{carol.id}:"
    await standin.react(carol, header, "✅")
    await standin.react(carol, header, "✅", added=False)
    await standin.react(carol, header, "✅")
    keys = await reaction_keys(running, prefix, 3)
    assert len([k for k in keys if ":add:" in k]) == 2, "the second add is a new event"
    # A RESUME that replays all three adds nothing new.
    first = standin.seq_of("MESSAGE_REACTION_ADD")
    resumes = len([c for c in standin.connections if c[0] == "/gateway/resume"])
    await standin.reconnect(replay_from=first - 2)
    await standin.wait_for(
        lambda: len([c for c in standin.connections if c[0] == "/gateway/resume"]) > resumes
    )
    await standin.wait_for(lambda: standin.dispatched("RESUMED"))
    await running.app.settle()
    assert len([k for k in await inbox_keys(running.app) if k.startswith(prefix)]) == 3


@pytest.mark.asyncio
async def test_a_double_click_is_one_press(standin: DiscordStandIn, tmp_path, clock) -> None:
    bot = await run_bot(discord_config(standin, tmp_path / "a.db"), clock, double_click_window=60.0)
    try:
        w = standin.world
        alice, bob = w.add_user("alice"), w.add_user("bob")
        header = await start_session(standin, bob, alice)
        first = await standin.click(alice, header, buttons_of(header)["Next phase"])
        second = await standin.click(alice, header, buttons_of(header)["Next phase"])
        await standin.wait_for(lambda: "phase: Updates" in header.content)
        await standin.wait_for(lambda: second.callbacks)  # acknowledged all the same
        await bot.app.settle()
        keys = await inbox_keys(bot.app)
        assert f"discord:interaction:{first.id}" in keys
        assert f"discord:interaction:{second.id}" not in keys
        assert "phase: Updates" in header.content
    finally:
        await bot.close()
