"""The undo window's exact edge: removing every reaction up to and including 10 minutes
after the save undoes it; a millisecond later the do stays."""

from __future__ import annotations

from datetime import timedelta

import pytest

from testkit.harness import Harness, private_to
from tests.bot.dos.dos_helpers import dos, make_set, msg, react, sources, unreact

TIP = "Ask what they have already tried before suggesting anything #listening"
MS = timedelta(milliseconds=1)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("after", "undone"),
    [
        (timedelta(minutes=10) - MS, True),  # 9:59.999
        (timedelta(minutes=10), True),  # 10:00.000: still "within 10 minutes"
        (timedelta(minutes=10) + MS, False),  # 10:00.001
    ],
    ids=["9m59.999s", "10m00.000s", "10m00.001s"],
)
async def test_the_undo_window_ends_at_exactly_ten_minutes(
    h: Harness, after: timedelta, undone: bool
) -> None:
    await make_set(h)
    await react(h, "carol", msg(1), author="dave", text=TIP)
    [source] = await sources(h)
    assert source.saved_at == h.clock.now()
    await h.wait(after)
    assert h.clock.now() - source.saved_at == after
    out = await unreact(h, "carol", msg(1))
    if undone:
        assert await dos(h) == []
        assert "no longer saved" in private_to(out, "carol")[0]
    else:
        assert len(await dos(h)) == 1
        assert private_to(out, "carol") == [], "nothing to say: the do simply stays"


@pytest.mark.asyncio
async def test_undoing_the_source_a_merged_do_was_founded_on_leaves_the_others_words(
    h: Harness,
) -> None:
    """Dave's tip saved first; Erin said the same and was merged into it.  Every ✅ on Dave's
    message taken back within the window: the do stays, now in Erin's words, by Erin."""
    await make_set(h)
    await react(h, "carol", msg(1), author="dave", text=TIP)
    again = "ask what they have already tried before suggesting anything! #Listening"
    await react(h, "carol", msg(2), author="erin", text=again)
    [do] = await dos(h)
    assert do.text == TIP
    await unreact(h, "carol", msg(1))
    [do] = await dos(h)
    assert do.text == again
    assert do.author_key.endswith(":erin")
