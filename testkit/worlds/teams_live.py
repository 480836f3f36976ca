"""The real `alsbot run` with `[teams] enabled`, and a Bot Framework that talks to it.

The Teams counterpart of `live.SlackSender` (`live.BotProcess` runs the bot): the config
and environment that point a child process at `testkit.teams.connector.BotConnector` in
this process, a sender that posts signed activities until each is acknowledged, and how
the tests read the buttons on the cards the bot posted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from typing import Any

import aiohttp

from testkit.teams.connector import BotConnector
from testkit.worlds.live import Sent, child_env


class TeamsSender:
    """Posts activities to the bot with a fresh Bot Framework JWT on every attempt, and
    re-sends each (same activity, same id) until it gets a 2xx.

    With `redeliver` > 0, that share of acknowledged activities is sent once more, as the
    Bot Framework does when an answer came too late or was lost on the way: the bot must
    acknowledge the duplicate too (`redelivered` keeps each one's status), with no second
    effect."""

    def __init__(
        self,
        bf: BotConnector,
        url: str,
        *,
        timeout: float = 10.0,
        redeliver: float = 0.0,
        rng: random.Random | None = None,
    ) -> None:
        self.bf = bf
        self.url = url
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
        self.sent: list[Sent] = []
        self.redeliver = redeliver
        self.rng = rng or random.Random(0)
        self.redelivered: list[tuple[str, int | str]] = []  # (name, status or error)

    async def close(self) -> None:
        await self.session.close()

    async def send(self, name: str, activity: dict[str, Any], *, give_up: float = 90.0) -> Sent:
        kind = str(activity.get("name") or activity.get("type"))
        item = Sent(name, kind, activity)
        self.sent.append(item)
        deadline = time.monotonic() + give_up
        pause = 0.05
        while time.monotonic() < deadline:
            item.attempts += 1
            try:
                status, text = await self._post(activity)
                if 200 <= status < 300:
                    item.acked_at, item.status, item.answer = time.time(), status, text
                    if self.rng.random() < self.redeliver:
                        await self._again(name, activity)
                    return item
                item.failures.append(f"http {status}")
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                item.failures.append(type(error).__name__)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)
        raise AssertionError(f"{name} was never acknowledged: {item.failures[-5:]}")

    async def _post(self, activity: dict[str, Any]) -> tuple[int, str]:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {self.bf.sign(activity)}",
        }
        async with self.session.post(self.url, json=activity, headers=headers) as response:
            return response.status, await response.text()

    async def _again(self, name: str, activity: dict[str, Any], give_up: float = 90.0) -> None:
        """One duplicate delivery; a refused connection (the bot being restarted) is not
        an answer, so it is tried until one comes."""
        deadline = time.monotonic() + give_up
        while time.monotonic() < deadline:
            try:
                status, _ = await self._post(activity)
            except (aiohttp.ClientError, OSError, TimeoutError):
                await asyncio.sleep(0.2)
                continue
            self.redelivered.append((name, status))
            return
        self.redelivered.append((name, "never answered"))


def card_actions(card: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every Action.Submit's `data` on a card (its actions, and those in ActionSets)."""
    if not card:
        return []
    actions = list(card.get("actions") or [])
    for element in card.get("body") or []:
        if isinstance(element, dict) and element.get("type") == "ActionSet":
            actions.extend(element.get("actions") or [])
    return [a["data"] for a in actions if isinstance(a, dict) and isinstance(a.get("data"), dict)]


def button_value(card: dict[str, Any] | None, action: str) -> str | None:
    for data in card_actions(card):
        if data.get("als_action") == action:
            return str(data.get("als_value", ""))
    return None


def config_sections(bf: BotConnector, db_url: str, port: int, health: int) -> dict[str, Any]:
    teams = {
        k: v for k, v in dataclasses.asdict(bf.teams_config(port=port)).items() if v is not None
    }
    return {
        "database": {"url": db_url},
        "scheduler": {"tick_seconds": 0.2},
        # Every phase lasts a minute or more by default: only the moves move the round.
        "defaults": {"quiet_hours": "off", "send_on_weekends": True},
        "teams": teams,
        "health": {"host": "127.0.0.1", "port": health},
        "logging": {"level": "INFO"},
    }


def teams_env(bf: BotConnector) -> dict[str, str]:
    """The child's environment: the bot's credentials, and trust in the stand-in's login CA."""
    secrets = bf.secrets()
    return child_env(
        {
            "TEAMS_CLIENT_ID": secrets.teams_client_id,
            "TEAMS_CLIENT_SECRET": secrets.teams_client_secret,
            "TEAMS_TENANT_ID": secrets.teams_tenant_id,
            "REQUESTS_CA_BUNDLE": bf.ca_path,  # MSAL's trust (https is required for login)
            "PYTHONUNBUFFERED": "1",
        }
    )
