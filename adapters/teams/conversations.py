"""Conversation references: how to reach a person or a conversation again, proactively.

Teams gives a bot no way to write to someone first without one: the connector's
`serviceUrl` for their region, their app-scoped `29:…` id and the tenant are only learnt
from an activity (an install, a message, a button). Each activity refreshes them, so a
nudge sent weeks later uses the newest; they are kept in `adapter_state` (a row per person
and per conversation, named `teams:<tenant>:…` so that a departed workspace's purge takes
them with the rest) and written only when something changed, not on every activity.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.refs import ChannelRef, UserRef
from bot.store.models import AdapterState
from bot.store.upsert import put_adapter_state

STATE = AdapterState.__table__
# What this process last read or wrote is trusted this long (seconds): another process, a
# `forget-me` or a departed workspace's purge may have deleted the row since, and the next
# activity after it writes the row again.
KEPT_FOR = 600.0
NAME_ROOM = 200 - 40  # the column holds 200; a longer conversation id is named by its hash


@dataclass(frozen=True)
class PersonAddress:
    """One person as the connector knows them."""

    teams_id: str  # the app-scoped `29:…` id a 1:1 chat is opened with
    name: str  # their display name when last seen, for mentions (`<at>name</at>`)
    service_url: str
    tenant_id: str
    personal_conversation: str | None = None  # the 1:1 chat's id, once opened or seen


@dataclass(frozen=True)
class ChannelAddress:
    """One conversation (a channel, a group chat or a 1:1 chat) as the connector knows it."""

    conversation_id: str  # without `;messageid=…`
    service_url: str
    tenant_id: str
    kind: str  # "channel", "groupChat" or "personal"
    team_id: str | None = None
    name: str = ""  # a channel's name as Teams last gave it (for "from #Set A" in 1:1 answers)


def person_name(user: UserRef) -> str:
    return f"teams:{user.workspace.id}:person:{user.id}"


def member_name(tenant_id: str, teams_id: str) -> str:
    """The row that names the person behind an app-scoped `29:…` id (a mention's only id)."""
    ident = teams_id
    if len(ident) > NAME_ROOM - len(tenant_id):
        ident = "h-" + hashlib.sha256(ident.encode()).hexdigest()[:40]
    return f"teams:{tenant_id.lower()}:member:{ident}"


def channel_name(channel: ChannelRef) -> str:
    ident = channel.id
    if len(ident) > NAME_ROOM - len(channel.workspace.id):
        ident = "h-" + hashlib.sha256(ident.encode()).hexdigest()[:40]
    return f"teams:{channel.workspace.id}:channel:{ident}"


class Conversations:
    """The references, through the core's store, with what was last read or written kept in
    memory (each process its own copy: a reference only grows newer, so a stale one costs a
    write, never a wrong address for long)."""

    def __init__(self, store: Any, *, kept_for: float = KEPT_FOR) -> None:
        self.store = store
        self.kept_for = kept_for
        self._known: dict[str, tuple[str, float]] = {}  # name → (value, when read or written)

    def _cached(self, name: str) -> str | None:
        known = self._known.get(name)
        if known is None or time.monotonic() - known[1] > self.kept_for:
            return None
        return known[0]

    async def remember_person(self, user: UserRef, address: PersonAddress) -> None:
        known = await self.person(user)
        if known is not None and address.personal_conversation is None:
            # A channel activity does not say which 1:1 chat the person has with the bot.
            address = PersonAddress(
                **{**asdict(address), "personal_conversation": known.personal_conversation}
            )
        await self._save(person_name(user), asdict(address))
        await self._save(member_name(user.workspace.id, address.teams_id), {"id": user.id})

    async def remember_channel(self, channel: ChannelRef, address: ChannelAddress) -> None:
        await self._save(channel_name(channel), asdict(address))

    async def person(self, user: UserRef) -> PersonAddress | None:
        data = await self._load(person_name(user))
        return PersonAddress(**data) if data is not None else None

    async def object_id(self, tenant_id: str, teams_id: str) -> str | None:
        """The Entra object id of the person whose app-scoped id is `teams_id`, when they
        have been seen (an activity from them, an install, a mention resolved before)."""
        data = await self._load(member_name(tenant_id, teams_id))
        found = data.get("id") if data is not None else None
        return found if isinstance(found, str) else None

    async def channel(self, channel: ChannelRef) -> ChannelAddress | None:
        data = await self._load(channel_name(channel))
        return ChannelAddress(**data) if data is not None else None

    async def _load(self, name: str) -> dict[str, Any] | None:
        raw = self._cached(name)
        if raw is None:
            async with self.store.read() as conn:
                raw = (
                    await conn.execute(select(STATE.c.value).where(STATE.c.name == name))
                ).scalar_one_or_none()
            if raw is None:
                self._known.pop(name, None)
                return None
            self._known[name] = (raw, time.monotonic())
        try:
            data: dict[str, Any] = json.loads(raw)
        except ValueError:
            return None
        return data

    async def _save(self, name: str, data: dict[str, Any]) -> None:
        raw = json.dumps(data, separators=(",", ":"), sort_keys=True)
        if self._cached(name) == raw:
            return
        now = datetime.now(UTC)
        async with self.store.write() as conn:
            await put_adapter_state(conn, name, raw, now)
        self._known[name] = (raw, time.monotonic())
