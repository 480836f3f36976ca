"""Retention: people's words leave the inbox and outbox once processed and sent; keys stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.config import ConfigError
from bot.events import DirectMessage
from bot.refs import ChannelRef, MessageRef
from bot.retention import prune
from bot.store.models import Action, Draft, Inbox, Outbox, OutcomeUpdate
from testkit.config import START_OF_TESTS, make_config
from testkit.harness import WS, Harness, u
from tests.bot.dos.dos_helpers import rows

MARK = "zq-marker"


def mentioning(found: list) -> list:
    return [r for r in found if MARK in (r.body or "")]


@pytest.mark.asyncio
async def test_words_go_after_a_day_keys_after_two_weeks_and_the_data_stays(tmp_path) -> None:
    h = await Harness.open(f"sqlite+aiosqlite:///{tmp_path}/r.db", FakeClock(START_OF_TESTS))
    try:
        await h.cmd("fac", "join")
        await h.cmd("fac", f"action Ring the {MARK} people")
        channel = ChannelRef(WS, "dm-fac")
        update = DirectMessage(
            key="test:dm:late-retry",
            user=u("fac"),
            channel=channel,
            message=MessageRef(channel, "d1"),
            text=f"{MARK} went well",
        )
        await h.app.handle(update)
        await h.press("fac", "Share as my update")
        inbox, outbox = await rows(h, Inbox), await rows(h, Outbox)
        assert mentioning(inbox) and mentioning(outbox)

        # Within the day nothing is blanked, however often retention runs.
        await h.wait(timedelta(hours=23))
        await h.app.prune()
        await h.app.prune()
        assert mentioning(await rows(h, Inbox))
        assert mentioning(await rows(h, Outbox))

        await h.wait(timedelta(hours=2))
        await h.app.prune()
        inbox, outbox = await rows(h, Inbox), await rows(h, Outbox)
        assert not mentioning(inbox) and not mentioning(outbox)
        assert {r.key for r in inbox} >= {"test:dm:late-retry"}
        # What people chose to commit is data, not plumbing: it stays.
        async with h.app.store.read() as conn:
            assert MARK in (await conn.execute(select(Action.__table__.c.text))).scalar_one()
            assert MARK in (await conn.execute(select(OutcomeUpdate.__table__.c.text))).scalar()
        # A late retry of a blanked event is still recognised: no second effect.
        assert await h.app.submit(update) is False
        await h.app.settle()
        async with h.app.store.read() as conn:
            updates = (await conn.execute(select(OutcomeUpdate.__table__.c.id))).all()
            held = (await conn.execute(select(Draft.__table__.c.id))).all()
        assert len(updates) == 1 and held == []

        await h.wait(timedelta(days=14))
        await h.app.prune()
        assert await rows(h, Inbox) == []
        assert await rows(h, Outbox) == []
    finally:
        await h.close()


@pytest.mark.asyncio
async def test_pending_work_is_never_pruned(tmp_path) -> None:
    h = await Harness.open(f"sqlite+aiosqlite:///{tmp_path}/p.db", FakeClock(START_OF_TESTS))
    try:
        await h.cmd("fac", "join")
        inbox, outbox = Inbox.__table__, Outbox.__table__
        now = h.clock.now()
        async with h.app.store.write() as conn:
            await conn.execute(
                inbox.insert().values(key="k:pending", body=MARK, status="pending", received_at=now)
            )
            await conn.execute(
                outbox.insert().values(
                    platform="console", lane="x", body=MARK, status="pending", created_at=now
                )
            )
        done = await prune(h.app.store, now + timedelta(days=60), text_hours=1, keys_days=1)
        assert done.events >= 1 and done.replies >= 1
        assert [r.body for r in await rows(h, Inbox)] == [MARK]
        assert [r.body for r in await rows(h, Outbox)] == [MARK]
    finally:
        await h.close()


def test_retention_settings_are_checked() -> None:
    url = "sqlite+aiosqlite:///:memory:"
    assert make_config(url).retention.keys_days == 14
    with pytest.raises(ConfigError, match="keys_days"):
        make_config(url, ALSBOT_RETENTION_KEYS_DAYS="0.5")
    with pytest.raises(ConfigError, match="text_hours"):
        make_config(url, ALSBOT_RETENTION_TEXT_HOURS="-1")
    with pytest.raises(ConfigError, match="text_hours"):
        make_config(url, ALSBOT_RETENTION_TEXT_HOURS="500", ALSBOT_RETENTION_KEYS_DAYS="2")


@pytest.mark.asyncio
async def test_words_never_confirmed_go_after_two_weeks(tmp_path) -> None:
    """A DM previewed as an update but never shared is not kept for ever."""
    h = await Harness.open(f"sqlite+aiosqlite:///{tmp_path}/d.db", FakeClock(START_OF_TESTS))
    try:
        await h.cmd("fac", "join")
        await h.cmd("fac", f"action Ring the {MARK} people")
        await h.dm("fac", f"The {MARK} people said maybe")
        assert [d.text for d in await rows(h, Draft)] == [f"The {MARK} people said maybe"]
        await h.wait(timedelta(days=13))
        await h.app.prune()
        assert len(await rows(h, Draft)) == 1
        await h.wait(timedelta(days=2))
        await h.app.prune()
        assert await rows(h, Draft) == []
        assert await rows(h, OutcomeUpdate) == []
    finally:
        await h.close()
