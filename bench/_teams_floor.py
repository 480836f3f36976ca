"""The floor for the Teams event path: the Teams SDK's `HttpServer` behind alsbot's own
aiohttp adapter (`adapters.teams.http_ingress.TeamsIngress`), with a listener that only
answers 200.

It runs in its own process, like `alsbot run`, validates every token exactly as alsbot
does (the same SDK validator, the same cloud, the same screen before it), so the only
difference from alsbot is the listener: nothing here, versus references, translation, the
inbox commit (and everything the process does after the answer) there.

    python -m bench._teams_floor PORT CLIENT_ID OPENID_METADATA_URL TOKEN_ISSUER
    # prints "ready" when listening; GET /healthz answers 200
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Any

from aiohttp import web

from adapters.teams.cloud import cloud_environment
from adapters.teams.http_ingress import TeamsIngress
from bot.config import TeamsConfig


async def answer_only(activity: dict[str, Any]) -> tuple[int, Any]:
    return 200, None


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def floor_app(client_id: str, metadata_url: str, issuer: str) -> web.Application:
    section = TeamsConfig(enabled=True, openid_metadata_url=metadata_url, token_issuer=issuer)
    ingress = TeamsIngress(answer_only, client_id=client_id, cloud=cloud_environment(section))
    ingress.app.router.add_get("/healthz", healthz)
    return ingress.app


async def serve(port: int, client_id: str, metadata_url: str, issuer: str) -> None:
    runner = web.AppRunner(floor_app(client_id, metadata_url, issuer), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(serve(int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]))
