"""The bot's own tokens for the Bot Connector API (client secret or managed identity).

`BotTokens` is what the outlet and the listener need: a bearer token for the connector,
fresh enough to use now. The implementation (MSAL, as the Teams SDK itself uses it) is
below it.
"""

from __future__ import annotations

from typing import Protocol


class BotTokens(Protocol):
    async def bot_token(self) -> str:
        """A bearer token for the connector (`Authorization: Bearer …`), cached until close
        to its expiry; raises `TokenUnavailable` when the login endpoint refuses or fails."""
        ...


class TokenUnavailable(Exception):
    """The login endpoint refused the bot's credentials or could not be reached."""
