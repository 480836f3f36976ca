"""The manifest's parts for OAuth installs and "Save as do": one scope list shared with the
install flow, the redirect URL in HTTP mode, the shortcut, and the removal events."""

from __future__ import annotations

import pytest

from adapters.slack import manifest


def test_the_manifest_asks_for_the_one_list_of_bot_scopes() -> None:
    for socket in (False, True):
        assert manifest.manifest(socket=socket)["oauth_config"]["scopes"]["bot"] is (
            manifest.BOT_SCOPES
        )
    assert manifest.BOT_SCOPES == list(manifest.SCOPES)


def test_http_mode_names_the_redirect_url_at_the_same_origin() -> None:
    http = manifest.manifest(socket=False, url="https://als.example.net/slack/events")
    assert http["oauth_config"]["redirect_urls"] == ["https://als.example.net/slack/oauth_redirect"]
    assert "redirect_urls" not in manifest.manifest(socket=True)["oauth_config"]
    text = manifest.render(socket=False, url="https://als.example.net")
    assert '    - "https://als.example.net/slack/oauth_redirect"' in text


@pytest.mark.parametrize("socket", [False, True], ids=["http", "socket"])
def test_the_save_as_do_shortcut_and_the_removal_events(socket: bool) -> None:
    data = manifest.manifest(socket=socket)
    assert data["features"]["shortcuts"] == [
        {
            "name": "Save as do",
            "type": "message",
            "callback_id": "save_as_do",
            "description": "Save this message to the set's do's",
        }
    ]
    events = data["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_uninstalled", "tokens_revoked"} <= set(events)
    assert data["settings"]["token_rotation_enabled"] is False
    text = manifest.path_for(socket=socket).read_text(encoding="utf-8")
    assert '      callback_id: "save_as_do"' in text
