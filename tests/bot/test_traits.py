"""Platform traits: what an adapter declares on attach is what the core assumes, and a
platform nobody attached gets the cautious defaults."""

from __future__ import annotations

import pytest

from bot.app import Alsbot
from bot.outbox import ChannelPacer
from bot.ports import PLAIN, Pacing, PlatformTraits, Traits
from bot.refs import ChannelRef, MessageRef, Platform, WorkspaceRef
from testkit.recording import RecordingOutlet

MESSAGE = MessageRef(ChannelRef(WorkspaceRef(Platform.DISCORD, "1"), "2"), "3")


def test_an_undeclared_platform_gets_the_cautious_defaults() -> None:
    traits = Traits()
    assert traits.of(Platform.DISCORD) == PLAIN
    assert not PLAIN.global_user_ids and PLAIN.pacing is None
    assert traits.permalink(MESSAGE) is None


def test_traits_are_looked_up_by_the_platform_a_reference_names() -> None:
    traits = Traits()
    traits.declare(Platform.DISCORD, PlatformTraits(permalink=lambda m: f"link/{m.id}"))
    assert traits.permalink(MESSAGE) == "link/3"
    elsewhere = MessageRef(ChannelRef(WorkspaceRef(Platform.SLACK, "T"), "C"), "3")
    assert traits.permalink(elsewhere) is None


@pytest.mark.asyncio
async def test_attach_declares_the_traits_and_their_pacing(app: Alsbot) -> None:
    declared = PlatformTraits(global_user_ids=True, pacing=Pacing(2.0, 4))
    app.attach(RecordingOutlet(platform=Platform.DISCORD), traits=declared)
    assert app.traits.of(Platform.DISCORD) is declared
    pacer = app.deliverers[Platform.DISCORD].pacer
    assert (pacer.rate, pacer.burst) == (2.0, 4)


@pytest.mark.asyncio
async def test_an_explicit_pacer_wins_over_the_declared_pacing(app: Alsbot) -> None:
    pacer = ChannelPacer(9.0, 9)
    declared = PlatformTraits(pacing=Pacing(2.0, 4))
    app.attach(RecordingOutlet(platform=Platform.SLACK), pacer=pacer, traits=declared)
    assert app.deliverers[Platform.SLACK].pacer is pacer


@pytest.mark.asyncio
async def test_attaching_without_traits_paces_nothing_and_assumes_nothing(app: Alsbot) -> None:
    app.attach(RecordingOutlet(platform=Platform.SLACK))
    assert app.traits.of(Platform.SLACK) == PLAIN
    assert app.deliverers[Platform.SLACK].pacer.rate == 0
