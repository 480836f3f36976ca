"""`alsbot run` with `[teams] enabled`: Teams' messaging endpoint on its own listener.

The Bot Framework posts every activity to `POST /api/messages` (behind the operator's HTTPS
proxy, at `[teams] host`/`port`). The pieces are wired here once: the SDK's cloud and the
bot's tokens, the conversation references both sides share, the outlet and the source of
the bot's own posts (attached to the core), and the listener behind the SDK's JWT check.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from adapters.teams.cloud import cloud_environment
from adapters.teams.conversations import Conversations
from adapters.teams.credentials import bot_tokens
from adapters.teams.http_ingress import build_app
from adapters.teams.listener import ConnectorMembers, Listener
from adapters.teams.outlet import TeamsOutlet
from adapters.teams.source import PostTexts, TeamsMessageSource
from adapters.teams.traits import TEAMS_TRAITS
from bot.config import Config
from bot.preflight import Refused, bind_finding

log = logging.getLogger(__name__)
Stop = Callable[[], Awaitable[None]]


class TeamsStartupError(Refused):
    """The Teams listener cannot start; the message says why and holds no secret."""


async def serve_teams(alsbot: Any, config: Config) -> Stop:
    """Attach the outlet and source, open the listener; return the stop function (which
    also carries `port`, the port actually bound — `[teams] port = 0` picks a free one)."""
    section, secrets = config.teams, config.secrets
    cloud = cloud_environment(section)
    tokens = bot_tokens(secrets, cloud)
    conversations = Conversations(alsbot.store)
    posts = PostTexts(alsbot.store, alsbot.clock)
    outlet = TeamsOutlet(conversations, tokens, bot_id=secrets.teams_client_id, posts=posts)
    alsbot.attach(outlet, TeamsMessageSource(posts, conversations), traits=TEAMS_TRAITS)
    members = ConnectorMembers(tokens)
    listener = Listener(
        alsbot,
        conversations,
        secrets.teams_client_id,
        members=members,
        open_form=outlet.open_form,
    )
    runner = web.AppRunner(build_app(listener, section, secrets), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, section.host, section.port)
    try:
        await site.start()
    except OSError as error:  # in use, not allowed, not this machine's address
        await runner.cleanup()
        await members.close()
        await outlet.close()
        found = bind_finding("teams", section.host, section.port, error)
        raise TeamsStartupError(found.problem, found.fix) from None
    server = getattr(site, "_server", None)
    sockets = getattr(server, "sockets", None) or ()
    port = sockets[0].getsockname()[1] if sockets else section.port
    log.info("teams: listening on http://%s:%d/api/messages", section.host, port)

    async def stop() -> None:
        await runner.cleanup()
        await members.close()
        await outlet.close()

    stop.port = port  # type: ignore[attr-defined]  # tests reach the bound port here
    stop.outlet = outlet  # type: ignore[attr-defined]
    return stop
