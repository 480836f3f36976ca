"""A Microsoft Entra login endpoint for the bot's own tokens, on loopback over HTTPS.

MSAL refuses an authority that is not https, so this one has a certificate from a
`trustme` CA (`ca_path`: give it to `REQUESTS_CA_BUNDLE`, as a deployment names its own
CA). It answers tenant discovery (`/{tenant}/v2.0/.well-known/openid-configuration`) and
the client-credentials grant (`POST /{tenant}/oauth2/v2.0/token`) with Entra's shapes and
AADSTS errors, counts every token request (`token_requests`), and can refuse (`refuse`) or
hang (`hold`). Beside it, on plain http as Azure App Service serves it, a managed
identity endpoint (`identity_endpoint` with `identity_header`: IDENTITY_ENDPOINT and
IDENTITY_HEADER for MSAL's managed identity client).

Every token it issues is a JWT signed by its own key, and it remembers them: the connector
accepts exactly those (`valid`), until they expire on `clock`.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme
from aiohttp import web

from testkit.teams.tokens import SigningKey, entra_app_token

INVALID_SECRET = (
    "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
    "request is the client secret value, not the client secret ID."
)


@dataclass
class TokenRequest:
    tenant: str
    form: dict[str, str]  # as posted (the client secret included: test data)
    at: float
    status: int


async def serve(
    app: web.Application, ssl_context: ssl.SSLContext | None = None
) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    return runner, int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]


class EntraLogin:
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        tenant_id: str,
        bot_scope: str,
        token_expires_in: int = 3599,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.tenant_id = tenant_id
        self.bot_scope = bot_scope
        self.token_expires_in = token_expires_in
        self.clock = clock
        self.key = SigningKey.generate()  # signs the tokens it issues
        self.ca = trustme.CA()
        self.ca_path = ""
        self.port = 0
        self.identity_port = 0
        self.token_requests: list[TokenRequest] = []
        self.refusals: int | None = 0  # None: refuse every token request
        self.refusal: tuple[str, str] = ("invalid_client", INVALID_SECRET)
        self.gate: asyncio.Event | None = None  # `hold`
        # The managed identity endpoint: the identity it gives tokens for, its requests.
        self.identity_header = uuid.uuid4().hex
        self.managed_identity_client_id = client_id
        self.identity_requests: list[dict[str, str]] = []
        self._issued: dict[str, float] = {}  # access token → when it expires
        self._runners: list[web.AppRunner] = []

    async def start(self, directory: Path) -> None:
        self.ca_path = str(directory / "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_path)
        login = web.Application()
        login.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._discovery)
        login.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        runner, self.port = await serve(login, context)
        self._runners.append(runner)
        identity = web.Application()
        identity.router.add_get("/msi/token", self._managed_identity_token)
        runner, self.identity_port = await serve(identity)
        self._runners.append(runner)

    async def close(self) -> None:
        self.release()
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()

    @property
    def endpoint(self) -> str:
        """`[teams] login_endpoint`."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def identity_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.identity_port}/msi/token"

    # ------------------------------------------------------------------ steering

    def refuse(
        self,
        count: int | None = None,
        *,
        error: str = "invalid_client",
        description: str = INVALID_SECRET,
    ) -> None:
        """Refuse the next `count` token requests (None: every one until `refuse(0)`)."""
        self.refusals = count
        self.refusal = (error, description)

    def hold(self) -> None:
        """Answer no token request until `release` (a hung login endpoint)."""
        self.gate = asyncio.Event()

    def release(self) -> None:
        if self.gate is not None:
            self.gate.set()
            self.gate = None

    def issue(self, *, expires_in: int | None = None, tenant: str | None = None) -> str:
        """An access token for the bot, as Entra issues one."""
        token, exp = entra_app_token(
            self.key,
            now=self.clock(),
            tenant=tenant or self.tenant_id,
            client_id=self.client_id,
            audience=self.bot_scope.removesuffix("/.default"),
            expires_in=self.token_expires_in if expires_in is None else expires_in,
        )
        self._issued[token] = exp
        return token

    def valid(self, token: str) -> bool:
        exp = self._issued.get(token)
        return exp is not None and exp > self.clock()

    def revoke(self) -> None:
        self._issued.clear()

    # ------------------------------------------------------------------ the endpoints

    async def _discovery(self, request: web.Request) -> web.Response:
        base = f"{self.endpoint}/{request.match_info['tenant']}"
        return web.json_response(
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{base}/v2.0",
                "request_uri_parameter_supported": False,
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
                "tenant_region_scope": "NA",
                "cloud_instance_name": "microsoftonline.com",
            }
        )

    def _refused(self, tenant: str, form: dict[str, str]) -> tuple[int, str, str] | None:
        scopes = form.get("scope", "").split()
        if self.refusals is None or self.refusals > 0:
            if self.refusals is not None:
                self.refusals -= 1
            return (401, *self.refusal)
        if form.get("grant_type") != "client_credentials":
            return (
                400,
                "unsupported_grant_type",
                "AADSTS70003: The app requested an unsupported grant type.",
            )
        if form.get("client_id") != self.client_id:
            return (
                400,
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not "
                f"found in the directory '{tenant}'.",
            )
        if form.get("client_secret") != self.client_secret:
            return 401, "invalid_client", INVALID_SECRET
        if self.bot_scope not in scopes:
            return (
                400,
                "invalid_scope",
                f"AADSTS1002012: The provided value for scope {' '.join(scopes)} is not valid.",
            )
        return None

    async def _token(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        if self.gate is not None:
            await self.gate.wait()
        form = {k: str(v) for k, v in (await request.post()).items()}
        refused = self._refused(tenant, form)
        self.token_requests.append(
            TokenRequest(tenant, form, self.clock(), refused[0] if refused else 200)
        )
        if refused is not None:
            status, code, description = refused
            return web.json_response(
                {
                    "error": code,
                    "error_description": description,
                    "error_codes": [int(re.sub(r"\D", "", description.split(":")[0]) or 0)],
                    "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
                    "trace_id": str(uuid.uuid4()),
                    "correlation_id": str(uuid.uuid4()),
                },
                status=status,
            )
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": self.token_expires_in,
                "ext_expires_in": self.token_expires_in,
                "access_token": self.issue(tenant=tenant),
            }
        )

    async def _managed_identity_token(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.identity_requests.append(query)
        if request.headers.get("X-IDENTITY-HEADER") != self.identity_header:
            return _identity_error(401, "Unauthorized")
        if (
            query.get("client_id", self.managed_identity_client_id)
            != self.managed_identity_client_id
        ):
            return _identity_error(400, "No managed identity found for specified ClientId.")
        if query.get("resource") != self.bot_scope.removesuffix("/.default"):
            return _identity_error(500, "invalid resource")
        token = self.issue()
        answer: dict[str, Any] = {
            "access_token": token,
            "expires_on": str(int(self._issued[token])),
            "resource": query["resource"],
            "token_type": "Bearer",
            "client_id": self.managed_identity_client_id,
        }
        return web.json_response(answer)


@dataclass
class FixedTokens:
    """`BotTokens` without a login: always this token (e.g. `BotConnector.static_token`),
    for a test about something other than the bot's own tokens."""

    token: str
    asked: int = 0

    async def bot_token(self) -> str:
        self.asked += 1
        return self.token

    def invalidate(self) -> None:
        """Nothing to forget: the same token every time."""


def _identity_error(status: int, message: str) -> web.Response:
    return web.json_response({"statusCode": status, "message": message}, status=status)
