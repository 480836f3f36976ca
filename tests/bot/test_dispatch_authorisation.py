"""Every command × role, run in full: who may do what (issue 8, authorisation).

The state: set #general (workspace `local`) with facilitator alice, presenter bob in the
Actions phase, supporter carol; set #other where dave facilitates; erin is from another
workspace, typing in #general (a shared channel); carol wrote do #1, which alice saved.
`resume` is tried once alice has paused the round. Each cell runs on its own copy of that
database, and "allowed" is read from the inbox row: a refusal is recorded there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.console.script import linked
from bot.events import ButtonPressed, CommandInvoked, ReactionAdded
from bot.refs import ChannelRef, MessageRef, Platform, WorkspaceRef
from bot.store.models import Inbox
from testkit.harness import GENERAL, WS, Harness, u

OTHER_WS = WorkspaceRef(Platform.CONSOLE, "elsewhere")
ROLES = {
    "facilitator": ("alice", WS),
    "presenter": ("bob", WS),
    "supporter": ("carol", WS),
    "other set": ("dave", WS),
    "other workspace": ("erin", OTHER_WS),
}
Y, N = True, False
#            command                              facil. present. support. other set other ws
# fmt: off
MATRIX = [
    ("next", Y, N, N, N, N),
    ("pause", Y, N, N, N, N),
    ("end", Y, N, N, N, N),
    ("start", N, N, N, N, N),  # one is running
    ("facilitator add @carol", Y, N, N, N, N),
    ("schedule 2026-02-09 10:00 every 4 weeks", Y, N, N, N, N),
    ("schedule", Y, Y, Y, Y, N),
    ("report", Y, N, N, N, N),
    ("settings presenting_minutes 7", Y, N, N, N, N),
    ("settings nudges off", Y, Y, Y, Y, N),
    ("action Call the volunteer centre", N, Y, N, N, N),
    ("actions", Y, Y, Y, Y, N),
    ("update It went well", Y, Y, Y, N, N),
    ("join", Y, Y, Y, Y, N),
    ("dos", Y, Y, Y, Y, N),
    ("export-me", Y, Y, Y, Y, N),
    ("forget-me", N, Y, Y, Y, N),  # the only facilitator, others remain: name one first
    ("help", Y, Y, Y, Y, Y),
    # the rest of the grammar (issue 8, item 6): every verb and sub-command
    ("help schedule", Y, Y, Y, Y, Y),
    ("start @carol", N, N, N, N, N),  # one is running
    ("facilitator add @dave", Y, N, N, N, N),
    ("facilitator remove @alice", N, N, N, N, N),  # the only facilitator stays
    ("leave", N, N, Y, N, N),  # the only facilitator; the presenter mid-round; not a member
    ("schedule off", Y, N, N, N, N),
    ("actions @bob", Y, Y, Y, Y, N),
    ("dos random", Y, Y, Y, Y, N),
    ("dos remove 1", Y, N, Y, N, N),  # a facilitator, or carol who wrote it
    ("dos export md", Y, Y, Y, Y, N),
    ("dos export", Y, Y, Y, Y, N),
    ("settings", Y, Y, Y, Y, N),
    ("settings presenting_minutes", Y, Y, Y, Y, N),
    ("settings my_timezone America/New_York", Y, Y, Y, Y, N),
    ("forget-me confirm", N, Y, Y, Y, N),  # as `leave`: a set with members keeps a facilitator
]
PAUSED = [("resume", Y, N, N, N, N), ("next", Y, N, N, N, N)]  # once alice has paused
BUTTONS = [
    # label                     facil. present. support. other set other ws
    ("Next phase", Y, N, N, N, N),
    ("End", Y, N, N, N, N),
    ("I'd like to present", Y, N, Y, Y, N),  # bob already presents
]
# fmt: on


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import asyncio

    from bot.clock import FakeClock
    from testkit.config import START_OF_TESTS

    path = tmp_path_factory.mktemp("authz") / "template.db"

    async def build() -> None:
        h = await Harness.open(f"sqlite+aiosqlite:///{path}", FakeClock(START_OF_TESTS))
        await h.cmd("dave", "start", channel=ChannelRef(WS, "other"))
        await h.cmd("dave", "end", channel=ChannelRef(WS, "other"))
        await h.cmd("alice", "start @bob")
        await h.cmd("carol", "join")
        for _ in range(5):
            await h.cmd("alice", "next")  # → actions, bob presenting
        await h.app.handle(  # do #1: carol's message, saved by alice's reaction
            ReactionAdded(key="tpl:do", user=u("alice"), message=MessageRef(GENERAL, "m1"),
                          emoji="white_check_mark", author=u("carol"), text="Ask first")
        )  # fmt: skip
        await h.close()

    asyncio.run(build())
    return path


@pytest.fixture(scope="module")
def paused(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import asyncio

    from bot.clock import FakeClock
    from testkit.config import START_OF_TESTS

    path = tmp_path_factory.mktemp("authz-paused") / "paused.db"
    shutil.copy(template, path)

    async def pause() -> None:
        h = await Harness.open(f"sqlite+aiosqlite:///{path}", FakeClock(START_OF_TESTS))
        await h.app.handle(CommandInvoked(key="tpl:pause", user=u("alice"), channel=GENERAL,
                                          text="pause"))  # fmt: skip
        await h.close()

    asyncio.run(pause())
    return path


async def allowed(template: Path, tmp_path: Path, event_for) -> bool:
    from bot.clock import FakeClock
    from testkit.config import START_OF_TESTS

    copy = tmp_path / "cell.db"
    shutil.copy(template, copy)
    h = await Harness.open(f"sqlite+aiosqlite:///{copy}", FakeClock(START_OF_TESTS))
    try:
        event = event_for(h)
        await h.app.handle(event)
        async with h.app.store.read() as conn:
            row = (
                await conn.execute(
                    select(Inbox.__table__).where(Inbox.__table__.c.key == event.key)
                )
            ).one()
        assert row.status == "done", row.error
        return not (row.error or "").startswith("refused:")
    finally:
        await h.close()


def _cells():
    for row in MATRIX:
        for index, role in enumerate(ROLES):
            yield pytest.param(row[0], role, row[index + 1], id=f"{row[0]} / {role}")


@pytest.mark.asyncio
@pytest.mark.parametrize(("command", "role", "expected"), list(_cells()))
async def test_command_matrix(
    template: Path, tmp_path: Path, command: str, role: str, expected: bool
) -> None:
    name, ws = ROLES[role]
    result = await allowed(
        template,
        tmp_path,
        lambda h: CommandInvoked(
            key=f"authz:{role}:{command}", user=u(name, ws), channel=GENERAL, text=linked(command)
        ),
    )
    assert result is expected, (
        f"/als {command} by the {role}: expected {'allow' if expected else 'deny'}"
    )


def _paused_cells():
    for row in PAUSED:
        for index, role in enumerate(ROLES):
            yield pytest.param(row[0], role, row[index + 1], id=f"paused: {row[0]} / {role}")


@pytest.mark.asyncio
@pytest.mark.parametrize(("command", "role", "expected"), list(_paused_cells()))
async def test_paused_command_matrix(
    paused: Path, tmp_path: Path, command: str, role: str, expected: bool
) -> None:
    name, ws = ROLES[role]
    result = await allowed(
        paused,
        tmp_path,
        lambda h: CommandInvoked(
            key=f"authz:paused:{role}:{command}", user=u(name, ws), channel=GENERAL, text=command
        ),
    )
    assert result is expected, f"/als {command} (paused) by the {role}"


def _button_cells():
    for row in BUTTONS:
        for index, role in enumerate(ROLES):
            yield pytest.param(row[0], role, row[index + 1], id=f"[{row[0]}] / {role}")


@pytest.mark.asyncio
@pytest.mark.parametrize(("label", "role", "expected"), list(_button_cells()))
async def test_button_matrix(
    template: Path, tmp_path: Path, label: str, role: str, expected: bool
) -> None:
    name, ws = ROLES[role]

    def press(h: Harness) -> ButtonPressed:
        value = "2"  # session 2 is #general's (session 1 was #other's)
        action = {
            "Next phase": "round:next",
            "End": "round:end",
            "I'd like to present": "round:volunteer",
        }[label]
        return ButtonPressed(
            key=f"authz:btn:{role}:{label}",
            user=u(name, ws),
            channel=GENERAL,
            action_id=action,
            value=value,
        )

    assert await allowed(template, tmp_path, press) is expected
