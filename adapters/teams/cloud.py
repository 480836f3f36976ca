"""The SDK's `CloudEnvironment` from `[teams]`: a named Microsoft cloud, each location set
in the config replacing that cloud's own.

One value names every place alsbot talks to for Teams — where the bot logs in for its own
tokens, where the keys that sign inbound activities are published and whose issuer they
carry — so the SDK's JWT validation and the bot's tokens agree on one cloud, whether it is
Microsoft's public cloud, a sovereign one the SDK knows, one it does not (every location
given), or a stand-in on loopback.
"""

from __future__ import annotations

from microsoft_teams.api.auth.cloud_environment import CloudEnvironment, from_name, with_overrides

from bot.config import TeamsConfig


def cloud_environment(config: TeamsConfig) -> CloudEnvironment:
    """Raises `ValueError` for a cloud name the SDK does not know (the config's own check
    names the valid ones first)."""
    base = from_name(config.cloud.strip())
    overrides = {
        "login_endpoint": config.login_endpoint.strip().rstrip("/"),
        "login_tenant": config.login_tenant.strip(),
        "openid_metadata_url": config.openid_metadata_url.strip(),
        "token_issuer": config.token_issuer.strip(),
        "bot_scope": config.bot_scope.strip(),
    }
    return with_overrides(base, **{k: v for k, v in overrides.items() if v})
