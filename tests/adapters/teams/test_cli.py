"""`alsbot teams manifest` and `alsbot teams check`, through the real CLI."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from adapters.cli import main

APP_ID = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
SECRETS = ("TEAMS_CLIENT_ID", "TEAMS_CLIENT_SECRET", "TEAMS_TENANT_ID")


@pytest.fixture(autouse=True)
def _no_teams_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)


def _config(tmp_path: Path, public_url: str = "https://alsbot.example.org") -> str:
    path = tmp_path / "alsbot.toml"
    path.write_text(f'[teams]\nenabled = true\npublic_url = "{public_url}"\n', encoding="utf-8")
    return str(path)


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["teams", *args], env=env)


def test_manifest_writes_the_package_with_teams_client_id(tmp_path: Path) -> None:
    out = tmp_path / "alsbot-teams.zip"
    result = _run(
        "manifest",
        "--config",
        _config(tmp_path),
        "--out",
        str(out),
        env={"TEAMS_CLIENT_ID": APP_ID},
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        assert archive.namelist() == ["manifest.json", "color.png", "outline.png"]
        data = json.loads(archive.read("manifest.json"))
    assert data["id"] == APP_ID and data["bots"][0]["botId"] == APP_ID
    assert data["developer"]["privacyUrl"] == "https://alsbot.example.org/privacy"
    assert "Upload an app" in result.output
    assert "https://alsbot.example.org/api/messages" in result.output
    again = tmp_path / "again.zip"
    _run(
        "manifest",
        "--config",
        _config(tmp_path),
        "--out",
        str(again),
        env={"TEAMS_CLIENT_ID": APP_ID},
    )
    assert again.read_bytes() == out.read_bytes()


def test_the_cli_options_override_the_guessed_developer_and_version(tmp_path: Path) -> None:
    out = tmp_path / "p.zip"
    result = _run(
        "manifest",
        "--config",
        _config(tmp_path),
        "--out",
        str(out),
        "--app-id",
        APP_ID.upper(),
        "--app-version",
        "1.2.3",
        "--developer-name",
        "Example Council",
        "--website",
        "https://council.example/als",
        "--privacy",
        "https://council.example/privacy",
        "--terms",
        "https://council.example/terms",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(zipfile.ZipFile(out).read("manifest.json"))
    assert data["id"] == APP_ID and data["version"] == "1.2.3"
    assert data["developer"] == {
        "name": "Example Council",
        "websiteUrl": "https://council.example/als",
        "privacyUrl": "https://council.example/privacy",
        "termsOfUseUrl": "https://council.example/terms",
    }


def test_without_a_client_id_it_exits_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "alsbot-teams.zip"
    result = _run("manifest", "--config", _config(tmp_path), "--out", str(out))
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "TEAMS_CLIENT_ID" in lines[0] and "--app-id" in lines[0]
    assert "Traceback" not in result.output and not out.exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--app-id", "28:not-a-guid"), "is not a Microsoft App ID"),
        (("--app-id", APP_ID, "--privacy", "http://council.example/p"), "not an https:// address"),
        (("--app-id", APP_ID, "--developer-name", "D" * 40), "Teams allows 32"),
    ],
)
def test_a_package_teams_would_refuse_is_not_written(
    tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    out = tmp_path / "p.zip"
    result = _run("manifest", "--config", _config(tmp_path), "--out", str(out), *args)
    assert result.exit_code != 0 and said in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and not out.exists()


def test_without_a_public_url_it_warns_about_the_placeholder_links(tmp_path: Path) -> None:
    out = tmp_path / "p.zip"
    result = _run(
        "manifest", "--config", _config(tmp_path, ""), "--out", str(out), "--app-id", APP_ID
    )
    assert result.exit_code == 0 and out.exists()
    assert "public_url is not set" in result.output


def test_check_names_the_missing_client_id_and_passes_once_it_is_set(tmp_path: Path) -> None:
    config = _config(tmp_path)
    missing = _run("check", "--config", config)
    assert missing.exit_code == 2 and "TEAMS_CLIENT_ID is not set" in missing.output
    ready = _run("check", "--config", config, env={"TEAMS_CLIENT_ID": APP_ID})
    assert ready.exit_code == 0 and "✓" in ready.output


def test_check_asks_for_the_tenant_a_client_secret_logs_in_to(tmp_path: Path) -> None:
    env = {"TEAMS_CLIENT_ID": APP_ID, "TEAMS_CLIENT_SECRET": "s"}
    result = _run("check", "--config", _config(tmp_path), env=env)
    assert result.exit_code == 2 and "TEAMS_TENANT_ID is not" in result.output
