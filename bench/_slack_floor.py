"""The floor for the Slack event path: a Bolt `AsyncApp` whose listener only acknowledges.

It runs in its own process, like `alsbot run`, behind the same aiohttp server adapter
(`adapters.slack.server.SlackHttpServer`), with the same signature check and
`process_before_response=True`, so the only difference from alsbot is what the listener
does: nothing here, versus translating and committing the event to the inbox there.

    python -m bench._slack_floor PORT SIGNING_SECRET     # prints "ready" when listening
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult

from adapters.slack.server import SlackHttpServer


def empty_app(signing_secret: str) -> AsyncApp:
    async def authorize(**_: Any) -> AuthorizeResult:
        # alsbot authorises from the auth.test it made at start; so does the floor.
        return AuthorizeResult(
            enterprise_id=None,
            team_id="T0TEST",
            bot_user_id="UBOT",
            bot_id="BBOT",
            bot_token="xoxb-test-token",
        )

    app = AsyncApp(
        name="floor",
        signing_secret=signing_secret,
        authorize=authorize,
        process_before_response=True,
        request_verification_enabled=True,
        logger=logging.getLogger("bench.floor"),
    )

    async def on_reaction(ack: Any) -> None:
        await ack()

    app.event("reaction_added")(on_reaction)
    return app


async def serve(port: int, secret: str) -> None:
    server = SlackHttpServer(empty_app(secret), signing_secret=secret)
    await server.start("127.0.0.1", port)
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(serve(int(sys.argv[1]), sys.argv[2]))
