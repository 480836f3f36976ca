"""The same-work floor for the Slack event path: alsbot's work for a ✅, and nothing else.

The empty-listener floor (`bench._slack_floor`) only acknowledges, so alsbot can never
come near it: alsbot also commits every event before answering, fetches the message,
saves the do and confirms it.  This program does exactly that work the leanest way we
know — plain aiohttp, slack_sdk's signature check and Web API client, one SQLite
connection with alsbot's pragmas, group commits — so the gap between it and alsbot is
what alsbot's framework and generality cost, not the work itself.

- POST /slack/events: verify, append to a queue; one flusher writes the whole queue with
  one `INSERT OR IGNORE` and one COMMIT, and each request is answered only after the
  commit holding its event (acknowledged ⇒ durable, as in alsbot).
- The worker takes committed inbox rows in order, fetches each message
  (`conversations.history`, latest = oldest = ts, inclusive, limit 1) with bounded
  concurrency, and a saver commits the ready do's together with their rows' done marks.
- With `--confirm`, each saved do is confirmed by `chat.postEphemeral` to the reactor,
  concurrently.

    python -m bench._slack_same_work_floor PORT SECRET API_BASE_URL DB_PATH [--confirm]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import time
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending');
CREATE TABLE IF NOT EXISTS dos (id INTEGER PRIMARY KEY, channel TEXT NOT NULL,
    ts TEXT NOT NULL, text TEXT NOT NULL, reactor TEXT NOT NULL, created_at REAL NOT NULL);
"""
FETCHING = 64  # conversations.history calls in flight at most
Row = tuple[int, str]


PRAGMAS = ("journal_mode=WAL", "busy_timeout=15000", "synchronous=NORMAL")


def open_db(path: str) -> sqlite3.Connection:
    """alsbot's settings (`bot.store.db`): WAL, synchronous=NORMAL, and the checkpoints
    in a thread (`checkpoints`), SQLite's own inline one only as a backstop."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in (*PRAGMAS, "wal_autocheckpoint=20000"):
        conn.execute(f"PRAGMA {pragma}")
    conn.executescript(SCHEMA)
    return conn


async def checkpoints(path: str) -> None:
    """A PASSIVE checkpoint every 0.25 s off the loop, as alsbot does after its commits."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    while True:  # the connection goes with the process
        await asyncio.sleep(0.25)
        await asyncio.to_thread(conn.execute, "PRAGMA wal_checkpoint(PASSIVE)")


class SameWork:
    def __init__(self, db: sqlite3.Connection, secret: str, client: AsyncWebClient) -> None:
        self.db = db
        self.verifier = SignatureVerifier(secret)
        self.client = client
        self.confirm = False
        self.queue: list[tuple[str, str, asyncio.Future[None]]] = []
        self.queued = asyncio.Event()
        self.committed = asyncio.Event()  # new inbox rows for the worker
        self.ready: list[tuple[int, tuple[str, str, str, str] | None]] = []
        self.prepared = asyncio.Event()
        self.fetching = asyncio.Semaphore(FETCHING)
        self.tasks: set[asyncio.Task[Any]] = set()

    async def events(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not self.verifier.is_valid_request(body, dict(request.headers)):
            return web.Response(status=401)
        payload = json.loads(body)
        if payload.get("type") == "url_verification":
            return web.json_response({"challenge": payload.get("challenge")})
        event = payload.get("event") or {}
        if payload.get("type") != "event_callback" or event.get("type") != "reaction_added":
            return web.Response()
        done = asyncio.get_running_loop().create_future()
        self.queue.append((f"slack:event:{payload['event_id']}", body.decode(), done))
        self.queued.set()
        await done
        return web.Response()

    async def flusher(self) -> None:
        """Group commit: everything queued while the last commit ran goes in the next."""
        while True:
            await self.queued.wait()
            self.queued.clear()
            batch, self.queue = self.queue, []
            try:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany(
                    "INSERT OR IGNORE INTO inbox (key, body) VALUES (?, ?)",
                    [(key, body) for key, body, _ in batch],
                )
                self.db.execute("COMMIT")
            except sqlite3.Error as error:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                for *_, done in batch:
                    if not done.done():  # a client that gave up cancelled its future
                        done.set_exception(error)
                continue
            for *_, done in batch:
                if not done.done():
                    done.set_result(None)
            self.committed.set()

    async def worker(self) -> None:
        """Takes committed pending rows in id order and starts their message fetches."""
        last = 0
        while True:
            await self.committed.wait()
            self.committed.clear()
            rows: list[Row] = self.db.execute(
                "SELECT id, body FROM inbox WHERE id > ? AND status = 'pending' ORDER BY id",
                (last,),
            ).fetchall()
            for row in rows:
                last = row[0]
                await self.fetching.acquire()
                self._spawn(self.prepare(row))

    async def prepare(self, row: Row) -> None:
        try:
            event = json.loads(row[1])["event"]
            channel, ts = event["item"]["channel"], event["item"]["ts"]
            if event.get("reaction") != "white_check_mark":
                self.ready.append((row[0], None))
                return
            answer = await self.client.conversations_history(
                channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
            )
            messages = answer.get("messages") or []
            text = messages[0].get("text", "") if messages else ""
            self.ready.append((row[0], (channel, ts, text, event["user"]) if text else None))
        except Exception as error:  # noqa: BLE001 - the floor marks the row done either way
            print(f"event {row[0]} failed: {error!r}", flush=True)
            self.ready.append((row[0], None))
        finally:
            self.fetching.release()
            self.prepared.set()

    async def saver(self) -> None:
        """Commits every ready do with its inbox rows' done marks: one transaction."""
        while True:
            await self.prepared.wait()
            self.prepared.clear()
            batch, self.ready = self.ready, []
            if not batch:
                continue
            now = time.time()
            dos = [(*do, now) for _, do in batch if do is not None]
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "INSERT INTO dos (channel, ts, text, reactor, created_at) VALUES (?, ?, ?, ?, ?)",
                dos,
            )
            self.db.executemany(
                "UPDATE inbox SET status = 'done' WHERE id = ?", [(i,) for i, _ in batch]
            )
            self.db.execute("COMMIT")
            if self.confirm:
                for channel, ts, _, reactor, _ in dos:
                    self._spawn(self.confirmed(channel, ts, reactor))

    async def confirmed(self, channel: str, ts: str, reactor: str) -> None:
        try:
            await self.client.chat_postEphemeral(
                channel=channel, user=reactor, text=f"Saved as a do (message {ts})."
            )
        except Exception as error:  # noqa: BLE001 - a lost confirmation shows in the counts
            print(f"confirmation failed: {error!r}", flush=True)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


async def healthz(_: web.Request) -> web.Response:
    return web.Response(text="ok")


async def serve(args: argparse.Namespace) -> None:
    db = open_db(args.db_path)
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
    base = args.api_base_url if args.api_base_url.endswith("/") else args.api_base_url + "/"
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=base, session=session)
    work = SameWork(db, args.secret, client)
    work.confirm = args.confirm
    app = web.Application()
    app.router.add_post("/slack/events", work.events)
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    loops = [asyncio.create_task(f()) for f in (work.flusher, work.worker, work.saver)]
    loops.append(asyncio.create_task(checkpoints(args.db_path)))
    work.committed.set()  # rows left pending by an earlier run
    print("ready", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()
    for task in loops:
        task.cancel()
    await session.close()
    db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("port", type=int)
    parser.add_argument("secret")
    parser.add_argument("api_base_url")
    parser.add_argument("db_path")
    parser.add_argument("--confirm", action="store_true", help="chat.postEphemeral per do")
    asyncio.run(serve(parser.parse_args()))
