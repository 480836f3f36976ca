"""The command line's one way to name settings and data: `--config FILE` on every command
that reads settings, `--db FILE` on every command that touches a database."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from adapters.cli import main

TOUCH_A_DATABASE = [
    ["demo"], ["console"], ["run"], ["db", "upgrade"], ["export", "dos"], ["export", "report"]
]  # fmt: skip
TIP = "Ask what they have already tried #listening"


def alsbot(*args: str, cwd: Path) -> Result:
    with pytest.MonkeyPatch.context() as env:
        env.chdir(cwd)
        env.delenv("ALSBOT_DATABASE_URL", raising=False)
        env.delenv("ALSBOT_DEFAULTS_TIMEZONE", raising=False)
        return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", [*TOUCH_A_DATABASE, ["check-config"]], ids=" ".join)
def test_every_command_names_its_settings_and_data_the_same_way(
    command: list[str], tmp_path: Path
) -> None:
    shown = " ".join(alsbot(*command, "--help", cwd=tmp_path).output.split())
    assert "--config FILE" in shown and "ALSBOT_* variables override it" in shown
    assert ("--db FILE" in shown) == (command in TOUCH_A_DATABASE)


def test_db_names_the_sqlite_file_in_place_of_the_configs_url(tmp_path: Path) -> None:
    config = tmp_path / "alsbot.toml"
    nowhere = tmp_path / "nowhere.db"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{nowhere}"\n', encoding="utf-8")
    script = tmp_path / "set.txt"
    script.write_text(
        f"alice: /als facilitator add @alice\ndave: {TIP}\ncarol: +✅ #2\n", encoding="utf-8"
    )
    kept = tmp_path / "kept.db"

    played = alsbot("console", "--script", str(script), "--db", str(kept), cwd=tmp_path)
    assert played.exit_code == 0, played.output
    assert "saved as do #1" in played.output

    exported = alsbot(
        "export", "dos", "--config", str(config), "--db", str(kept), "--format", "csv",
        "--output", "-", cwd=tmp_path,
    )  # fmt: skip
    assert exported.exit_code == 0, exported.output
    [row] = csv.DictReader(io.StringIO(exported.stdout, newline=""))
    assert row["text"] == TIP

    without = alsbot("export", "dos", "--config", str(config), cwd=tmp_path)
    assert without.exit_code != 0 and "there is no database" in without.output

    upgraded = alsbot("db", "upgrade", "--config", str(config), "--db", "fresh.db", cwd=tmp_path)
    assert upgraded.exit_code == 0 and "database is at revision" in upgraded.output
    assert (tmp_path / "fresh.db").exists() and not nowhere.exists()


def test_a_time_zone_name_too_long_for_a_path_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "alsbot.toml"
    config.write_text(f'[defaults]\ntimezone = "{"Europe/" + "A" * 300}"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("✗ [defaults] timezone 'Europe/AAAA")
    assert "is unknown" in result.output and len(result.output) < 120
    assert isinstance(result.exception, SystemExit), "no traceback, one line"


def test_check_config_refuses_a_zone_that_is_no_place_and_names_a_city_s_zone(
    tmp_path: Path,
) -> None:
    config = tmp_path / "alsbot.toml"
    config.write_text('[defaults]\ntimezone = "Factory"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert result.exit_code == 2 and "is not a place's zone" in result.output, result.output
    config.write_text('[defaults]\ntimezone = "London"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert result.exit_code == 2
    assert "'London' is unknown; did you mean Europe/London?" in result.output, result.output


def test_check_config_warns_about_a_default_zone_without_summer_time(tmp_path: Path) -> None:
    config = tmp_path / "alsbot.toml"
    config.write_text('[defaults]\ntimezone = "GMT"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert "⚠ [defaults] timezone: GMT does not change for summer time" in result.output
    assert "did you mean Europe/London?" in result.output
    config.write_text('[defaults]\ntimezone = "Europe/London"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert "⚠ [defaults]" not in result.output, result.output


def test_db_upgrade_refuses_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    """Issue 15: the folder was made silently, so a typo started an empty database."""
    result = alsbot("db", "upgrade", "--db", "typo/alsbot.db", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr == (
        f"✗ the folder {tmp_path}/typo for the database file alsbot.db does not exist — create "
        "it (writable by alsbot's user), or correct [database] url\n"
    )
    assert not (tmp_path / "typo").exists()


def test_db_upgrade_names_an_unreachable_database_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "alsbot.toml"
    config.write_text(
        '[database]\nurl = "postgresql+asyncpg://alsbot:hunter2@127.0.0.1:1/alsbot"\n',
        encoding="utf-8",
    )
    result = alsbot("db", "upgrade", "--config", str(config), cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("✗ cannot connect to the database at 127.0.0.1:1 (")
    assert len(result.stderr.splitlines()) == 1 and "hunter2" not in result.output


def test_console_with_a_db_in_a_folder_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    script = tmp_path / "set.txt"
    script.write_text("alice: /als help\n", encoding="utf-8")
    result = alsbot("console", "--script", str(script), "--db", "typo/x.db", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"✗ the folder {tmp_path}/typo for the database file x.db")
