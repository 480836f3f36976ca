"""The manifests in the repository are the generated ones, and their scopes suffice."""

from __future__ import annotations

import re

import pytest

from adapters.slack import manifest
from bot.clock import FakeClock
from bot.commands import registry
from bot.ports import Delivery
from bot.refs import ChannelRef, MessageRef, Platform, WorkspaceRef
from bot.replies import File
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SET, SlackWorld


@pytest.mark.parametrize("socket", [False, True], ids=["http", "socket"])
def test_the_committed_manifest_is_the_generated_one(socket: bool) -> None:
    committed = manifest.path_for(socket=socket).read_text(encoding="utf-8")
    assert committed == manifest.to_yaml(manifest.manifest(socket=socket), socket=socket), (
        "run `python -m adapters.slack.manifest --write`"
    )


def test_socket_mode_has_no_urls_and_http_mode_points_at_the_events_path() -> None:
    socket = manifest.manifest(socket=True)
    http = manifest.manifest(socket=False, url="https://als.example.net/")
    assert "url" not in str(socket).replace("background", "")
    assert socket["settings"]["socket_mode_enabled"] is True
    endpoint = "https://als.example.net/slack/events"
    assert http["features"]["slash_commands"][0]["url"] == endpoint
    assert http["settings"]["event_subscriptions"]["request_url"] == endpoint
    assert http["settings"]["interactivity"]["request_url"] == endpoint


def test_every_scope_and_event_says_why() -> None:
    assert all(reason.strip() for reason in manifest.SCOPES.values())
    for event, reason in manifest.EVENTS.items():
        needed = re.search(r"\(([a-z:_]+)\)", reason)
        assert needed is None or needed.group(1) in manifest.SCOPES, event
    assert set(s for s in manifest.METHOD_SCOPES.values() if s) <= set(manifest.SCOPES)


def test_the_manifest_is_yaml_with_json_scalars() -> None:
    for line in manifest.path_for(socket=False).read_text(encoding="utf-8").splitlines():
        assert not line.startswith("\t") and (len(line) - len(line.lstrip())) % 2 == 0, line


@pytest.mark.asyncio
async def test_every_method_the_adapter_calls_is_covered_by_a_scope(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> None:
    world = await SlackWorld.open(web_api, sqlite_url, clock)
    try:
        for line in ("start <@UBOB|bob>", "end", "action Call the trustees", "help"):
            await world.command("UALICE", line)
            await world.settle()
        await world.dm("UALICE", "done")
        await world.event({"type": "app_home_opened", "user": "UALICE", "tab": "home"})
        ws = WorkspaceRef(Platform.SLACK, "T0TEST")
        await world.service.outlet.deliver(
            Delivery(File(channel=ChannelRef(ws, SET), filename="x.csv", content=b"a"))
        )
        root = web_api.seed_message(SET, "a do", user="UBOB")
        await world.bot.processor.sources[Platform.SLACK].fetch_message(
            MessageRef(ChannelRef(ws, SET), root.ts)
        )
        await world.api.wait_for("views.publish")
        await world.settle()
    finally:
        await world.close()
    called = {c.method for c in web_api.calls} - {"upload", "response_url"}
    assert called - set(manifest.METHOD_SCOPES) == set()
    assert {"chat.postMessage", "chat.update", "conversations.open", "views.publish"} <= called


def test_the_usage_hint_names_declared_verbs() -> None:
    """Slack shows the hint under `/als`; it must not name a verb the grammar has dropped."""
    hint = manifest.manifest(socket=True)["features"]["slash_commands"][0]["usage_hint"]
    verbs = [part.split()[0] for part in hint.split(" | ")]
    assert len(verbs) >= 3 and set(verbs) <= set(registry.BY_VERB)
