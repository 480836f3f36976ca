"""The same-work floor for the Discord event path: what a ✅ costs done leanly.

`bench._discord_floor` measures discord.py delivering a dispatch to an empty listener; that
is a floor no bot that *does* anything can reach.  This one does alsbot's work for a ✅ and
nothing else, so alsbot ÷ it says what alsbot's structure costs, not what the work costs:

- the listener appends the reaction to a group-committed SQLite inbox (WAL,
  synchronous=NORMAL, as `bot.store.db`; sqlite3 inline on the loop, as
  `bot.store.loop_sqlite`): one `executemany` INSERT OR IGNORE and one COMMIT for all the
  reactions that arrived while the loop was busy;
- a worker reads the committed rows back (the inbox, not memory, is what it works from, as
  after a crash), makes one REST fetch of each ✅'s message (16 REST calls at once, DMs
  included, as `bot.preparing.CONCURRENCY`), and commits each batch of `dos` rows
  together with the inbox rows' `done` marks;
- with `--confirm`, one DM to the reactor per do (alsbot's confirmation), after its commit.

The inbox uses alsbot's columns (`id`, `key` ending `:<session>:<seq>`, `received_at`,
`status`), so the benchmark's `InboxWatch` reads it as it reads alsbot's, and it polls
`SELECT count(*) FROM dos` read-only in the same way.

    python -m bench._discord_same_work_floor API_BASE_URL GATEWAY_URL DB [--confirm]
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord

from adapters.discord.client import default_intents
from adapters.discord.transport import Endpoints, replace_http

DO_EMOJI = "✅"
CONCURRENCY = 16
SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, body TEXT NOT NULL,
    status TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (status, id);
CREATE TABLE IF NOT EXISTS dos (
    id INTEGER PRIMARY KEY AUTOINCREMENT, message_key TEXT NOT NULL UNIQUE,
    author_id TEXT, text TEXT NOT NULL, reactor_id TEXT NOT NULL, saved_at TEXT NOT NULL);
"""


def _now() -> str:
    """Naive UTC text, like alsbot's `received_at` (what `InboxWatch` parses)."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")


class SameWorkClient(discord.Client):
    def __init__(self, endpoints: Endpoints, db_path: Path, confirm: bool) -> None:
        super().__init__(intents=default_intents())
        replace_http(self, endpoints)
        self.db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "busy_timeout=15000", "synchronous=NORMAL"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.executescript(SCHEMA)
        self.confirm = confirm
        self.arrived: list[tuple[str, str, str, str]] = []  # key, body, status, received_at
        self.saved: list[tuple[int, tuple[str, str | None, str, str, str] | None]] = []
        self.todo: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
        self.stamps: dict[int, str] = {}
        self.flush_soon = False
        self.last_read = 0
        self.calls = asyncio.Semaphore(CONCURRENCY)  # REST calls at once, fetches and DMs
        self.tasks: set[asyncio.Task[None]] = set()  # held, so none is collected mid-run

    async def setup_hook(self) -> None:
        for _ in range(CONCURRENCY):
            self._spawn(self._fetcher())
        self._read_inbox()  # whatever a previous run left pending

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        """The gateway session and sequence, taken as alsbot takes them (right after the
        parser), so each reaction has the inbox key alsbot would give it."""
        if event == "raw_reaction_add" and args:
            ws = self.ws
            self.stamps[id(args[0])] = f"{ws.session_id}:{ws.sequence}"
        super().dispatch(event, *args, **kwargs)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        stamp = self.stamps.pop(id(payload), "-:-")
        emoji = payload.emoji.name or ""
        body = {
            "channel_id": payload.channel_id,
            "message_id": payload.message_id,
            "user_id": payload.user_id,
            "emoji": emoji,
        }
        key = f"discord:reaction:{payload.guild_id}:{payload.channel_id}:{payload.message_id}:{payload.user_id}:{emoji}:add:{stamp}"
        self.arrived.append((key, json.dumps(body), "pending", _now()))
        self._soon()

    def _soon(self) -> None:
        """One flush after what is ready on the loop now: that is the group commit."""
        if not self.flush_soon:
            self.flush_soon = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self.flush_soon = False
        if self.arrived:
            batch, self.arrived = self.arrived, []
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "INSERT OR IGNORE INTO inbox (key, body, status, received_at) VALUES (?,?,?,?)",
                batch,
            )
            self.db.execute("COMMIT")
            self._read_inbox()
        if self.saved:
            done, self.saved = self.saved, []
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "INSERT OR IGNORE INTO dos (message_key, author_id, text, reactor_id, saved_at)"
                " VALUES (?,?,?,?,?)",
                [row for _, row in done if row is not None],
            )
            self.db.executemany(
                "UPDATE inbox SET status = 'done' WHERE id = ?", [(i,) for i, _ in done]
            )
            self.db.execute("COMMIT")
            if self.confirm:
                for _, row in done:
                    if row is not None:
                        self._spawn(self._confirm(int(row[3])))

    def _read_inbox(self) -> None:
        """The worker's side: committed rows, read back from the file."""
        rows = self.db.execute(
            "SELECT id, body FROM inbox WHERE status = 'pending' AND id > ? ORDER BY id",
            (self.last_read,),
        ).fetchall()
        for row_id, body in rows:
            self.last_read = row_id
            self.todo.put_nowait((row_id, json.loads(body)))

    async def _fetcher(self) -> None:
        while True:
            row_id, event = await self.todo.get()
            row: tuple[str, str | None, str, str, str] | None = None
            if event["emoji"] == DO_EMOJI:
                try:
                    async with self.calls:
                        data = await self.http.get_message(event["channel_id"], event["message_id"])
                except discord.HTTPException:
                    data = None
                if data is not None:
                    author = str(data["author"]["id"]) if data.get("author") else None
                    key = f"{event['channel_id']}:{event['message_id']}"
                    row = (key, author, data.get("content") or "", str(event["user_id"]), _now())
            self.saved.append((row_id, row))
            self._soon()

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _confirm(self, user_id: int) -> None:
        async with self.calls:
            dm = await self.create_dm(discord.Object(id=user_id))
            await dm.send("Saved as a do.")


async def serve(api: str, gateway: str, db: Path, confirm: bool) -> None:
    client = SameWorkClient(Endpoints.from_config(api, gateway), db, confirm)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    task = asyncio.create_task(client.start(os.environ["DISCORD_BOT_TOKEN"]))
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait({task, waiter}, return_when="FIRST_COMPLETED")
    await client.close()
    client.db.close()
    if task.done():
        task.result()


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(serve(sys.argv[1], sys.argv[2], Path(sys.argv[3]), "--confirm" in sys.argv[4:]))
