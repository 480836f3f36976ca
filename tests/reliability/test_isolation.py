"""Workspaces never see each other (issue 8, item 6, isolation half).

Three look-alike worlds share one database: two Slack workspaces and a Discord guild, each
with channel `C1`, people `U1` (facilitator), `U2` (presenter) and `U3`, the same action
text and the same do text. Only a marker word differs (`alphaws`, `betaws`, `gammaws`),
written into everything each world stores. Every read — `/als actions`, `dos` (search,
pages, random), `report`, `export-me`, `dos export` in each format, the App Home summary
and the CLI `alsbot export dos` — is then answered for each world, and its whole output
(as JSON, every field) is searched for the other worlds' markers and workspace keys.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from click.testing import CliRunner, Result

from adapters.cli import main as cli
from bot.clock import FakeClock
from bot.refs import Platform, WorkspaceRef
from bot.replies import File, Reply, reply_to_json
from testkit.harness import Harness
from testkit.worlds.lookalike import Driver, World

SHARED_ACTION = "Call the trustees before Friday"
SHARED_DO = "Write the question down before asking it"


WORLDS = (
    World(WorkspaceRef(Platform.SLACK, "TALPHA"), "alphaws"),
    World(WorkspaceRef(Platform.SLACK, "TBETA"), "betaws"),
    World(WorkspaceRef(Platform.DISCORD, "777"), "gammaws"),
    # On Discord a user id is global: these are the same people as in guild 777, in
    # another server; each server's channel still answers for its own set only.
    World(WorkspaceRef(Platform.DISCORD, "888"), "deltaws"),
)


async def seed(d: Driver, w: World) -> None:
    m = w.marker
    await d.cmd(w, 1, "start <@U2>")
    await d.cmd(w, 1, "schedule 2026-02-09 10:00 every 4 weeks")
    await d.cmd(w, 3, "join")
    for _ in range(5):
        await d.cmd(w, 1, "next")  # → actions for U2
    await d.say(w, 2, f"{SHARED_ACTION} {m}")
    await d.say(w, 2, f"Ask the board about {m}budget")
    await d.cmd(w, 1, "next")  # → evaluation
    await d.say(w, 2, f"4 {m}word")
    await d.cmd(w, 1, "next")  # → closed
    await d.cmd(w, 2, f"update {m}update the trustees said yes")
    await d.react(w, 3, 2, "tip1", SHARED_DO)
    await d.react(w, 3, 2, "tip2", f"Pause before answering {m}do #listening")
    await d.cmd(w, 2, "settings my_timezone Europe/Paris")


# (who, command, what of its own world the answer must show: "{m}" is the world's marker;
# None where the answer varies, e.g. a random do: then only that it says something)
READS = (
    (1, "actions", "{m}budget"), (2, "actions", "{m}budget"), (1, "actions <@U2>", "{m}budget"),
    (2, "dos", "{m}do"), (2, "dos write", SHARED_DO), (2, "dos listening", "{m}do"),
    (2, "dos page 2", None), (1, "report", "1 session (12 Jan 2026)"), (2, "export-me", "{m}update"),
    (1, "dos export md", "{m}do"), (1, "dos export csv", "{m}do"),
    (1, "dos export html", "{m}do"), (1, "dos export", SHARED_DO), (1, "schedule", "2026"),
    (1, "settings", "presenting"),
) + ((2, "dos random", None),) * 6  # fmt: skip


def as_text(replies: list[Reply]) -> str:
    """Everything in the replies: every field, and files' decoded contents."""
    parts = []
    for reply in replies:
        parts.append(reply_to_json(reply))
        if isinstance(reply, File):
            parts.append(reply.content.decode("utf-8", "replace"))
    return "\n".join(parts)


def foreign(w: World, seen: str) -> list[str]:
    others = [o for o in WORLDS if o != w]
    return [needle for o in others for needle in (o.marker, o.ws.key + ":") if needle in seen]


@pytest_asyncio.fixture
async def driver(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Driver]:
    # Slack's per-channel pacing is wall-clock time; these worlds need none.
    h = await Harness.open(sqlite_url, clock, ALSBOT_SLACK_CHANNEL_RATE_PER_SECOND="0")
    try:
        d = Driver(h)
        for w in WORLDS:
            await seed(d, w)
        yield d
    finally:
        await h.close()


@pytest.mark.asyncio
async def test_every_read_command_answers_with_its_own_workspace_only(driver: Driver) -> None:
    for w in WORLDS:
        for who, line, own in READS:
            seen = as_text(await driver.cmd(w, who, line))
            where = f"/als {line} by U{who} in {w.ws.key}"
            assert seen, f"{where} said nothing"
            assert own is None or own.format(m=w.marker) in seen, f"{where} said {seen[:300]}"
            assert foreign(w, seen) == [], f"{where}: {foreign(w, seen)}"


@pytest.mark.asyncio
async def test_exports_hold_each_world_s_own_rows(driver: Driver) -> None:
    for w in WORLDS:
        [mine] = [r for r in await driver.cmd(w, 2, "export-me") if isinstance(r, File)]
        data = json.loads(mine.content)
        assert data["person"] == w.user(2).key
        assert {a["text"] for a in data["actions"]} == {
            f"{SHARED_ACTION} {w.marker}",
            f"Ask the board about {w.marker}budget",
        }
        assert [u["text"] for u in data["outcome_updates"]] == [
            f"{w.marker}update the trustees said yes"
        ]
        assert [m["channel_key"] for m in data["memberships"]] == [w.channel.key]
        for fmt in ("md", "csv", "html"):
            [f] = [r for r in await driver.cmd(w, 1, f"dos export {fmt}") if isinstance(r, File)]
            body = f.content.decode()
            assert SHARED_DO in body and f"{w.marker}do" in body, fmt
            assert foreign(w, body) == [], (w.ws.key, fmt)


@pytest.mark.asyncio
async def test_app_home_summary_is_one_workspace(driver: Driver) -> None:
    for w in WORLDS:
        for who in (1, 2, 3):
            summary = await driver.h.app.home_summary(w.user(who))
            seen = repr(summary)
            assert foreign(w, seen) == [], (w.ws.key, who, seen)
            assert summary.sessions and all(s.channel == w.channel for s in summary.sessions)
            assert all(a.channel == w.channel for a in summary.actions)
        mine = await driver.h.app.home_summary(w.user(2))
        assert {a.text for a in mine.actions} == {
            f"{SHARED_ACTION} {w.marker}",
            f"Ask the board about {w.marker}budget",
        }
        assert SHARED_DO in mine.dos and len(mine.dos) == 2


@pytest.mark.asyncio
async def test_someone_from_another_workspace_in_a_shared_channel_learns_nothing(
    driver: Driver,
) -> None:
    alpha, beta = WORLDS[0], WORLDS[1]
    for _, line, _ in READS:
        seen = as_text(await driver.cmd(alpha, 2, line, ws=beta.ws))
        assert alpha.marker not in seen and beta.marker not in seen, line
        assert SHARED_ACTION not in seen and "Pause before answering" not in seen, line


@pytest.mark.asyncio
async def test_cli_export_takes_one_set_by_its_full_channel_key(
    driver: Driver, sqlite_url: str, tmp_path: Path
) -> None:
    env = {"ALSBOT_DATABASE_URL": sqlite_url}

    async def invoke(*args: str) -> Result:  # the CLI runs its own event loop
        return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env)

    ambiguous = await invoke("export", "dos", "--output", "-")
    assert ambiguous.exit_code != 0 and "several sets" in ambiguous.output
    bare = await invoke("export", "dos", "--channel", "C1", "--output", "-")
    assert bare.exit_code != 0, "an id alone does not pick one of the look-alike sets"
    for w in WORLDS:
        for fmt in ("md", "csv", "html"):
            out = tmp_path / f"{w.marker}.{fmt}"
            result = await invoke(
                "export", "dos", "--channel", w.channel.key, "--format", fmt, "--output", str(out)
            )
            assert result.exit_code == 0, result.output
            body = out.read_text()
            assert SHARED_DO in body and f"{w.marker}do" in body
            assert foreign(w, body) == [], (w.ws.key, fmt, foreign(w, body))
