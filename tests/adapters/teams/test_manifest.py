"""The Teams app package: its commands are the registry's, every limit the schema states is
kept (and Microsoft's own schema agrees, when npm can fetch it), the icons are what Teams
asks for, and the zip is the same bytes every time."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from adapters.teams import manifest as teams_manifest
from adapters.teams.manifest import (
    CHANNEL_COMMANDS,
    LEFT_OUT,
    MANIFEST_VERSION,
    PERSONAL_COMMANDS,
    Developer,
    icons,
    manifest,
    package,
    problems,
)
from bot.commands.registry import BY_VERB, VERBS
from bot.config import TeamsConfig

APP_ID = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
SECTION = TeamsConfig(enabled=True, public_url="https://alsbot.example.org")
SCHEMA_PACKAGE = "@microsoft/app-manifest@1"


def _made(**changes: Any) -> dict[str, Any]:
    return manifest(app_id=APP_ID, section=TeamsConfig(**{**SECTION.__dict__, **changes}))


def _menus(data: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    return {"/".join(m["scopes"]): m["commands"] for m in data["bots"][0]["commandLists"]}


def test_the_menus_name_the_registrys_verbs_and_every_other_verb_is_left_out_knowingly() -> None:
    menus = _menus(_made())
    assert [c["title"] for c in menus["team/groupChat"]] == list(CHANNEL_COMMANDS)
    assert [c["title"] for c in menus["personal"]] == list(PERSONAL_COMMANDS)
    shown = set(CHANNEL_COMMANDS) | set(PERSONAL_COMMANDS)
    registry = {verb.name for verb in VERBS}
    assert shown <= registry, shown - registry
    assert set(LEFT_OUT) <= registry, set(LEFT_OUT) - registry  # no stale reason
    assert not shown & set(LEFT_OUT)
    # A verb added to the registry must be put in a menu or in LEFT_OUT, with its reason.
    assert registry == shown | set(LEFT_OUT), registry - shown - set(LEFT_OUT)


def test_the_descriptions_are_the_specs_summaries() -> None:
    for command in _made()["bots"][0]["commandLists"][0]["commands"]:
        summary = BY_VERB[command["title"]].summary
        assert command["description"].lower().startswith(summary.lower()[:60].rstrip())


def test_the_ten_command_rule_and_every_stated_limit_hold() -> None:
    data = _made()
    assert problems(data) == []
    for commands in _menus(data).values():
        assert len(commands) <= 10
        for command in commands:
            assert len(command["title"]) <= 32 and len(command["description"]) <= 128
    assert len(data["name"]["short"]) <= 30 and len(data["description"]["short"]) <= 80


def test_a_description_too_long_for_teams_is_cut_at_a_word() -> None:
    cut = teams_manifest._fit("word " * 60, 128)
    assert len(cut) <= 128 and cut.endswith("word…")


def test_problems_names_each_broken_limit() -> None:
    data = manifest(
        app_id="not-a-guid",
        section=TeamsConfig(app_name="A" * 31, public_url="https://alsbot.example.org"),
        developer=Developer("D" * 33, "http://x.example", "https://x/p", "ftp://x/t"),
        version="1.0",
    )
    data["bots"][0]["commandLists"][0]["commands"].append({"title": "x" * 33, "description": ""})
    found = "\n".join(problems(data))
    for expected in (
        "version '1.0'",
        "id 'not-a-guid' is not a GUID",
        "app_name (name.short) is 31 characters; Teams allows 30",
        "developer name is 33 characters; Teams allows 32",
        "developer website URL 'http://x.example' is not an https:// address",
        "developer terms URL 'ftp://x/t' is not an https:// address",
        "has 11 commands; Teams shows 10",
        "title is 33 characters; Teams allows 32",
        "description is missing",
        "bots[0].botId 'not-a-guid' is not a GUID",
    ):
        assert expected in found, expected


def test_save_as_do_is_the_message_action_the_listener_expects() -> None:
    data = _made()
    (extension,) = data["composeExtensions"]
    assert extension["botId"] == APP_ID
    (command,) = extension["commands"]
    assert command["id"] == "saveAsDo" and command["type"] == "action"
    assert command["title"] == "Save as do"
    assert command["context"] == ["message"] and command["fetchTask"] is True


def test_the_bot_reads_channels_and_chats_through_resource_specific_consent() -> None:
    data = _made()
    bot = data["bots"][0]
    assert bot["botId"] == APP_ID and data["id"] == APP_ID
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    assert bot["supportsFiles"] is False
    assert data["authorization"]["permissions"]["resourceSpecific"] == [
        {"name": "ChannelMessage.Read.Group", "type": "Application"},
        {"name": "ChatMessage.Read.Chat", "type": "Application"},
    ]
    assert data["webApplicationInfo"]["id"] == APP_ID
    assert data["webApplicationInfo"]["resource"]
    assert data["validDomains"] == ["alsbot.example.org"]
    assert data["name"]["short"] == "alsbot"


def test_without_a_public_url_there_is_no_valid_domain_and_still_no_problem() -> None:
    data = _made(public_url="", app_name="ALS bot")
    assert data["validDomains"] == [] and data["name"]["short"] == "ALS bot"
    assert problems(data) == []


def test_the_icons_are_pngs_of_the_sizes_teams_asks_for() -> None:
    made = icons()
    color = Image.open(io.BytesIO(made["color.png"]))
    outline = Image.open(io.BytesIO(made["outline.png"]))
    assert (color.format, color.size) == ("PNG", (192, 192))
    assert (outline.format, outline.size, outline.mode) == ("PNG", (32, 32), "RGBA")
    at = outline.load()
    assert at is not None
    pixels = [at[x, y] for x in range(32) for y in range(32)]
    alphas = {p[3] for p in pixels}  # type: ignore[index]
    assert 0 in alphas and 255 in alphas  # transparent around an opaque mark
    assert {p[:3] for p in pixels if p[3]} == {(255, 255, 255)}  # type: ignore[index]  # white only
    rgb = color.convert("RGB")
    colors = {rgb.getpixel((x, y)) for x in range(0, 192, 3) for y in range(0, 192, 3)}
    assert (255, 255, 255) in colors and (0x2C, 0x4A, 0x52) in colors


def test_the_package_holds_the_three_files_and_is_the_same_bytes_every_time() -> None:
    first = package(_made(), icons())
    again = package(_made(), icons())
    assert first == again
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == ["manifest.json", "color.png", "outline.png"]
        assert json.loads(archive.read("manifest.json")) == _made()
        assert archive.read("color.png") == icons()["color.png"]
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def _microsoft_schema() -> dict[str, Any]:
    """Microsoft's own manifest schema, from the npm package its Agents Toolkit validates
    with (`@microsoft/app-manifest`), fetched once into the test cache; a skip that says why
    when it cannot be had (no npm, the registry out of reach)."""
    cache = Path(os.environ.get("ALSBOT_TEST_CACHE", Path.home() / ".cache" / "alsbot-tests"))
    schema = cache / "teams-schema" / f"v{MANIFEST_VERSION}" / "MicrosoftTeams.schema.json"
    if not schema.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed, so Microsoft's manifest schema cannot be fetched")
        folder = cache / "teams-schema"
        folder.mkdir(parents=True, exist_ok=True)
        try:
            done = subprocess.run(
                [npm, "pack", "--silent", SCHEMA_PACKAGE],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=300,
            )
        except subprocess.TimeoutExpired:
            pytest.skip("npm pack timed out")
        tarballs = sorted(folder.glob("microsoft-app-manifest-*.tgz"))
        if done.returncode != 0 or not tarballs:
            pytest.skip(f"npm could not fetch {SCHEMA_PACKAGE}: {done.stderr.strip()[-300:]}")
        member = f"package/build/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
        with tarfile.open(tarballs[-1]) as archive:
            try:
                content = archive.extractfile(member)
            except KeyError:
                pytest.skip(f"{tarballs[-1].name} has no schema for {MANIFEST_VERSION}")
            assert content is not None
            schema.parent.mkdir(parents=True, exist_ok=True)
            schema.write_bytes(content.read())
    loaded: dict[str, Any] = json.loads(schema.read_text(encoding="utf-8-sig"))
    return loaded


def test_microsofts_own_schema_takes_the_manifest() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = _microsoft_schema()
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    for data in (_made(), _made(public_url="", app_name="ALS")):
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
        assert errors == []
    broken = _made()
    broken["bots"][0]["botId"] = "not-a-guid"
    assert list(validator.iter_errors(broken))  # the schema is really being applied
