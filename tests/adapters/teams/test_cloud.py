"""`[teams]` → the SDK's CloudEnvironment: the named cloud, then each location given."""

from __future__ import annotations

import dataclasses

import pytest
from microsoft_teams.api.auth.cloud_environment import PUBLIC, US_GOV, US_GOV_DOD

from adapters.teams.cloud import cloud_environment
from bot.config import TeamsConfig

OVERRIDES = {
    "login_endpoint": "https://login.example.test",
    "login_tenant": "example.onmicrosoft.test",
    "openid_metadata_url": "https://keys.example.test/v1/.well-known/openidconfiguration",
    "token_issuer": "https://api.example.test",
    "bot_scope": "https://api.example.test/.default",
}


def test_the_named_clouds_as_the_sdk_defines_them() -> None:
    assert cloud_environment(TeamsConfig()) == PUBLIC
    assert cloud_environment(TeamsConfig(cloud="usgov")) == US_GOV
    assert cloud_environment(TeamsConfig(cloud="USGovDoD")) == US_GOV_DOD
    assert (
        cloud_environment(TeamsConfig(cloud="usgov")).token_issuer == "https://api.botframework.us"
    )


@pytest.mark.parametrize("name", sorted(OVERRIDES))
def test_each_location_given_replaces_the_clouds_own_and_only_it(name: str) -> None:
    config = TeamsConfig(cloud="usgov", **{name: OVERRIDES[name]})
    env = cloud_environment(config)
    assert getattr(env, name) == OVERRIDES[name]
    assert getattr(US_GOV, name) != OVERRIDES[name]
    for other in dataclasses.fields(env):
        if other.name != name:
            assert getattr(env, other.name) == getattr(US_GOV, other.name), other.name


def test_every_location_together_and_blanks_ignored() -> None:
    env = cloud_environment(
        TeamsConfig(**{k: f"  {v}  " for k, v in OVERRIDES.items()}, cloud="public")
    )
    for name, value in OVERRIDES.items():
        assert getattr(env, name) == value
    # What `[teams]` does not name stays the cloud's (the token service, Graph).
    assert env.token_service_url == PUBLIC.token_service_url
    assert env.graph_scope == PUBLIC.graph_scope
    # A login endpoint's trailing slash would double in MSAL's authority URL.
    assert cloud_environment(
        TeamsConfig(login_endpoint="https://login.example.test/")
    ).login_endpoint == ("https://login.example.test")
    assert cloud_environment(TeamsConfig(login_tenant="   ")) == PUBLIC


def test_an_unknown_cloud_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown cloud"):
        cloud_environment(TeamsConfig(cloud="mars"))
