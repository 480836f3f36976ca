"""Discord's refusals at start, as one line each, and the same questions asked beforehand.

`alsbot run` meets a refused token as discord.py's `LoginFailure` (a 401 on
`GET /users/@me`) and an intent not switched on in the portal as
`PrivilegedIntentsRequired` (gateway close code 4014); `discord_refusal` turns those into
the line `check-config --online` prints for the same mistake, where `check_discord` asks
the REST API directly: `GET /users/@me` for the token, `GET /applications/@me` for the
application's flags (is the Message Content intent switched on?), with the configured
`[discord] api_base_url`.
"""

from __future__ import annotations

import aiohttp
import discord

from adapters.discord.transport import DISCORD_API, normalise_api_base
from bot.preflight import DISCORD_TOKEN_HOME, Finding, Refused, passed, warn

# `GET /applications/@me` flags: the Message Content intent, switched on in the portal
# (the LIMITED one is for unverified bots under 100 servers; either is enough).
GATEWAY_MESSAGE_CONTENT = 1 << 18
GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19
INTENT_HOME = "Developer Portal → Bot → Privileged Gateway Intents → Message Content Intent"
WITHOUT_INTENT = (
    "running without the Message Content intent ([discord] message_content = false): "
    "rounds through buttons and forms, do's through “Save as do”"
)
ASK_WITHIN = 15.0  # seconds for each question `check-config --online` asks


def token_refused(status: str) -> Refused:
    return Refused(
        f"Discord refused DISCORD_BOT_TOKEN ({status})",
        f"make a new one ({DISCORD_TOKEN_HOME}) and set DISCORD_BOT_TOKEN to it",
    )


def unreachable(base: str, error: BaseException) -> Refused:
    reason = str(error).strip() or type(error).__name__
    return Refused(
        f"cannot reach Discord at {base} ({reason})",
        "check the network (a proxy?) and [discord] api_base_url",
    )


def discord_refusal(error: BaseException, api_base_url: str = "") -> Refused | None:
    """The one line for a failure Discord's answer explains, else None."""
    if isinstance(error, discord.LoginFailure):
        return token_refused("401 Unauthorized")
    if isinstance(error, discord.PrivilegedIntentsRequired):
        return Refused(
            "Discord closed the gateway: a privileged intent is not switched on (4014)",
            f"switch on {INTENT_HOME}",
        )
    if isinstance(error, (aiohttp.ClientConnectionError, OSError)):
        return unreachable(normalise_api_base(api_base_url) or DISCORD_API, error)
    return None


async def check_discord(token: str, api_base_url: str, *, wanted: bool = True) -> list[Finding]:
    """`check-config --online`: is the token accepted, is the intent switched on? With
    `wanted` false (`[discord] message_content = false`) the intent is not asked for, so
    its being off is no warning."""
    base = normalise_api_base(api_base_url) or DISCORD_API
    headers = {"Authorization": f"Bot {token}", "User-Agent": "DiscordBot (alsbot, check-config)"}
    timeout = aiohttp.ClientTimeout(total=ASK_WITHIN)
    try:
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as http:
            async with http.get(f"{base}/users/@me") as answer:
                if answer.status == 401:
                    return [token_refused("401 Unauthorized on GET /users/@me").finding]
                if answer.status >= 400:
                    return [_answered(answer.status, "/users/@me")]
                me = await answer.json()
            async with http.get(f"{base}/applications/@me") as answer:
                if answer.status >= 400:
                    return [_answered(answer.status, "/applications/@me")]
                application = await answer.json()
    except (aiohttp.ClientError, OSError) as error:  # TimeoutError is an OSError
        return [unreachable(base, error).finding]
    out = [passed(f"Discord accepts DISCORD_BOT_TOKEN (bot {me.get('username', '?')})")]
    flags = int(application.get("flags") or 0)
    if not wanted:
        out.append(passed(WITHOUT_INTENT))
    elif not flags & (GATEWAY_MESSAGE_CONTENT | GATEWAY_MESSAGE_CONTENT_LIMITED):
        out.append(
            warn(
                "the Message Content intent is off for this Discord application: alsbot "
                "cannot read thread messages or collect do's",
                f"switch on {INTENT_HOME}",
            )
        )
    return out


def _answered(status: int, path: str) -> Finding:
    return Finding(
        f"Discord answered {status} to GET {path}",
        "check [discord] api_base_url, and Discord's status page",
    )
