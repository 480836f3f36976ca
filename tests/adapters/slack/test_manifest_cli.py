"""`alsbot slack manifest`: what an operator pastes is complete, or they are told why not."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner, Result

from adapters.cli import main
from adapters.slack import manifest

PLACEHOLDER = "Replace https://alsbot.example.org"


def alsbot_slack(*args: str) -> Result:
    return CliRunner().invoke(main, ["slack", "manifest", *args], catch_exceptions=False)


def urls_in(text: str) -> list[str]:
    return [
        line.split(": ", 1)[1].strip('"')
        for line in text.splitlines()
        if line.strip().startswith(("url:", "request_url:"))
    ]


def test_with_a_url_the_address_is_everywhere_and_no_placeholder_is_left() -> None:
    result = alsbot_slack("--url", "https://als.council.example.gov.uk")
    assert result.exit_code == 0, result.output
    assert PLACEHOLDER not in result.output
    assert "alsbot.example.org" not in result.output
    endpoint = "https://als.council.example.gov.uk/slack/events"
    # the slash command, Event Subscriptions and Interactivity
    assert urls_in(result.output) == [endpoint] * 3
    assert "press Retry" in result.output  # the step Slack will not take by itself


def test_without_a_url_it_is_the_committed_file_placeholder_and_all() -> None:
    result = alsbot_slack()
    assert result.exit_code == 0
    assert result.output == manifest.path_for(socket=False).read_text(encoding="utf-8")
    assert PLACEHOLDER in result.output


def test_socket_mode_is_the_committed_socket_file() -> None:
    result = alsbot_slack("--socket")
    assert result.exit_code == 0
    assert result.output == manifest.path_for(socket=True).read_text(encoding="utf-8")
    assert urls_in(result.output) == []


@pytest.mark.parametrize(
    ("given", "endpoint"),
    [
        ("https://als.example.net", "https://als.example.net/slack/events"),
        ("https://als.example.net/", "https://als.example.net/slack/events"),
        ("  https://ALS.example.net:8443  ", "https://als.example.net:8443/slack/events"),
        ("https://als.example.net/slack/events", "https://als.example.net/slack/events"),
        ("https://als.example.net/slack/events/", "https://als.example.net/slack/events"),
        ("http://localhost:3000", "http://localhost:3000/slack/events"),
        ("http://127.0.0.1:3000/slack/events", "http://127.0.0.1:3000/slack/events"),
    ],
)
def test_an_origin_gets_the_events_path_and_the_events_path_is_kept(
    given: str, endpoint: str
) -> None:
    assert manifest.endpoint_for(given) == endpoint


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("http://als.example.net", "Slack only sends to HTTPS"),
        ("https://als.example.net/alsbot", "alsbot answers only on /slack/events"),
        ("https://als.example.net/slack/events/x", "alsbot answers only on /slack/events"),
        ("https://als.example.net/?x=1", "query or fragment"),
        ("https://user:pw@als.example.net", "user name or password"),
        ("als.example.net", "is not an address"),
        ("ftp://als.example.net", "is not an address"),
        ("https://als.example.net:99999", "port"),
    ],
)
def test_an_address_slack_could_not_deliver_to_is_refused_with_the_fix(
    given: str, says: str
) -> None:
    result = alsbot_slack("--url", given)
    assert result.exit_code == 2
    assert says in " ".join(result.output.split())
    assert "_metadata" not in result.output  # nothing half-printed to paste


def test_a_url_with_socket_mode_is_refused() -> None:
    result = alsbot_slack("--socket", "--url", "https://als.example.net")
    assert result.exit_code == 2
    assert "Socket Mode needs no URL" in result.output


def test_the_module_entry_point_still_works_and_refuses_alike() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "adapters.slack.manifest", "--url", "https://als.example.net"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0 and PLACEHOLDER not in ok.stdout
    assert "https://als.example.net/slack/events" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "adapters.slack.manifest", "--url", "http://als.example.net"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "HTTPS" in bad.stderr and bad.stdout == ""
