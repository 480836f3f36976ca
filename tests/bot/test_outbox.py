"""The outbox: ordered per lane, handles resolved, retries honoured, failures kept."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import insert, select

from bot.outbox import ChannelPacer, Deliverer
from bot.outbox_rows import enqueue
from bot.ports import DeliveryRetry
from bot.refs import ChannelRef, MessageRef, UserRef
from bot.replies import Direct, Edit, Post, text
from bot.store.models import Outbox
from testkit.recording import CONSOLE, RecordingOutlet, always_fail, retry_once_then_ok

C = ChannelRef(CONSOLE, "general")
U = UserRef(CONSOLE, "bob")


async def drain(deliverer: Deliverer, rounds: int = 50) -> None:
    for _ in range(rounds):
        await deliverer.deliver_pending()
        async with deliverer.store.read() as conn:
            left = list(
                await conn.execute(
                    select(Outbox.__table__.c.id).where(
                        Outbox.__table__.c.status.in_(("pending", "sending"))
                    )
                )
            )
        if not left:
            return
        await asyncio.sleep(0.03)
    raise AssertionError("outbox did not drain")


@pytest.mark.asyncio
async def test_post_then_thread_reply_then_edit_in_order(store, clock) -> None:
    outlet = RecordingOutlet()
    async with store.write() as conn:
        await enqueue(
            conn,
            [
                Post(channel=C, text=text("header"), handle="h:1"),
                Post(channel=C, text=text("in thread"), thread_handle="h:1"),
                Edit(handle="h:1", text=text("header v2")),
                Direct(user=U, text=text("psst")),
            ],
            now=clock.now(),
        )
    await drain(Deliverer(store, outlet))
    kinds = [(type(d.reply).__name__, d.thread, d.target) for d in outlet.sent]
    header_ref = outlet.sent[0]
    assert [k[0] for k in kinds if k[0] != "Direct"] == ["Post", "Post", "Edit"]
    thread_reply = next(d for d in outlet.sent if getattr(d.reply, "thread_handle", None))
    edit = next(d for d in outlet.sent if isinstance(d.reply, Edit))
    assert thread_reply.thread is not None and thread_reply.thread.id == "1"
    assert edit.target == thread_reply.thread
    assert header_ref.reply.text == text("header")


@pytest.mark.asyncio
async def test_an_edit_written_before_the_rename_still_delivers(store, clock) -> None:
    """Rows written when `Edit` was serialised as "update" are still in outboxes."""
    outlet = RecordingOutlet()
    async with store.write() as conn:
        await enqueue(conn, [Post(channel=C, text=text("header"), handle="h:1")], now=clock.now())
    await drain(Deliverer(store, outlet))
    [header] = outlet.sent
    async with store.write() as conn:
        await conn.execute(
            insert(Outbox.__table__).values(
                platform="console",
                lane=C.key,
                body='{"type":"update","handle":"h:1","text":[["p","header v2"]],"buttons":[]}',
                status="pending",
                attempts=0,
                created_at=clock.now(),
            )
        )
    await drain(Deliverer(store, outlet))
    old = outlet.sent[-1]
    assert old.reply == Edit(handle="h:1", text=text("header v2"))
    assert old.target == MessageRef(C, "1")
    async with store.read() as conn:
        statuses = (await conn.execute(select(Outbox.__table__.c.status))).scalars().all()
    assert statuses == ["sent", "sent"]


@pytest.mark.asyncio
async def test_retry_after_is_honoured_and_sent_once(store, clock) -> None:
    outlet = RecordingOutlet(fail=retry_once_then_ok)
    async with store.write() as conn:
        await enqueue(conn, [Direct(user=U, text=text("nudge"))], now=clock.now())
    await drain(Deliverer(store, outlet))
    assert outlet.attempts == 2
    assert len(outlet.sent) == 1


@pytest.mark.asyncio
async def test_permanent_failure_is_recorded_and_dependants_fail(store, clock) -> None:
    outlet = RecordingOutlet(fail=always_fail)
    async with store.write() as conn:
        await enqueue(
            conn,
            [
                Post(channel=C, text=text("header"), handle="h:9"),
                Post(channel=C, text=text("reply"), thread_handle="h:9"),
            ],
            now=clock.now(),
            set_id=7,
        )
    await drain(Deliverer(store, outlet))
    async with store.read() as conn:
        rows = list(await conn.execute(select(Outbox.__table__).order_by(Outbox.__table__.c.id)))
    assert [r.status for r in rows] == ["failed", "failed"]
    assert rows[0].error == "cannot_dm_user"
    assert "depends on failed post h:9" in rows[1].error
    assert outlet.attempts == 1


@pytest.mark.asyncio
async def test_gives_up_after_max_attempts(store, clock) -> None:
    outlet = RecordingOutlet(fail=lambda d, n: DeliveryRetry("503", after=0.0))
    async with store.write() as conn:
        await enqueue(conn, [Direct(user=U, text=text("x"))], now=clock.now())
    await drain(Deliverer(store, outlet), rounds=100)
    async with store.read() as conn:
        row = (await conn.execute(select(Outbox.__table__))).one()
    assert row.status == "failed" and "gave up" in row.error


@pytest.mark.asyncio
async def test_pacer_spaces_posts_in_one_lane() -> None:
    pacer = ChannelPacer(rate=50.0, burst=2)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for _ in range(6):
        await pacer.wait("lane")
    # 2 in the burst, then 4 more at 50/s: at least ~80 ms.
    assert loop.time() - start >= 0.07


@pytest.mark.asyncio
async def test_rate_limits_never_count_towards_giving_up(store, clock) -> None:
    limited = 12  # more 429s than MAX_ATTEMPTS

    def slow_down(_, attempt: int):
        return DeliveryRetry("429", after=0.0, rate_limited=True) if attempt <= limited else None

    outlet = RecordingOutlet(fail=slow_down)
    async with store.write() as conn:
        await enqueue(conn, [Direct(user=U, text=text("nudge"))], now=clock.now())
    await drain(Deliverer(store, outlet), rounds=200)
    async with store.read() as conn:
        row = (await conn.execute(select(Outbox.__table__))).one()
    assert row.status == "sent" and len(outlet.sent) == 1
    assert outlet.attempts == limited + 1


@pytest.mark.asyncio
async def test_a_reply_cut_off_by_a_crash_is_retried_as_maybe_delivered(store, clock) -> None:
    """A row still `sending` when the process died may have reached the platform: the next
    attempt says so (Slack then looks for it before posting); a first attempt does not."""
    async with store.write() as conn:
        await enqueue(conn, [Direct(user=U, text=text("nudge"))], now=clock.now())
    claimed = await Deliverer(store, RecordingOutlet())._claim()  # then the process dies
    assert [r.status for r in claimed] == ["sending"]
    async with store.write() as conn:
        await enqueue(conn, [Post(channel=C, text=text("fresh"))], now=clock.now())
    outlet = RecordingOutlet()
    await drain(Deliverer(store, outlet))  # a restarted process
    by_text = {d.reply.text: d for d in outlet.sent}
    assert by_text[text("nudge")].maybe_delivered is True
    assert by_text[text("fresh")].maybe_delivered is False
    assert by_text[text("nudge")].created_at == clock.now()
    assert by_text[text("nudge")].key != by_text[text("fresh")].key


@pytest.mark.asyncio
async def test_only_an_attempt_that_may_have_landed_makes_the_next_maybe_delivered(
    store, clock
) -> None:
    """A 429 is a refusal and its count is given back, and so is the count of a row that
    waited behind it in its lane; a failed attempt (timeout, 5xx) leaves the outcome open."""

    def fail(delivery, attempt: int):
        if delivery.reply.text == text("limited") and attempt == 1:
            return DeliveryRetry("429", after=0.0, rate_limited=True)
        if delivery.reply.text == text("timed out") and not delivery.maybe_delivered:
            return DeliveryRetry("network: TimeoutError", after=0.0)
        return None

    outlet = RecordingOutlet(fail=fail)
    async with store.write() as conn:
        await enqueue(
            conn,
            [Post(channel=C, text=text("limited")), Post(channel=C, text=text("behind"))],
            now=clock.now(),
        )
        await enqueue(conn, [Direct(user=U, text=text("timed out"))], now=clock.now())
    await drain(Deliverer(store, outlet))
    maybe = {d.reply.text.plain(): d.maybe_delivered for d in outlet.sent}
    assert maybe == {"limited": False, "behind": False, "timed out": True}


@pytest.mark.asyncio
async def test_a_rate_limited_message_holds_its_lane_until_retry_after(store, clock) -> None:
    """Nothing behind a 429 in its channel overtakes it or reaches the platform sooner."""
    tried: list[tuple[str, float]] = []
    loop = asyncio.get_running_loop()

    def first_is_limited(delivery, attempt):
        tried.append((delivery.reply.text.plain(), loop.time()))
        return DeliveryRetry("429", after=0.4, rate_limited=True) if attempt == 1 else None

    outlet = RecordingOutlet(fail=first_is_limited)
    async with store.write() as conn:
        await enqueue(
            conn, [Post(channel=C, text=text(f"m{i}")) for i in range(3)], now=clock.now()
        )
    await drain(Deliverer(store, outlet), rounds=100)
    assert [d.reply.text.plain() for d in outlet.sent] == ["m0", "m1", "m2"]
    limited_at = tried[0][1]
    assert all(at - limited_at >= 0.35 for _, at in tried[1:]), tried
