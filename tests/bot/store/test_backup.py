"""`alsbot db backup` copies what a running bot has committed, WAL included.

The bot's database is in WAL mode: a commit lands in `alsbot.db-wal` and reaches
`alsbot.db` only at a checkpoint. The test holds rows in the WAL (a writer with automatic
checkpoints off, still connected, as a running bot is) and shows once that copying
`alsbot.db` alone loses them, then that the backup has them and opens as a database.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.cli import main
from bot.store.backup import BackupError, backup_sqlite
from bot.store.db import open_store

ROWS = 25


def migrated(path: Path) -> str:
    url = f"sqlite+aiosqlite:///{path}"

    async def go() -> None:
        store = await open_store(url)
        await store.close()

    asyncio.run(go())
    return url


def count(path: Path) -> int:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return int(conn.execute("SELECT count(*) FROM inbox").fetchone()[0])


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A migrated alsbot.db with `ROWS` committed inbox rows that are only in the WAL."""
    database = tmp_path / "alsbot.db"
    url = migrated(database)
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    for n in range(ROWS):
        writer.execute(
            "INSERT INTO inbox (key, body, status, received_at, attempts) "
            "VALUES (?, '{}', 'done', '2030-01-01 00:00:00', 0)",
            (f"slack:event:Ev{n}",),
        )
    try:
        yield database, url
    finally:
        writer.close()


def test_copying_the_database_file_alone_misses_the_rows_still_in_the_wal(
    live: tuple[Path, str], tmp_path: Path
) -> None:
    database, _url = live
    assert Path(f"{database}-wal").stat().st_size > 0
    copied = tmp_path / "copied.db"
    shutil.copyfile(database, copied)
    assert count(database) == ROWS
    assert count(copied) == 0, "the rows are in alsbot.db-wal, which a plain copy leaves behind"


def test_a_backup_of_a_running_database_has_every_committed_row(
    live: tuple[Path, str], tmp_path: Path
) -> None:
    _database, url = live
    target = tmp_path / "backups" / "alsbot-2030-01-01.db"
    target.parent.mkdir()
    done = backup_sqlite(url, target)
    assert done.target == target and done.size == target.stat().st_size
    assert count(target) == ROWS
    assert not Path(f"{target}-wal").exists(), "a self-contained file"
    assert [p.name for p in target.parent.iterdir()] == [target.name], "no partial file left"


def test_the_command_backs_up_and_the_backup_opens_as_alsbot_s_database(
    live: tuple[Path, str], tmp_path: Path
) -> None:
    database, _url = live
    target = tmp_path / "backup.db"
    result = CliRunner().invoke(main, ["db", "backup", str(target), "--db", str(database)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"✓ backed up {database} to {target}")
    restored = CliRunner().invoke(main, ["db", "upgrade", "--db", str(target)])
    assert restored.exit_code == 0 and "database is at revision 0010" in restored.output
    assert count(target) == ROWS


def test_a_backup_never_overwrites_a_file(live: tuple[Path, str], tmp_path: Path) -> None:
    _database, url = live
    target = tmp_path / "backup.db"
    target.write_text("yesterday's backup", encoding="utf-8")
    with pytest.raises(BackupError, match="already exists"):
        backup_sqlite(url, target)
    assert target.read_text(encoding="utf-8") == "yesterday's backup"


def test_a_stopped_database_backs_up_too(tmp_path: Path) -> None:
    database = tmp_path / "alsbot.db"
    url = migrated(database)
    assert not Path(f"{database}-wal").exists()
    backup_sqlite(url, tmp_path / "backup.db")
    assert count(tmp_path / "backup.db") == 0
    assert not Path(f"{database}-shm").exists(), (
        "no -shm left behind (owned by whoever ran the backup)"
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql+asyncpg://alsbot:s3cret@db/alsbot", "pg_dump"),
        ("sqlite+aiosqlite:///{tmp}/missing.db", "there is no database at"),
        ("sqlite+aiosqlite:///:memory:", "in memory"),
    ],
)
def test_what_cannot_be_backed_up_is_one_line(url: str, says: str, tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ALSBOT_DATABASE_URL", url.format(tmp=tmp_path))
        result = CliRunner().invoke(main, ["db", "backup", str(tmp_path / "b.db")])
    assert result.exit_code == 2
    assert result.output.startswith("✗ ") and says in result.output
    assert len(result.output.splitlines()) == 1
    assert "s3cret" not in result.output
    assert not (tmp_path / "missing.db").exists(), "a backup never creates the database"
