"""The router and hooks: a second handler for one thing is a loud mistake, not a silent swap."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.compose import build_router
from bot.config import load_config
from bot.context import Ctx
from bot.events import ButtonPressed, CommandInvoked, Event
from bot.hooks import Hook, Hooks
from bot.refs import ChannelRef, Platform, UserRef, WorkspaceRef
from bot.rounds import hooks as round_hooks
from bot.rounds import room
from bot.router import Preparing, Router
from bot.sets import standing
from bot.timers import DueTimer


async def _button(ctx: Ctx, event: ButtonPressed) -> None:
    return None


async def _timer(ctx: Ctx, timer: DueTimer) -> str | None:
    return None


async def _command(ctx: Ctx, event: CommandInvoked, command: int) -> None:
    return None


def test_a_second_handler_for_a_button_timer_or_command_is_refused() -> None:
    router = Router()
    router.button("do", _button)
    router.timer("phase", _timer)
    router.command(int, _command)
    with pytest.raises(ValueError, match="button prefix 'do' already"):
        router.button("do", _button)
    with pytest.raises(ValueError, match="timer kind 'phase' already"):
        router.timer("phase", _timer)
    with pytest.raises(ValueError, match="command int already"):
        router.command(int, _command)


def test_a_button_prefix_is_only_the_part_before_the_colon() -> None:
    with pytest.raises(ValueError, match="before the first ':'"):
        Router().button("do:yes", _button)


def test_hooks_are_objects_and_keep_their_order() -> None:
    calls: list[str] = []
    ping: Hook[Callable[[str], Awaitable[None]]] = Hook("test:ping")

    async def first(who: str) -> None:
        calls.append(f"first {who}")

    async def second(who: str) -> None:
        calls.append(f"second {who}")

    hooks = Hooks()
    hooks.add(ping, first)
    hooks.add(ping, second)
    assert hooks(ping) == [first, second]
    assert hooks(Hook("test:ping")) == []  # the same name is not the same hook
    with pytest.raises(ValueError, match="already registered for test:ping"):
        hooks.add(ping, first)


def test_the_composed_router_wires_every_round_hook() -> None:
    router = build_router()
    for hook in (round_hooks.OPENING, round_hooks.UPDATES, round_hooks.CLOSING):
        assert router.hooks(hook), f"nothing answers {hook.name}"
    # every timer kind that planning writes has a handler
    assert {"phase", "plan", "nudge", "reminder", "nudge_digest"} <= set(router.timers)


async def _first(event: Event, prep: Preparing) -> Event:
    assert isinstance(event, CommandInvoked)
    return dataclasses.replace(event, text=event.text + " first")


async def _second(event: Event, prep: Preparing) -> Event:
    assert isinstance(event, CommandInvoked)
    return dataclasses.replace(event, text=event.text + " second")


@pytest.mark.asyncio
async def test_preparers_of_one_event_type_run_in_turn_and_one_registered_twice_is_refused() -> (
    None
):
    """Each package registers its own preparer (rounds: the room's privacy; sets: the
    invoker's standing); the processor calls one, which runs them in order."""
    router = Router()
    router.prepare(CommandInvoked, _first)
    router.prepare(CommandInvoked, _second)
    with pytest.raises(ValueError):
        router.prepare(CommandInvoked, _first)
    ws = WorkspaceRef(Platform.SLACK, "T1")
    event = CommandInvoked(
        key="k", user=UserRef(ws, "U1"), channel=ChannelRef(ws, "C1"), text="help"
    )
    prep = Preparing(None, _no_reads, load_config(None, {}), datetime.now(UTC))
    prepared = await router.preparers[CommandInvoked](event, prep)
    assert isinstance(prepared, CommandInvoked) and prepared.text == "help first second"


def _no_reads() -> AbstractAsyncContextManager[AsyncConnection]:
    raise AssertionError("these preparers read nothing")


def test_the_composed_router_asks_the_room_and_the_standing_for_commands() -> None:
    assert set(build_router()._chains[CommandInvoked]) == {room.prepare, standing.prepare}
