"""Slack's side of "Add to Slack", for the Web API stand-in (`SlackWebApi.grants`).

A person opens the authorize link, picks a workspace and presses Allow: Slack then sends
their browser to the app's redirect URL with a one-time `code` and the app's `state`
(`approve`).  The app exchanges the code at `oauth.v2.access` with its client id and
secret for that workspace's bot token (`exchange`); with token rotation on, the token
expires and comes with a refresh token, exchanged the same way (`grant_type=refresh_token`).
Answers and error codes are Slack's own (docs.slack.dev/reference/methods/oauth.v2.access).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
APP_ID = "A0ALSBOT"
AUTHORIZE = "https://slack.com/oauth/v2/authorize"


@dataclass
class Grant:
    """One install: a workspace, who installed it, and the bot token it was given."""

    team_id: str
    team_name: str
    user_id: str
    bot_user_id: str
    bot_id: str
    scope: str
    redirect_uri: str | None
    token: str = ""
    refresh_token: str | None = None

    def auth_test(self) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_name.lower().replace(' ', '-')}.slack.com/",
            "team": self.team_name,
            "user": "alsbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }


@dataclass
class OAuthGrants:
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    rotation: bool = False  # the app has token rotation on: tokens expire
    expires_in: int = 43_200  # seconds, Slack's 12 hours
    codes: dict[str, Grant] = field(default_factory=dict)  # unused codes
    tokens: dict[str, Grant] = field(default_factory=dict)  # every bot token issued
    refreshes: dict[str, Grant] = field(default_factory=dict)  # live refresh tokens
    _n: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def approve(
        self,
        authorize_url: str,
        *,
        team_id: str,
        team_name: str = "",
        user_id: str = "UINSTALLER",
        bot_user_id: str | None = None,
        bot_id: str | None = None,
    ) -> str:
        """Someone pressed Allow on `authorize_url`: where Slack sends their browser
        (the redirect URI with a fresh code and the state).  Refuses a link Slack would
        refuse (another host, another client id, no scope)."""
        parts = urlsplit(authorize_url)
        if f"{parts.scheme}://{parts.netloc}{parts.path}" != AUTHORIZE:
            raise ValueError(f"not Slack's authorize URL: {authorize_url}")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if query.get("client_id") != self.client_id:
            raise ValueError("invalid_client_id")
        if not query.get("scope"):
            raise ValueError("invalid_scope: no bot scopes asked for")
        redirect = query.get("redirect_uri")
        if not redirect:
            raise ValueError("no redirect_uri (and the stand-in has no app settings to use)")
        n = next(self._n)
        code = f"{n}.{team_id}.code{n:04d}"
        self.codes[code] = Grant(
            team_id,
            team_name or f"Team {team_id}",
            user_id,
            bot_user_id or f"UBOT{team_id[1:]}",
            bot_id or f"BBOT{team_id[1:]}",
            query["scope"],
            redirect,
        )
        answer = {"code": code}
        if "state" in query:
            answer["state"] = query["state"]
        return f"{redirect}?{urlencode(answer)}"

    def deny(self, authorize_url: str) -> str:
        """Someone pressed Cancel: Slack sends them back with `error=access_denied`."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        answer = {"error": "access_denied", "state": query.get("state", "")}
        return f"{query['redirect_uri']}?{urlencode(answer)}"

    def exchange(self, args: dict[str, Any]) -> dict[str, Any] | str:
        """`oauth.v2.access`: the answer's fields, or Slack's error code."""
        if args.get("client_id") != self.client_id:
            return "invalid_client_id"
        if args.get("client_secret") != self.client_secret:
            return "bad_client_secret"
        if args.get("grant_type") == "refresh_token":
            return self._refresh(args.get("refresh_token"))
        if args.get("grant_type") not in (None, "", "authorization_code"):
            return "invalid_grant_type"
        grant = self.codes.pop(str(args.get("code")), None)
        if grant is None:
            return "invalid_code"
        if args.get("redirect_uri") not in (None, grant.redirect_uri):
            return "bad_redirect_uri"
        self._issue(grant)
        answer: dict[str, Any] = {
            "app_id": APP_ID,
            "authed_user": {"id": grant.user_id},
            "scope": grant.scope,
            "token_type": "bot",
            "access_token": grant.token,
            "bot_user_id": grant.bot_user_id,
            "team": {"id": grant.team_id, "name": grant.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if grant.refresh_token is not None:
            answer["refresh_token"] = grant.refresh_token
            answer["expires_in"] = self.expires_in
        return answer

    def _refresh(self, refresh_token: Any) -> dict[str, Any] | str:
        grant = self.refreshes.pop(str(refresh_token), None)
        if grant is None:
            return "invalid_refresh_token"
        self._issue(grant)
        return {
            "app_id": APP_ID,
            "scope": grant.scope,
            "token_type": "bot",
            "access_token": grant.token,
            "refresh_token": grant.refresh_token,
            "expires_in": self.expires_in,
            "bot_user_id": grant.bot_user_id,
            "team": {"id": grant.team_id, "name": grant.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _issue(self, grant: Grant) -> None:
        """A new bot token (rotating: `xoxe.xoxb-…`, with a new refresh token); a token
        issued before stays valid until it expires, as Slack's do."""
        n = next(self._n)
        prefix = "xoxe.xoxb" if self.rotation else "xoxb"
        grant.token = f"{prefix}-{grant.team_id}-{n:06d}"
        self.tokens[grant.token] = grant
        if self.rotation:
            grant.refresh_token = f"xoxe-1-{grant.team_id}-{n:06d}"
            self.refreshes[grant.refresh_token] = grant
