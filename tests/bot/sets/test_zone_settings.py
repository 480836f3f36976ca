"""`/als settings timezone …` and `my_timezone …` read cities and aliases, warn on fixed
offsets, refuse zones that are no place, and say what they stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.store.models import Person
from bot.store.models import Set as SetRow
from testkit.harness import Harness, private_to


async def set_zone(h: Harness) -> str:
    async with h.app.store.read() as conn:
        return (await conn.execute(select(SetRow.__table__.c.timezone))).scalar_one()


@pytest.mark.asyncio
async def test_a_city_is_saved_as_its_zone_and_the_reply_says_from_what(h: Harness) -> None:
    await h.cmd("alice", "start")
    out = await h.cmd("alice", "settings timezone new york")
    assert private_to(out, "alice") == ["Saved: timezone = America/New_York (from “new york”)."]
    assert await set_zone(h) == "America/New_York"
    out = await h.cmd("alice", "settings timezone Europe/London")
    assert private_to(out, "alice") == ["Saved: timezone = Europe/London."]


@pytest.mark.asyncio
async def test_gmt_is_kept_with_a_warning_and_the_command_that_fixes_it(h: Harness) -> None:
    await h.cmd("alice", "start")
    [reply] = private_to(await h.cmd("alice", "settings timezone GMT"), "alice")
    assert reply.startswith("Saved: timezone = GMT. ⚠ GMT does not change for summer time")
    assert "did you mean Europe/London? `/als settings timezone Europe/London`" in reply
    assert await set_zone(h) == "GMT"


@pytest.mark.asyncio
async def test_bst_is_saved_as_london_with_a_note(h: Harness) -> None:
    await h.cmd("alice", "start")
    [reply] = private_to(await h.cmd("alice", "settings timezone BST"), "alice")
    assert reply.startswith("Saved: timezone = Europe/London (from “BST”). BST is not a zone")
    assert await set_zone(h) == "Europe/London"


@pytest.mark.parametrize("name", ["Factory", "posixrules", "localtime", "right/Europe/London"])
@pytest.mark.asyncio
async def test_zones_that_are_no_place_are_refused_and_nothing_is_stored(
    h: Harness, name: str
) -> None:
    await h.cmd("alice", "start")
    [reply] = private_to(await h.cmd("alice", f"settings timezone {name}"), "alice")
    assert reply.startswith("timezone must be a place's time zone such as Europe/London")
    assert "is not a place's zone" in reply
    assert await set_zone(h) == "Europe/London"  # the default, unchanged


@pytest.mark.asyncio
async def test_my_timezone_reads_cities_too_and_the_warning_names_my_setting(h: Harness) -> None:
    await h.cmd("bob", "join")
    out = await h.cmd("bob", "settings my_timezone Edinburgh")
    assert private_to(out, "bob") == ["Saved: my_timezone = Europe/London (from “Edinburgh”)."]
    [reply] = private_to(await h.cmd("bob", "settings my_timezone utc"), "bob")
    assert "`/als settings my_timezone Europe/London`" in reply
    async with h.app.store.read() as conn:
        stored = (await conn.execute(select(Person.__table__.c.timezone))).scalar_one()
    assert stored == "UTC"
    [reply] = private_to(await h.cmd("bob", "settings my_timezone IST"), "bob")
    assert reply.startswith("my_timezone must be one of Asia/Kolkata, Europe/Dublin")
