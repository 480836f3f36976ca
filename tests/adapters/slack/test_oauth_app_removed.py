"""`app_uninstalled` and `tokens_revoked` → `AppRemoved` (`translate.from_app_removed`),
from the documented payload shapes with their blanked ids filled in."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.slack import translate
from adapters.slack.translate import BotIdentity, Ignored, Inbound
from bot.events import AppRemoved
from bot.refs import Platform, UserRef, WorkspaceRef
from testkit.slack.world import CORPUS

EVENTS = CORPUS / "events"
pytestmark = pytest.mark.skipif(not EVENTS.exists(), reason="payload corpus not present")
T2 = WorkspaceRef(Platform.SLACK, "T2")


def _filled(name: str, **event: Any) -> dict[str, Any]:
    body = json.loads((EVENTS / name).read_text())
    body.update(type="event_callback", team_id="T2", event_id="Ev0REMOVED", api_app_id="A1")
    body["authorizations"] = [
        {"enterprise_id": None, "team_id": "T2", "user_id": "UBOT2", "is_bot": True}
    ]
    body["event"].update(event)
    return body


def test_app_uninstalled_is_the_app_removed_from_that_workspace() -> None:
    body = _filled("AppUninstalledPayload.json")
    outcome = translate.from_event_callback(body)
    assert outcome == Inbound(
        AppRemoved(key="slack:event:Ev0REMOVED", user=UserRef(T2, "UBOT2"), reason="uninstalled")
    )
    assert translate.from_app_removed(body) == outcome


def test_tokens_revoked_counts_only_when_the_bot_token_is_among_them() -> None:
    body = _filled("TokensRevokedPayload.json", tokens={"oauth": ["UANA"], "bot": ["UBOT2"]})
    outcome = translate.from_event_callback(body)
    assert isinstance(outcome, Inbound) and isinstance(outcome.event, AppRemoved)
    assert outcome.event.reason == "tokens_revoked" and outcome.event.workspace == T2

    people_only = _filled("TokensRevokedPayload.json", tokens={"oauth": ["UANA"]})
    assert isinstance(translate.from_event_callback(people_only), Ignored)
    empty = _filled("TokensRevokedPayload.json", tokens={"oauth": ["UANA"], "bot": []})
    assert isinstance(translate.from_app_removed(empty), Ignored)


def test_without_authorizations_the_bot_is_named_from_its_identity_else_as_the_app() -> None:
    body = _filled("AppUninstalledPayload.json")
    del body["authorizations"]
    mine = translate.from_app_removed(body, BotIdentity("T2", "UBOTX", "BX"))
    assert isinstance(mine, Inbound) and mine.event.user == UserRef(T2, "UBOTX")
    anonymous = translate.from_app_removed(body)
    assert isinstance(anonymous, Inbound) and anonymous.event.user == UserRef(T2, "app")


@pytest.mark.parametrize("name", ["AppUninstalledPayload.json", "TokensRevokedPayload.json"])
def test_the_blank_corpus_shapes_are_ignored_not_guessed(name: str) -> None:
    stored = json.loads((EVENTS / name).read_text())
    outcome = translate.from_app_removed({**stored, "type": "event_callback"})
    assert isinstance(outcome, Ignored) and "malformed" in outcome.reason
