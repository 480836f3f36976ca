"""`alsbot check-config` says which Slack mode `run` uses, refuses an OAuth set-up that
cannot work, and with `--online` asks Slack about the app's credentials and the database
how many workspaces are installed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import Result

from adapters.slack.installations import InstallationStore
from bot.store.db import open_store
from testkit.slack.oauth_grants import CLIENT_ID, CLIENT_SECRET
from testkit.slack.web_api import SlackWebApi
from tests.adapters.preflight.cli_helpers import check_config, marked, slack_env
from tests.adapters.slack.test_installations import _installation

OAUTH_LINE = "✓ Slack: OAuth install for many workspaces (SLACK_CLIENT_ID)"


def oauth_env(api: SlackWebApi, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = slack_env(api, tmp_path)
    del env["SLACK_BOT_TOKEN"]
    return {
        **env,
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "ALSBOT_SLACK_PUBLIC_URL": "https://alsbot.example.org",
        **extra,
    }


def test_each_mode_says_its_name(tmp_path: Path) -> None:
    api = SlackWebApi()  # not started: nothing is asked offline
    single = check_config(slack_env(api, tmp_path), cwd=tmp_path)
    assert single.exit_code == 0, single.output
    assert "✓ Slack: single workspace (SLACK_BOT_TOKEN)" in single.stdout.splitlines()

    oauth = check_config(oauth_env(api, tmp_path), cwd=tmp_path)
    assert oauth.exit_code == 0, oauth.output
    assert oauth.stderr == "" and OAUTH_LINE in oauth.stdout.splitlines()
    assert not (tmp_path / "alsbot.db").exists(), "check-config creates no database"


def test_both_set_runs_oauth_and_warns_that_the_bot_token_is_not_used(tmp_path: Path) -> None:
    api = SlackWebApi()
    result = check_config(oauth_env(api, tmp_path, SLACK_BOT_TOKEN="xoxb-1-2"), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    [line] = marked(result.stderr, "⚠")
    assert line.startswith("⚠ SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set")
    assert "SLACK_BOT_TOKEN is not used — unset SLACK_BOT_TOKEN" in line
    assert OAUTH_LINE in result.stdout.splitlines()


@pytest.mark.parametrize(
    ("extra", "drop", "wanted"),
    [
        (
            {"ALSBOT_SLACK_MODE": "socket", "SLACK_APP_TOKEN": "xapp-1"},
            (),
            'needs [slack] mode = "http"',
        ),
        ({}, ("ALSBOT_SLACK_PUBLIC_URL",), "needs [slack] public_url"),
        ({}, ("SLACK_CLIENT_SECRET",), "SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is not"),
        ({}, ("SLACK_SIGNING_SECRET",), "HTTP mode needs SLACK_SIGNING_SECRET"),
    ],
    ids=["socket", "no-public-url", "no-secret", "no-signing-secret"],
)
def test_an_oauth_set_up_that_cannot_work_is_refused(
    tmp_path: Path, extra: dict[str, str], drop: tuple[str, ...], wanted: str
) -> None:
    env = oauth_env(SlackWebApi(), tmp_path, **extra)
    for name in drop:
        del env[name]
    result = check_config(env, cwd=tmp_path)
    assert result.exit_code == 2
    assert any(wanted in line for line in marked(result.stderr)), result.stderr


def test_a_public_url_that_is_not_an_origin_is_refused(tmp_path: Path) -> None:
    env = oauth_env(SlackWebApi(), tmp_path, ALSBOT_SLACK_PUBLIC_URL="http://alsbot.org/x")
    result = check_config(env, cwd=tmp_path)
    assert result.exit_code == 2
    assert "[slack] public_url 'http://alsbot.org/x' is not an origin" in result.stderr


async def _online(env: dict[str, str], tmp_path: Path) -> Result:
    return await asyncio.to_thread(check_config, env, "--online", cwd=tmp_path)


@pytest.mark.asyncio
async def test_online_asks_slack_about_the_credentials_and_counts_the_installs(
    web_api: SlackWebApi, tmp_path: Path
) -> None:
    env = oauth_env(web_api, tmp_path)
    store = await open_store(env["ALSBOT_DATABASE_URL"])
    await InstallationStore(store, CLIENT_ID).async_save(_installation("T1"))
    await store.close()

    result = await _online(env, tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "✓ Slack accepts SLACK_CLIENT_ID and SLACK_CLIENT_SECRET",
        f"{OAUTH_LINE}, 1 workspace installed",
        "✓ configuration looks good",
    ]
    assert [c.error for c in web_api.calls_to("oauth.v2.access")] == ["invalid_code"]

    result = await _online({**env, "SLACK_CLIENT_SECRET": "0" * 32}, tmp_path)
    assert result.exit_code == 2
    assert marked(result.stderr) == [
        "✗ Slack refused SLACK_CLIENT_SECRET (oauth.v2.access: bad_client_secret) — copy the "
        "Client Secret from Basic Information → App Credentials again into SLACK_CLIENT_SECRET"
    ]
    assert "0" * 32 not in result.output
