"""The bot's own tokens for the Bot Connector API (client secret or managed identity).

`BotTokens` is what the outlet and the listener need: a bearer token for the connector,
fresh enough to use now. The implementations below use MSAL, the library the Teams SDK
itself uses, and MSAL's own token cache (a token is reused until close to its expiry).

- With a client secret, `SecretTokens` holds its own `ConfidentialClientApplication`
  rather than the SDK's `TokenManager`: the SDK builds its client without
  `instance_discovery=False`, so for a login host MSAL does not know (a sovereign cloud
  MSAL has no entry for, or a stand-in) MSAL would first ask login.microsoftonline.com
  whether the host is a Microsoft one, and fail where that is unreachable or says no.
- With no secret, `ManagedTokens` uses the SDK's `TokenManager` with the credentials the
  SDK's own `App` would choose (a user-assigned managed identity directly, or a federated
  identity credential through a managed identity): the SDK owns that protocol (MSAL's
  `ManagedIdentityClient`, the two-step exchange), and its hosts are Microsoft's own.

MSAL is synchronous (requests): every call runs in a worker thread. So `SecretTokens`
hands out the token MSAL last gave it, without asking MSAL, until `REUSE_MARGIN` before its
expiry (MSAL's own margin): every reply the outlet sends needs a token, and asking MSAL for
each — a worker thread, a lock all senders queue on, MSAL's cache search — cost about 0.1 ms
of CPU per reply for the same answer (`bench.teams_event_path`).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from microsoft_teams.api import ManagedIdentityCredentials
from microsoft_teams.api.auth.cloud_environment import CloudEnvironment
from microsoft_teams.api.auth.credentials import FederatedIdentityCredentials
from microsoft_teams.apps.token_manager import TokenManager
from msal import ConfidentialClientApplication  # type: ignore[import-untyped]
from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS  # type: ignore[import-untyped]

from bot.config import Secrets

LOGIN_TIMEOUT = 10.0  # seconds for one request to the login endpoint
# Ask MSAL again once a token has less than this left: MSAL itself logs in again then.
REUSE_MARGIN = 300.0


class BotTokens(Protocol):
    async def bot_token(self) -> str:
        """A bearer token for the connector (`Authorization: Bearer …`), cached until close
        to its expiry; raises `TokenUnavailable` when the login endpoint refuses or fails."""
        ...

    def invalidate(self) -> None:
        """The connector refused the token (401): the next `bot_token` must not be it.
        Called on the event loop, so it never waits."""
        ...


class TokenUnavailable(Exception):
    """The login endpoint refused the bot's credentials or could not be reached."""


def _one_line(text: str, *, hide: str = "") -> str:
    line = (text.strip().splitlines() or [""])[0][:300]
    return line.replace(hide, "***") if hide else line


class SecretTokens:
    """Client credentials (TEAMS_CLIENT_ID + TEAMS_CLIENT_SECRET) against
    `<login_endpoint>/<tenant>`: the bot's own tenant when single-tenant (TEAMS_TENANT_ID),
    else the cloud's multi-tenant login tenant (botframework.com)."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        authority: str,
        scope: str,
        timeout: float = LOGIN_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.authority = authority
        self.scope = scope
        self.timeout = timeout
        self.clock = clock
        self._reuse: tuple[str, float] | None = None  # MSAL's last token, until (clock)
        self._forgotten = 0  # `invalidate` calls: a token asked for before one is not reused
        self._client_id = client_id
        self._secret = client_secret
        self._app: ConfidentialClientApplication | None = None
        self._built_for = 0  # the `_forgotten` count the client was built at
        self._building = threading.Lock()  # the client is built (tenant discovery) once
        self._one = asyncio.Lock()  # one request at a time: others then find it cached

    def _client(self) -> ConfidentialClientApplication:
        with self._building:
            if self._built_for != self._forgotten:  # invalidated since: a new client
                self._app, self._built_for = None, self._forgotten
            if self._app is None:
                host = self.authority.split("://", 1)[-1].split("/", 1)[0]
                # Building it fetches the tenant's OpenID configuration; a failure leaves
                # no client, so the next call tries again.
                self._app = ConfidentialClientApplication(
                    self._client_id,
                    client_credential=self._secret,
                    authority=self.authority,
                    instance_discovery=host.lower() in WELL_KNOWN_AUTHORITY_HOSTS,
                    # MSAL's requests wait forever by default; every sender waits on this.
                    timeout=self.timeout,
                )
            return self._app

    def _acquire(self) -> dict[str, Any]:
        result: dict[str, Any] = self._client().acquire_token_for_client([self.scope])
        return result

    def invalidate(self) -> None:
        """The connector refused a token MSAL still holds as good (revoked, or the app's
        secret rotated): forget it, so the next `bot_token` logs in again."""
        self._reuse = None
        self._forgotten += 1  # the next `_client` (in a worker thread) builds a new one:
        # taking `_building` here, on the event loop, could wait out a login in progress

    async def bot_token(self) -> str:
        reuse = self._reuse
        if reuse is not None and self.clock() < reuse[1]:
            return reuse[0]
        async with self._one:
            asked_at, forgotten = self.clock(), self._forgotten
            try:
                result = await asyncio.to_thread(self._acquire)
            except Exception as e:  # requests' connection/TLS errors, MSAL's ValueError
                reason = _one_line(f"{type(e).__name__}: {e}", hide=self._secret)
                raise TokenUnavailable(f"login at {self.authority} failed: {reason}") from None
        token = result.get("access_token")
        if isinstance(token, str) and token:
            left = result.get("expires_in")  # seconds, from a login or from MSAL's cache
            fresh = forgotten == self._forgotten
            if fresh and isinstance(left, int | float) and left > REUSE_MARGIN:
                self._reuse = (token, asked_at + left - REUSE_MARGIN)
            return token
        error = result.get("error", "no access token")
        description = _one_line(str(result.get("error_description", "")), hide=self._secret)
        raise TokenUnavailable(f"login at {self.authority} refused: {error}: {description}")


class ManagedTokens:
    """A managed identity (no secret), through the SDK's `TokenManager`."""

    def __init__(
        self,
        credentials: ManagedIdentityCredentials | FederatedIdentityCredentials,
        cloud: CloudEnvironment,
    ) -> None:
        self.credentials = credentials
        self.cloud = cloud
        self._manager = TokenManager(credentials, cloud)
        self._one = asyncio.Lock()

    def invalidate(self) -> None:
        """As `SecretTokens.invalidate`: a fresh manager holds no cached token."""
        self._manager = TokenManager(self.credentials, self.cloud)

    async def bot_token(self) -> str:
        async with self._one:
            try:
                token = await self._manager.get_bot_token()
            except Exception as e:
                raise TokenUnavailable(
                    f"managed identity token failed: {_one_line(f'{type(e).__name__}: {e}')}"
                ) from None
        if token is None or not str(token):
            raise TokenUnavailable("managed identity token failed: no token")
        return str(token)


def managed_identity_credentials(
    secrets: Secrets,
) -> ManagedIdentityCredentials | FederatedIdentityCredentials:
    """What the SDK's `App` chooses with a client id and no secret: "system" → a federated
    credential through the system-assigned identity; another identity's client id → a
    federated credential through that user-assigned identity; else the app's own
    user-assigned identity, directly."""
    client_id = secrets.teams_client_id
    tenant = secrets.teams_tenant_id or None
    mi = secrets.teams_managed_identity_client_id
    if mi == "system":
        return FederatedIdentityCredentials(
            client_id=client_id, managed_identity_type="system", tenant_id=tenant
        )
    if mi and mi != client_id:
        return FederatedIdentityCredentials(
            client_id=client_id,
            managed_identity_type="user",
            managed_identity_client_id=mi,
            tenant_id=tenant,
        )
    return ManagedIdentityCredentials(client_id=mi or client_id, tenant_id=tenant)


def bot_tokens(secrets: Secrets, cloud: CloudEnvironment) -> SecretTokens | ManagedTokens:
    """The bot's tokens from TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET (or a managed
    identity), for the cloud from `[teams]` (`cloud.cloud_environment`)."""
    if not secrets.teams_client_id:
        raise ValueError("TEAMS_CLIENT_ID is not set")
    if secrets.teams_client_secret:
        tenant = secrets.teams_tenant_id or cloud.login_tenant
        return SecretTokens(
            client_id=secrets.teams_client_id,
            client_secret=secrets.teams_client_secret,
            authority=f"{cloud.login_endpoint.rstrip('/')}/{tenant}",
            scope=cloud.bot_scope,
        )
    return ManagedTokens(managed_identity_credentials(secrets), cloud)
