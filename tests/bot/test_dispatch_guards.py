"""The dispatcher's declared guards: one wording per refusal, and the set each policy finds.

The full who-may-do-what matrix is `test_dispatch_authorisation.py`; this checks what the
declarations promise besides: the same refusal, word for word, whichever command met it.
"""

from __future__ import annotations

import pytest

from bot import dispatch
from bot.commands.values import Next, Report
from bot.refs import ChannelRef, Platform, WorkspaceRef
from testkit.harness import WS, Harness, private_to, public

ELSEWHERE = WorkspaceRef(Platform.CONSOLE, "elsewhere")
EMPTY = ChannelRef(WS, "empty")  # a channel with no set
DM = ChannelRef(WS, "dm-carol")


@pytest.mark.asyncio
async def test_a_refusal_reads_the_same_from_any_command(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    await h.cmd("carol", "join")
    refusals = {
        verb: private_to(await h.cmd("carol", verb), "carol") for verb in ("report", "next")
    }
    assert refusals == {
        "report": [f"Only a facilitator of this set can {Report.spec.what()}."],
        "next": [f"Only a facilitator of this set can {Next.spec.what()}."],
    }
    no_set = [
        private_to(await h.cmd("alice", verb, channel=EMPTY), "alice")
        for verb in ("leave", "schedule", "report")
    ]
    assert no_set[0] == no_set[1] == no_set[2] and "no Action Learning Set" in no_set[0][0]
    guests = [
        private_to(await h.cmd("erin", verb, ws=ELSEWHERE), "erin")
        for verb in ("dos", "settings", "join")
    ]
    assert guests == [[dispatch.OTHER_WORKSPACE]] * 3
    assert "Commands" in private_to(await h.cmd("erin", "help", ws=ELSEWHERE), "erin")[0]
    dave = private_to(await h.cmd("dave", "update It went well"), "dave")
    erin = private_to(await h.cmd("erin", "update It went well", ws=ELSEWHERE), "erin")
    assert (dave, erin) == ([dispatch.NOT_A_MEMBER], [dispatch.OTHER_WORKSPACE])


@pytest.mark.asyncio
async def test_a_personal_command_finds_the_person_s_one_set(h: Harness) -> None:
    await h.cmd("alice", "start")
    await h.cmd("alice", "end")  # between sessions anyone in the set may add an action
    await h.cmd("carol", "join")
    await h.cmd("carol", "action Ask the board by friday", channel=DM)
    assert any(
        "Ask the board" in t
        for t in private_to(await h.cmd("carol", "actions", channel=DM), "carol")
    )
    await h.cmd("carol", "join", channel=ChannelRef(WS, "second"))
    out = await h.cmd("carol", "actions", channel=DM)
    assert private_to(out, "carol") == [
        "You're in several sets; run this in the channel of the set you mean."
    ]
    out = await h.cmd("dave", "dos", channel=DM)
    assert "not in an Action Learning Set" in private_to(out, "dave")[0]  # fmt: skip


@pytest.mark.asyncio
async def test_the_first_facilitator_command_or_join_makes_a_facilitator(h: Harness) -> None:
    new, newer = ChannelRef(WS, "new"), ChannelRef(WS, "newer")
    await h.cmd("carol", "join", channel=new)  # creates the set: carol leads it, as nobody does
    assert (
        "how the set is doing"
        in private_to(await h.cmd("carol", "report", channel=new), "carol")[0]
    )
    await h.cmd("erin", "join", channel=new)  # the set has a facilitator: erin is a member
    assert private_to(await h.cmd("erin", "report", channel=new), "erin") == [
        f"Only a facilitator of this set can {Report.spec.what()}."
    ]
    out = await h.cmd("dave", "facilitator add @carol", channel=newer)
    assert public(out) and not private_to(out, "dave")  # dave became its first facilitator
    assert (
        "how the set is doing"
        in private_to(await h.cmd("dave", "report", channel=newer), "dave")[0]
    )
    assert (
        "how the set is doing"
        in private_to(await h.cmd("carol", "report", channel=newer), "carol")[0]
    )
