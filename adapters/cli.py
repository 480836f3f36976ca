"""`alsbot`: the command line, and the composition root that wires adapters to the core.

One way to point any command at its settings and data: `--config FILE` (the TOML file;
`ALSBOT_*` variables override it) on every command that reads settings, and `--db FILE`
(a SQLite file, used instead of `[database] url`) on every command that touches a
database. `console` and `demo` play on a throw-away database unless given `--db`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from bot import logs
from bot.config import Config, ConfigError, load_config
from bot.counts import counted
from bot.preflight import Finding, Refused, slack_mode

F = TypeVar("F", bound=Callable[..., Any])


def config_option(command: F) -> F:
    return click.option(
        "--config",
        "config_path",
        default=None,
        type=click.Path(dir_okay=False),
        help="The settings file (see config.example.toml); ALSBOT_* variables override it.",
    )(command)


def db_option(help_text: str) -> Callable[[F], F]:
    def add(command: F) -> F:
        return click.option(
            "--db", "db_path", default=None, type=click.Path(dir_okay=False), help=help_text
        )(command)

    return add


USE_DB = "Use this SQLite file instead of the config's [database] url."
KEEP_DB = "Keep the data in this SQLite file (default: a throw-away one)."


def _config(path: str | None, db_path: str | None = None) -> Config:
    try:
        config = load_config(path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    return config.with_database(f"sqlite+aiosqlite:///{db_path}") if db_path else config


class LazyGroup(click.Group):
    """Subcommands whose modules are imported only when used, so `alsbot demo` does not
    pay for importing a platform SDK it never touches."""

    lazy = {
        "discord": ("adapters.discord.cli", "discord_cli"),
        "slack": ("adapters.slack.cli", "slack_cli"),
        "teams": ("adapters.teams.cli", "teams_cli"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            import importlib

            module, attribute = self.lazy[name]
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, name)


@click.group(
    cls=LazyGroup,
    help="alsbot keeps Action Learning Sets going on Slack and Discord.\n\n"
    "Every command that reads settings takes --config FILE; every command that touches a "
    "database also takes --db FILE, a SQLite file used instead of [database] url.",
)
@click.version_option(package_name="alsbot")
def main() -> None:
    if not logging.getLogger().handlers:  # as `basicConfig`: leave a host's logging alone
        logs.configure("warning")


@main.command(help="Play a complete scripted session in the console (no tokens needed).")
@db_option(KEEP_DB)
@config_option
def demo(db_path: str | None, config_path: str | None) -> None:
    from adapters.console.session import DEMO_SCRIPT, DEMO_START, console_session

    config = _config(config_path)
    lines = DEMO_SCRIPT.read_text(encoding="utf-8").splitlines()
    files_dir = Path(tempfile.mkdtemp(prefix="alsbot-demo-files-"))
    charts: list[Path] = []

    async def go() -> int:
        async with console_session(
            config, sys.stdout, db_path=db_path, start=DEMO_START, files_dir=files_dir
        ) as runner:
            problems = await runner.run_lines(lines)
            made = [files_dir / name for name, _ in runner.world.files if name.endswith(".png")]
            charts.extend(sorted(made, key=lambda p: "ratings-attendance" not in p.name))
            return problems

    problems = _play(go)
    if problems:
        raise SystemExit(1)
    if charts:
        click.echo(f"\nThe report's chart, made by this demo: {charts[0]}")


@main.command(help="Play a set yourself: type lines like `alice: /als start @bob`.")
@click.option(
    "--script",
    "script_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Replay lines from a file.",
)
@db_option(KEEP_DB)
@config_option
@click.option(
    "--start",
    "start_text",
    default=None,
    help="Start the simulated clock here (ISO 8601, e.g. 2026-01-12T10:00Z); default now.",
)
def console(
    script_file: str | None, db_path: str | None, config_path: str | None, start_text: str | None
) -> None:
    from adapters.console.session import console_session

    config = _config(config_path)
    start = _start(start_text)
    lines = Path(script_file).read_text(encoding="utf-8").splitlines() if script_file else None

    async def go() -> int:
        async with console_session(config, sys.stdout, db_path=db_path, start=start) as runner:
            if lines is not None:
                return await runner.run_lines(lines)
            click.echo("Type lines like `alice: /als start @bob`, `@wait 5m`, or Ctrl-D to quit.")
            number = 0
            while True:
                try:
                    line = await asyncio.to_thread(input, "> ")
                except EOFError:
                    break
                number += 1
                await runner.run_line(line, number)
            return 0

    if _play(go):
        raise SystemExit(1)


def _play(go: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """`demo` and `console`: a `--db` whose folder does not exist is one line, not a
    traceback (the throw-away database's folder always exists)."""
    from bot.store.file_guard import StoreUnavailable

    try:
        return asyncio.run(go())
    except StoreUnavailable as refused:
        _refuse(refused)


def _start(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{raw!r} is not an ISO 8601 time", param_hint="--start") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@main.group(help="Database maintenance.")
def db() -> None:
    pass


@db.command(help="Apply migrations up to the newest schema.")
@config_option
@db_option(USE_DB)
def upgrade(config_path: str | None, db_path: str | None) -> None:
    from adapters.preflight.database import refusing
    from bot.store.db import open_store
    from bot.store.file_guard import StoreUnavailable

    config = _config(config_path, db_path)

    async def go() -> str | None:
        with refusing(config.database.url):
            store = await open_store(config.database.url)
        try:
            return await store.revision()
        finally:
            await store.close()

    try:
        revision = asyncio.run(go())
    except (Refused, StoreUnavailable) as refused:  # no folder, no server, login refused
        _refuse(refused)
    click.echo(f"database is at revision {revision}")


def _checked_config(path: str | None, db_path: str | None = None) -> Config:
    """The settings for `check-config` and `run`: a bad value is a ✗ line and exit 2, as
    every other mistake those two report."""
    try:
        config = load_config(path)
    except ConfigError as exc:
        _refuse(exc)
    return config.with_database(f"sqlite+aiosqlite:///{db_path}") if db_path else config


def _refuse(reason: Exception) -> NoReturn:
    """A known failure (a refusal, a bad setting): its one ✗ line, and exit 2."""
    click.echo(f"✗ {reason}", err=True)
    raise SystemExit(2) from None


def _report(findings: list[Finding]) -> bool:
    """Print each line on stderr; True when one of them stops the start."""
    for finding in findings:
        click.echo(finding.line(), err=True)
    return any(finding.blocking for finding in findings)


@db.command(
    help="Copy the SQLite database to TARGET (a new file), safely while the bot runs. "
    "For PostgreSQL use pg_dump."
)
@click.argument("target", type=click.Path(dir_okay=False))
@config_option
@db_option(USE_DB)
def backup(target: str, config_path: str | None, db_path: str | None) -> None:
    from bot.store.backup import BackupError, backup_sqlite

    config = _config(config_path, db_path)
    try:
        done = backup_sqlite(config.database.url, Path(target))
    except BackupError as error:
        _refuse(error)
    click.echo(f"✓ backed up {done.source} to {done.target} ({done.size:,} bytes)")


@main.command("check-config", help="Check a config file and the environment before running.")
@config_option
@click.option(
    "--online",
    is_flag=True,
    help="Also ask Slack, Discord and the database whether they accept these settings.",
)
def check_config(config_path: str | None, online: bool) -> None:
    from adapters.preflight.offline import offline_findings

    config = _checked_config(config_path)
    findings = offline_findings(config)
    if online:  # with the Slack mode line, and how many workspaces are installed
        from adapters.preflight.online import online_findings

        findings.extend(asyncio.run(online_findings(config, findings)))
    else:
        findings.extend(slack_mode(config))
    if _report([f for f in findings if f.mark != "✓"]):
        raise SystemExit(2)
    for finding in findings:
        if finding.mark == "✓":
            click.echo(finding.line())
    click.echo("✓ configuration looks good")


@main.command(help="Run the bot on the platforms enabled in the config.")
@config_option
@db_option(USE_DB)
def run(config_path: str | None, db_path: str | None) -> None:
    """Known start-up failures (a refused token, a database that cannot be reached, a port
    in use, an intent not switched on) are one ✗ line and exit 2, as `check-config` would
    have said; anything else is logged with its traceback and exits 1."""
    from adapters.preflight.offline import offline_findings

    config = _checked_config(config_path, db_path)
    if _report(offline_findings(config)):
        raise SystemExit(2)
    from adapters.runtime import serve
    from bot.store.file_guard import StoreUnavailable

    logs.configure(config.logging.level, config.logging.format)
    try:
        asyncio.run(serve(config))
    except KeyboardInterrupt:
        pass
    # Refused: a token, a database, a port; StoreUnavailable: read-only, unreadable, or
    # taken by another alsbot.
    except (Refused, StoreUnavailable) as refused:
        _refuse(refused)
    except Exception:
        logging.getLogger("adapters.cli").exception("alsbot stopped: an unexpected failure")
        raise SystemExit(1) from None


@main.group(help="Export data.")
def export() -> None:
    pass


@export.command("dos", help="Export a set's do's: Markdown, CSV, or one self-contained HTML page.")
@click.option(
    "--format", "fmt", type=click.Choice(["md", "csv", "html"]), default="html", show_default=True
)
@click.option("--channel", "channel_key", default=None, help="The set's channel, e.g. slack:T1:C2.")
@click.option(
    "--output", default=None, help="File to write (`-` for stdout); default dos-<date>.<fmt>."
)
@config_option
@db_option(USE_DB)
def export_dos(
    fmt: str,
    channel_key: str | None,
    output: str | None,
    config_path: str | None,
    db_path: str | None,
) -> None:
    from bot.clock import SystemClock
    from bot.dos.toolkit import export_from_url
    from bot.sets.exports import ExportProblem

    config = _config(config_path, db_path)
    try:
        filename, content, count = asyncio.run(
            export_from_url(config.database.url, fmt, channel_key, SystemClock().now())
        )
    except ExportProblem as exc:
        raise click.ClickException(str(exc)) from None
    _write(content, output, filename, counted(count, "do", "do's"))


def _write(content: bytes, output: str | None, filename: str, what: str) -> None:
    """An export to `output` (`-`: stdout, alone, for a pipe), else to its own file name;
    what was written is said on stderr."""
    if output == "-":
        sys.stdout.buffer.write(content)
        return
    Path(output or filename).write_bytes(content)
    click.echo(f"wrote {what} to {output or filename}", err=True)


def _day_option(raw: str | None) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise click.BadParameter(f"{raw!r} is not a date like 2026-09-30") from None


@export.command(
    "report",
    help="Export a set's report for funders: CSV, one self-contained HTML page, or the chart "
    "as PNG. Nobody is named. Default range: the last six sessions.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "html", "png"]), default="html", show_default=True
)
@click.option("--channel", "channel_key", default=None, help="The set's channel, e.g. slack:T1:C2.")
@click.option("--from", "since", default=None, help="First day (YYYY-MM-DD), in the set's zone.")
@click.option("--to", "until", default=None, help="Last day (YYYY-MM-DD), in the set's zone.")
@click.option(
    "--output", default=None, help="File to write (`-` for stdout); default report-<date>.<fmt>."
)
@config_option
@db_option(USE_DB)
def export_report(
    fmt: str,
    channel_key: str | None,
    since: str | None,
    until: str | None,
    output: str | None,
    config_path: str | None,
    db_path: str | None,
) -> None:
    from bot.clock import SystemClock
    from bot.reports.export_file import report_from_url
    from bot.sets.exports import ExportProblem

    config = _config(config_path, db_path)
    first, last = _day_option(since), _day_option(until)
    try:
        filename, content, sessions = asyncio.run(
            report_from_url(
                config.database.url,
                fmt,
                channel_key,
                now=SystemClock().now(),
                since=first,
                until=last,
                default_title=config.defaults.name,
            )
        )
    except ExportProblem as exc:
        raise click.ClickException(str(exc)) from None
    _write(content, output, filename, f"a report of {counted(sessions, 'session')}")


if __name__ == "__main__":  # pragma: no cover
    main()
