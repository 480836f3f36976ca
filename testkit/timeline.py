"""Moving a core's fake time forward the way real time would pass.

Every world that runs the real core on a `FakeClock` (the harness, the Slack world) needs
the same step: fire each pending timer at its own due moment, letting the core settle
after each, rather than jumping straight to the target and firing them all at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.app import Alsbot
from bot.clock import FakeClock
from bot.store.models import Timer


async def advance(app: Alsbot, delta: timedelta) -> None:
    """Move `app`'s FakeClock forward by `delta`, firing each due timer at its own moment."""
    clock = app.clock
    assert isinstance(clock, FakeClock), "only a FakeClock can be moved"
    target = clock.now() + delta
    timers = Timer.__table__
    while True:
        async with app.store.read() as conn:
            due: datetime | None = (
                await conn.execute(
                    select(func.min(timers.c.due_at)).where(timers.c.status == "pending")
                )
            ).scalar()
        if due is None or due > target:
            break
        clock.set(max(due, clock.now()))
        await app.settle()
    clock.set(target)
    await app.settle()
