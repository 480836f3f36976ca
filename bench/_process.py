"""Servers under test as real processes: `alsbot run` and the floors, started and stopped.

An event-path figure means something only if the server is what an operator runs — its
own process, its own event loop, its own start-up — while this process plays the
platform.  Output goes to a file, never a pipe nobody reads (a full pipe would stall the
server and the benchmark would measure that).
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import aiohttp

from testkit.eventually import eventually
from testkit.worlds.live import answers_ok

START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any ALSBOT_/SLACK_/DISCORD_/TEAMS_ settings of the caller's."""
    prefixes = ("ALSBOT_", "SLACK_", "DISCORD_", "TEAMS_")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(prefixes)}, **extra}


COUNTING = "bench._sql_counting"  # runs alsbot, counting its SQL


def alsbot_run(
    config: Path, *, env: dict[str, str], log_path: Path, server_prefix: str, count_sql: bool
) -> Server:
    """`alsbot run --config F` as the event-path benches start it: after `server_prefix`
    (e.g. `-m cProfile -o x.prof`) when given, under `bench._sql_counting` unless not."""
    prefix = shlex.split(server_prefix) if server_prefix else []
    module = ["-m", COUNTING, "adapters.cli"] if count_sql else ["-m", "adapters.cli"]
    return Server([*prefix, *module, "run", "--config", str(config)], env=env, log_path=log_path)


class Server:
    """One child process; `python -m …` with this interpreter, output to `log_path`."""

    def __init__(self, args: Sequence[str], *, env: dict[str, str], log_path: Path) -> None:
        self.args = [sys.executable, *args]
        self.env = env
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, cwd: Path) -> None:
        log = self.log_path.open("ab")  # noqa: ASYNC230 - a local file, opened once
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.args,
                env=self.env,
                cwd=str(cwd),
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL,
            )
        finally:
            log.close()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU the process has used so far (Linux /proc), 0.0 if unknown."""
        try:
            with open(f"/proc/{self.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, AssertionError):
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def runqueue_seconds(self) -> float:
        """How long the server's main thread was ready but waiting for a CPU (Linux
        schedstat), 0.0 if unknown: on a shared machine this is the noise in its latency."""
        try:
            with open(f"/proc/{self.pid}/schedstat", encoding="ascii") as stat:
                return int(stat.read().split()[1]) / 1e9
        except (OSError, AssertionError, IndexError, ValueError):
            return 0.0

    def output(self, tail: int = 3000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-tail:]
        except OSError:
            return ""

    async def wait_http(self, url: str) -> None:
        """Poll `url` until it answers 200, the process dies, or START_TIMEOUT passes."""
        process = self.process
        assert process is not None
        async with aiohttp.ClientSession() as session:

            async def up() -> bool:
                if process.returncode is not None:
                    raise RuntimeError(f"server exited early:\n{self.output()}")
                return await answers_ok(session, url)

            await eventually(
                up,
                within=START_TIMEOUT,
                every=0.05,
                what=lambda: f"{url} answering:\n{self.output()}\n",
            )

    async def stop(self) -> int | None:
        """SIGTERM (a graceful stop, which also lets a profiler write its file)."""
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()

    async def kill9(self) -> None:
        """SIGKILL: the crash the inbox must survive."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


class ReadOnlyDb:
    """The server's SQLite file, read-only from the benchmark (never takes the writer)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def scalar(self, sql: str, *args: object) -> int:
        row = self.conn.execute(sql, args).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def has_key(self, key: str) -> bool:
        return self.conn.execute("SELECT 1 FROM inbox WHERE key = ?", (key,)).fetchone() is not None

    def missing(self, keys: Sequence[str]) -> list[str]:
        return [k for k in keys if not self.has_key(k)]

    def close(self) -> None:
        self.conn.close()


class Cpu:
    """CPU used by the server and by this process (client and stand-in) since creation."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.server_start = server.cpu_seconds()
        self.waited_start = server.runqueue_seconds()
        self.own_start = time.process_time()
        self.wall_start = time.perf_counter()

    def per_event(self, events: int, prefix: str = "") -> dict[str, float]:
        server = self.server.cpu_seconds() - self.server_start
        waited = self.server.runqueue_seconds() - self.waited_start
        own = time.process_time() - self.own_start
        wall = max(time.perf_counter() - self.wall_start, 1e-9)
        return {
            f"{prefix}server_cpu_ms_per_event": round(server * 1000 / events, 3),
            f"{prefix}bench_cpu_ms_per_event": round(own * 1000 / events, 3),
            f"{prefix}server_runqueue_ms_per_s": round(waited * 1000 / wall, 1),
        }
