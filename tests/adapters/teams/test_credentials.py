"""The bot's own tokens, from the stand-in's Entra login endpoint over HTTPS (MSAL)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from microsoft_teams.api import ManagedIdentityCredentials
from microsoft_teams.api.auth.credentials import FederatedIdentityCredentials

from adapters.teams.cloud import cloud_environment
from adapters.teams.credentials import (
    REUSE_MARGIN,
    ManagedTokens,
    SecretTokens,
    TokenUnavailable,
    bot_tokens,
    managed_identity_credentials,
)
from bot.config import Secrets
from testkit.eventually import reached
from testkit.teams.connector import BotConnector

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def bf(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[BotConnector]:
    async with BotConnector() as connector:
        # MSAL's requests trust the stand-in's CA as a deployment trusts its own.
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", connector.ca_path)
        yield connector


def tokens_for(bf: BotConnector, **secrets: str) -> SecretTokens:
    made = bot_tokens(bf.secrets(**secrets), cloud_environment(bf.teams_config()))
    assert isinstance(made, SecretTokens)
    return made


async def test_a_token_over_https_from_the_configured_login_endpoint_then_cached(
    bf: BotConnector,
) -> None:
    tokens = tokens_for(bf)
    assert tokens.authority == f"{bf.login_endpoint}/{bf.tenant_id}"
    first = await tokens.bot_token()
    again = [await tokens.bot_token() for _ in range(3)]
    together = await asyncio.gather(*(tokens.bot_token() for _ in range(3)))
    assert set(again) | set(together) == {first}
    (request,) = bf.token_requests
    assert request.tenant == bf.tenant_id
    assert request.form["grant_type"] == "client_credentials"
    assert request.form["client_id"] == bf.client_id
    assert request.form["scope"].split() == [bf.bot_scope]
    # The token is one the connector accepts.
    assert bf.login.valid(first)


async def test_a_token_the_connector_refused_is_forgotten_and_asked_for_again(
    bf: BotConnector,
) -> None:
    tokens = tokens_for(bf)
    first = await tokens.bot_token()
    assert await tokens.bot_token() == first and len(bf.token_requests) == 1
    tokens.invalidate()  # what the outlet does on a 401 from the connector
    await tokens.bot_token()
    assert len(bf.token_requests) == 2


class CountedTokens(SecretTokens):
    """`SecretTokens` counting how often it asks MSAL (in its worker thread)."""

    asked = 0

    def _acquire(self) -> dict[str, Any]:
        self.asked += 1
        return super()._acquire()


async def test_a_token_is_handed_out_without_asking_msal_until_close_to_expiry(
    bf: BotConnector,
) -> None:
    now = [1000.0]
    made = tokens_for(bf)
    tokens = CountedTokens(
        client_id=bf.client_id,
        client_secret=bf.client_secret,
        authority=made.authority,
        scope=made.scope,
        clock=lambda: now[0],
    )
    first = await tokens.bot_token()
    assert [await tokens.bot_token() for _ in range(5)] == [first] * 5
    assert tokens.asked == 1, "no worker thread, no MSAL, for a token still good"
    now[0] += bf.login.token_expires_in - REUSE_MARGIN - 1
    assert await tokens.bot_token() == first and tokens.asked == 1
    now[0] += 2  # under five minutes left: MSAL is asked again (and decides)
    await tokens.bot_token()
    assert tokens.asked == 2
    tokens.invalidate()  # a 401 from the connector: the next one is a new login
    again = await tokens.bot_token()
    assert tokens.asked == 3 and len(bf.token_requests) == 2 and again != first


async def test_a_token_asked_for_before_a_401_is_not_reused_after_it(bf: BotConnector) -> None:
    tokens = tokens_for(bf)
    await tokens.bot_token()  # the client is built (tenant discovery) before the hold
    tokens._app.remove_tokens_for_client()  # neither MSAL
    tokens._reuse = None  # nor alsbot holds a token now
    bf.hold_tokens()
    asking = asyncio.create_task(tokens.bot_token())
    assert await reached(tokens._one.locked, 5, 0.01) is not None  # the login is in flight
    tokens.invalidate()
    bf.release_tokens()
    await asking
    await tokens.bot_token()
    assert len(bf.token_requests) == 3, "the token from before the 401 was not kept"


async def test_multi_tenant_without_a_tenant_id_logs_in_at_the_clouds_login_tenant(
    bf: BotConnector,
) -> None:
    tokens = tokens_for(bf, teams_tenant_id="")
    await tokens.bot_token()
    assert [r.tenant for r in bf.token_requests] == ["botframework.com"]


async def test_a_token_close_to_expiry_is_asked_for_again(bf: BotConnector) -> None:
    bf.login.token_expires_in = 60  # MSAL refreshes a token with under 5 minutes left
    tokens = tokens_for(bf)
    first = await tokens.bot_token()
    second = await tokens.bot_token()
    assert first != second
    assert len(bf.token_requests) == 2


async def test_a_refused_secret_is_token_unavailable_without_the_secret(bf: BotConnector) -> None:
    tokens = tokens_for(bf, teams_client_secret="wrong-secret-value")
    with pytest.raises(TokenUnavailable) as refused:
        await tokens.bot_token()
    reason = str(refused.value)
    assert "invalid_client" in reason and "AADSTS7000215" in reason
    assert "wrong-secret-value" not in reason and "\n" not in reason
    # Not cached: the next call asks again (and may succeed once the secret is right).
    with pytest.raises(TokenUnavailable):
        await tokens.bot_token()
    assert [r.status for r in bf.token_requests] == [401, 401]


async def test_a_refusing_login_endpoint_then_recovering(bf: BotConnector) -> None:
    bf.refuse_tokens(1)
    tokens = tokens_for(bf)
    with pytest.raises(TokenUnavailable, match="invalid_client"):
        await tokens.bot_token()
    assert await tokens.bot_token()
    assert [r.status for r in bf.token_requests] == [401, 200]


async def test_a_wrong_scope_is_refused(bf: BotConnector) -> None:
    made = bot_tokens(
        bf.secrets(),
        cloud_environment(bf.teams_config(bot_scope="https://api.other.test/.default")),
    )
    with pytest.raises(TokenUnavailable, match="invalid_scope"):
        await made.bot_token()


async def test_an_untrusted_certificate_is_token_unavailable(
    bf: BotConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    tokens = tokens_for(bf)
    with pytest.raises(TokenUnavailable, match="failed"):
        await tokens.bot_token()
    assert bf.token_requests == []


async def test_an_unreachable_login_endpoint_is_token_unavailable(bf: BotConnector) -> None:
    tokens = SecretTokens(
        client_id=bf.client_id,
        client_secret=bf.client_secret,
        authority="https://127.0.0.1:9/tenant",
        scope=bf.bot_scope,
    )
    with pytest.raises(TokenUnavailable, match="127.0.0.1:9"):
        await tokens.bot_token()


async def test_a_managed_identity_token_through_the_sdk(
    bf: BotConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    # MSAL's managed identity client on Azure App Service: IDENTITY_ENDPOINT/HEADER.
    monkeypatch.setenv("IDENTITY_ENDPOINT", bf.login.identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", bf.login.identity_header)
    made = bot_tokens(bf.secrets(teams_client_secret=""), cloud_environment(bf.teams_config()))
    assert isinstance(made, ManagedTokens)
    first = await made.bot_token()
    assert await made.bot_token() == first
    (query,) = bf.login.identity_requests
    assert query["client_id"] == bf.client_id
    assert query["resource"] == "https://api.botframework.com"
    assert bf.token_requests == []

    bf.login.managed_identity_client_id = "someone-else"
    other = bot_tokens(bf.secrets(teams_client_secret=""), cloud_environment(bf.teams_config()))
    with pytest.raises(TokenUnavailable, match="managed identity"):
        await other.bot_token()


async def test_which_managed_identity_credentials_as_the_sdk_app_chooses() -> None:
    own = managed_identity_credentials(Secrets(teams_client_id="app", teams_tenant_id="t"))
    assert isinstance(own, ManagedIdentityCredentials)
    assert (own.client_id, own.tenant_id) == ("app", "t")
    same = managed_identity_credentials(
        Secrets(teams_client_id="app", teams_managed_identity_client_id="app")
    )
    assert isinstance(same, ManagedIdentityCredentials) and same.client_id == "app"
    system = managed_identity_credentials(
        Secrets(teams_client_id="app", teams_managed_identity_client_id="system")
    )
    assert isinstance(system, FederatedIdentityCredentials)
    assert system.managed_identity_type == "system"
    user = managed_identity_credentials(
        Secrets(teams_client_id="app", teams_managed_identity_client_id="mi")
    )
    assert isinstance(user, FederatedIdentityCredentials)
    assert (user.managed_identity_type, user.managed_identity_client_id) == ("user", "mi")


async def test_no_client_id_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="TEAMS_CLIENT_ID"):
        bot_tokens(Secrets(), cloud_environment(BotConnector().teams_config()))


async def test_a_hung_login_endpoint_is_token_unavailable_after_the_timeout(
    bf: BotConnector,
) -> None:
    tokens = tokens_for(bf)
    tokens.timeout = 0.3
    await tokens.bot_token()  # the client is built (tenant discovery) before the hang
    bf.revoke_tokens()
    tokens._app.remove_tokens_for_client()  # MSAL forgets the token it has
    tokens._reuse = None  # and so does the token handed out without asking MSAL
    bf.hold_tokens()
    with pytest.raises(TokenUnavailable, match="(?i)timed? ?out"):
        await tokens.bot_token()
    bf.release_tokens()
    assert await tokens.bot_token()


async def test_invalidate_never_waits_for_a_login_in_progress(bf: BotConnector) -> None:
    """`invalidate` runs on the event loop (the outlet, after a 401): it must not wait for
    a worker thread building MSAL's client, which can take a whole login round trip."""
    tokens = tokens_for(bf)
    first = await tokens.bot_token()
    held, release = threading.Event(), threading.Event()

    def login_in_progress() -> None:
        with tokens._building:
            held.set()
            release.wait(5)

    worker = threading.Thread(target=login_in_progress)
    worker.start()
    held.wait(5)
    started = time.monotonic()
    tokens.invalidate()
    waited = time.monotonic() - started
    release.set()
    worker.join()
    assert waited < 0.5
    assert first  # the client was built before the "login in progress"
    await tokens.bot_token()
    assert len(bf.token_requests) == 2  # a new client, a new login
