"""A team in Teams for end-to-end tests: the real core, the real adapter, real wire traffic.

`TeamsWorld` (`run_teams`) runs what `alsbot run` runs with `[teams] enabled` — `Alsbot`
on a SQLite file with a `FakeClock`, and `serve_teams` on a free port — against the Bot
Connector stand-in (`testkit.teams.connector`). It knows a tenant, a team with one channel
and its people (registered with the stand-in, so a mention of them resolves), and plays
them: what they type, press, react to or save is built as Teams builds it
(`testkit.teams.payloads`), signed as the Bot Framework signs it and posted to
`/api/messages`; what they see is read back from what the bot sent the stand-in.

The core's loops do not run: each step settles the core (process, fire due timers,
deliver) before it returns, and `advance` moves fake time timer by timer, so nothing
waits on real time. The channel pacer is off (pacing has its own tests): a round's two
dozen posts would otherwise take ten real seconds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from adapters.teams.service import serve_teams
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import Config, load_config
from bot.pacing import ChannelPacer
from bot.refs import Platform
from testkit.teams import payloads as p
from testkit.teams.connector import BotConnector
from testkit.teams.records import Call, card_in
from testkit.timeline import advance

HEADER = "Action Learning session"
CHECK_MARK = "2705_whiteheavycheckmark"  # Teams' id for ✅, as it sends it
_ESCAPED = re.compile(r"\\(.)")
CA_BUNDLE = "REQUESTS_CA_BUNDLE"


@dataclass(frozen=True)
class Said:
    """A message a person posted (the stand-in only sees the bot's): enough to save it."""

    id: str
    text: str
    by: p.Member
    place: p.Place
    root: str | None


# --------------------------------------------------------------------- reading cards


def card_lines(activity: dict[str, Any]) -> list[str]:
    """A card's text as a person reads it: one line per block, Markdown escapes and the
    word joiner that breaks a typed `<at>` taken out, mentions as `<at>Name</at>`."""
    card = card_in(activity) or {}
    out: list[str] = []
    for block in card.get("body") or []:
        if block.get("type") == "RichTextBlock":
            out.append("".join(run.get("text", "") for run in block.get("inlines") or []))
        elif block.get("type") == "TextBlock":
            out.append(_ESCAPED.sub(r"\1", str(block.get("text", "")).replace("**", "")))
    return [line.replace("\u2060", "") for line in out]


def card_text(activity: dict[str, Any]) -> str:
    return "\n".join(card_lines(activity)) or str(activity.get("text") or "")


def actions_of(activity: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Action.Submit on a card, in its `actions` or in `ActionSet` rows."""
    card = card_in(activity) or {}
    found = list(card.get("actions") or [])
    for block in card.get("body") or []:
        if block.get("type") == "ActionSet":
            found += block.get("actions") or []
    return [a for a in found if a.get("type") == "Action.Submit"]


def labels_of(activity: dict[str, Any]) -> list[str]:
    return [str(a.get("title")) for a in actions_of(activity)]


def mention_entities(activity: dict[str, Any]) -> list[dict[str, Any]]:
    """The mention entities a card carries (`msteams.entities`) and the activity's own."""
    card = card_in(activity) or {}
    found = list((card.get("msteams") or {}).get("entities") or [])
    found += list(activity.get("entities") or [])
    return [e for e in found if e.get("type") == "mention"]


# --------------------------------------------------------------------- the world


class TeamsWorld:
    """One tenant, one team with a channel, its people, and the bot process serving them."""

    def __init__(self, bf: BotConnector, database_url: str, clock: FakeClock, **env: str) -> None:
        self.bf = bf
        self.clock = clock
        self.config: Config = dataclasses.replace(
            load_config(None, {"ALSBOT_DATABASE_URL": database_url, **env}),
            teams=bf.teams_config(),
            secrets=bf.secrets(),
        )
        self.bot = p.bot(bf.client_id)
        self.channel = dataclasses.replace(p.channel(bf.tenant_id), service_url=bf.service_url)
        self.people: dict[str, p.Member] = {}
        self.answers: list[tuple[int, Any]] = []  # every HTTP answer the bot gave
        self._app: Alsbot | None = None
        self._stop: Any = None

    # ------------------------------------------------------------------ the process

    @property
    def app(self) -> Alsbot:
        assert self._app is not None, "the bot is not running"
        return self._app

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._stop.port}/api/messages"

    async def start(self) -> TeamsWorld:
        """As `alsbot run` starts: the core on the database, then Teams' endpoint."""
        self._app = await Alsbot.open(self.config, clock=self.clock)
        try:
            self._stop = await serve_teams(self._app, self.config)
        except BaseException:
            await self._app.close()
            raise
        self._app.deliverers[Platform.TEAMS].pacer = ChannelPacer(0, 1)
        return self

    async def stop(self) -> None:
        if self._stop is not None:
            await self._stop()
            self._stop = None
        if self._app is not None:
            await self._app.close()
            self._app = None

    async def restart(self) -> None:
        """The process stops; a new one opens the same database, on a new port: whatever it
        knows of Teams (references, the bot's posts) it reads from there."""
        await self.stop()
        await self.start()

    async def settle(self) -> None:
        """Until nothing can move: events processed, due timers fired, the outbox drained."""
        await self.app.settle()

    async def advance(self, delta: timedelta) -> None:
        """Fake time moves on, each due timer fired at its own moment."""
        await advance(self.app, delta)

    async def advance_to(self, moment: datetime) -> None:
        await self.advance(moment - self.clock.now())

    # ------------------------------------------------------------------ people

    def person(self, name: str) -> p.Member:
        """Someone in the team (the connector knows them, so their mention resolves)."""
        if name not in self.people:
            member = p.person(name)
            assert member.aad is not None
            self.bf.add_member(member.aad, name, id=member.teams_id)
            self.people[name] = member
        return self.people[name]

    def personal(self, person: p.Member) -> p.Place:
        """`person`'s 1:1 chat with the bot: the one the bot opened, else a new one the
        stand-in then answers `POST /v3/conversations` with (Teams has one per person)."""
        conversation = self.bf.one_on_one(person.teams_id)
        if conversation is None:
            conversation = p.personal_chat(self.bf.tenant_id).conversation
            self.bf._one_on_one[person.teams_id] = conversation
        return p.Place(
            self.bf.tenant_id,
            conversation,
            kind="personal",
            membership=None,
            service_url=self.bf.service_url,
        )

    def place_of(self, activity_id: str, person: p.Member) -> tuple[p.Place, str | None]:
        """Where a bot's activity is, as `person` sees it: the conversation and its chain."""
        posted = self.bf.activities[activity_id]
        if posted.conversation == self.channel.conversation:
            return self.channel, posted.root or activity_id
        personal = self.personal(person)
        assert personal.conversation == posted.conversation, "someone else's chat"
        return personal, None

    # ------------------------------------------------------------------ what they do

    async def send(self, activity: dict[str, Any], *, settle: bool = True) -> tuple[int, Any]:
        """The Bot Framework posts `activity` to the bot; its answer must be a 2xx."""
        answer = await self.bf.send(self.url, activity)
        self.answers.append(answer)
        assert 200 <= answer[0] < 300, f"the bot answered {answer}"
        if settle:
            await self.settle()
        return answer

    async def command(
        self,
        person: p.Member,
        words: str,
        *,
        people: tuple[p.Member, ...] = (),
        root: str | None = None,
    ) -> tuple[int, Any]:
        """`@alsbot <words>` in the channel (in a reply chain with `root`); `words` holds
        `<at>Name</at>` for each of `people`, as Teams writes a mention."""
        activity = p.command(self.channel, person, words, to=self.bot, people=people, root=root)
        return await self.send(activity)

    async def say(
        self,
        person: p.Member,
        text: str,
        root: str | None,
        *,
        mentions: tuple[p.Member, ...] = (),
        entities: list[dict[str, Any]] | None = None,
    ) -> Said:
        """A message in the channel's reply chain `root` (None: a new post)."""
        activity = p.message(
            self.channel,
            person,
            text,
            to=self.bot,
            mentions=mentions,
            root=root,
            entities=entities,
        )
        await self.send(activity)
        return Said(activity["id"], text, person, self.channel, root)

    async def dm(self, person: p.Member, text: str) -> Said:
        """A message in `person`'s 1:1 chat with the bot."""
        place = self.personal(person)
        activity = p.message(place, person, text, to=self.bot)
        await self.send(activity)
        return Said(activity["id"], text, person, place, None)

    async def press(
        self, person: p.Member, card: str, label: str, inputs: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """`person` presses the card's Action.Submit titled `label`, as it reads now, with
        what they typed in its `Input.Text`s (`inputs`, by id; Teams adds them to `data`)."""
        found = [a for a in actions_of(self.bf.latest(card)) if a.get("title") == label]
        assert found, f"no [{label}] on {card}: {labels_of(self.bf.latest(card))}"
        place, root = self.place_of(card, person)
        data = {**found[0]["data"], **(inputs or {})}
        activity = p.submit(place, person, data, to=self.bot, card=card, root=root)
        return await self.send(activity)

    async def react(
        self, person: p.Member, activity_id: str, kind: str = CHECK_MARK
    ) -> tuple[int, Any]:
        """`person` reacts to the bot's activity (Teams tells a bot of no other)."""
        place, root = self.place_of(activity_id, person)
        activity = p.reaction(place, person, activity_id, to=self.bot, added=(kind,), root=root)
        return await self.send(activity)

    async def save_as_do(
        self,
        person: p.Member,
        message: Said | str,
        *,
        ident: str | None = None,
        fetch: bool = True,
    ) -> tuple[int, Any]:
        """ "Save as do" from a message's ⋯ menu: a person's message (`Said`) or the bot's
        own (its activity id). `ident`: the invoke's id (the same one for a redelivery)."""
        if isinstance(message, Said):
            payload = p.message_payload(
                message.id,
                f"<p>{message.text}</p>",
                message.by,
                reply_to=message.root,
                conversation=message.place.conversation,
            )
            place, root = message.place, message.root or message.id
        else:
            place, root = self.place_of(message, person)
            html = "<p>" + "<br>".join(card_lines(self.bf.latest(message))) + "</p>"
            payload = p.message_payload(
                message, html, None, reply_to=root, conversation=place.conversation
            )
        activity = p.save_as_do(
            place, person, payload, to=self.bot, root=root, fetch=fetch, ident=ident
        )
        return await self.send(activity)

    # ------------------------------------------------------------------ what they see

    def posts_in(self, conversation: str | None = None) -> list[Call]:
        """The bot's new activities in a conversation (the channel by default)."""
        return self.bf.posts(conversation or self.channel.conversation)

    def text(self, activity_id: str) -> str:
        """An activity's text as it reads now, after every update."""
        return card_text(self.bf.latest(activity_id))

    def header(self) -> str:
        """The newest round header in the channel (a post, not in a reply chain)."""
        for call in reversed(self.posts_in()):
            if call.root is None and call.activity_id and HEADER in self.text(call.activity_id):
                return call.activity_id
        raise AssertionError("no round header was posted")

    def chain(self, root: str) -> list[str]:
        """The texts the bot posted in a reply chain, oldest first, as they read now."""
        return [self.text(c.activity_id) for c in self.posts_in() if c.root == root]

    def dms_to(self, person: p.Member) -> list[str]:
        """What the bot sent `person`'s 1:1 chat, oldest first, as it reads now."""
        conversation = self.bf.one_on_one(person.teams_id)
        if conversation is None:
            return []
        return [self.text(str(c.activity_id)) for c in self.posts_in(conversation)]

    def dm_with(self, person: p.Member, needle: str) -> str:
        """The activity id of the newest message to `person` holding `needle`."""
        conversation = self.bf.one_on_one(person.teams_id)
        for call in reversed(self.posts_in(conversation) if conversation else []):
            if needle in self.text(str(call.activity_id)):
                return str(call.activity_id)
        raise AssertionError(f"no message to {person.name} with {needle!r}")

    def refused(self) -> list[Call]:
        """Connector calls that were answered with an error (a 413 for an oversized one)."""
        return [c for c in self.bf.calls if c.status >= 400]


@contextlib.asynccontextmanager
async def run_teams(database_url: str, clock: FakeClock, **env: str) -> AsyncIterator[TeamsWorld]:
    """The stand-in and the bot process on `database_url`, for one test; `env`: settings
    as `ALSBOT_…` variables. MSAL trusts the stand-in's test CA only through
    `REQUESTS_CA_BUNDLE`, which is set for the test's length."""
    async with BotConnector() as bf:
        before = os.environ.get(CA_BUNDLE)
        os.environ[CA_BUNDLE] = bf.ca_path
        world = TeamsWorld(bf, database_url, clock, **env)
        try:
            yield await world.start()
        finally:
            await world.stop()
            if before is None:
                os.environ.pop(CA_BUNDLE, None)
            else:
                os.environ[CA_BUNDLE] = before
