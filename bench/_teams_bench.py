"""What `bench.teams_event_path` drives `alsbot run` with: the Bot Connector stand-in, a set
with a round in its Actions phase, and the signed activities of the measured mix.

The mix is what a round's reply chain carries while a presenter is in their Actions phase:

- the presenter's thoughts that do not read as commitments ("Maybe look again at …"): each
  is held as a draft and answered privately with [Record as action] — a card in the
  presenter's 1:1 chat (a private answer is not paced as channel posts are, so the figure
  is the path's, not Teams' 1.5 posts/s per conversation);
- every fifth activity, a supporter's 👍 (`like`) on one of the bot's own posts in the
  channel: recorded and processed, answered by nothing.

Every activity is signed by the stand-in's published key before a phase starts, so the
client's signing is not in the figures; alsbot's SDK validates each token in full.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from adapters.teams.fields import key_of
from bench._process import ReadOnlyDb
from bench._slack_bench import Request
from bot.refs import MessageRef
from testkit.eventually import reached
from testkit.teams import payloads
from testkit.teams.connector import BotConnector
from testkit.teams.records import Call

PENDING = "SELECT count(*) FROM inbox WHERE status = 'pending'"
REACTION_EVERY = 5  # one activity in five is a reaction
_run = itertools.count(1)


class CountingConnector(BotConnector):
    """The stand-in, counting the activities the bot posted as they are recorded (the
    bench polls this; scanning `calls` each time would be what it measures)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.delivered = 0

    async def _record(self, call: Call) -> None:
        if call.op in ("send", "reply") and 200 <= call.status < 300:
            self.delivered += 1
        await super()._record(call)


@dataclass
class World:
    """One team's channel, its people, and (once set up) the round's reply chain."""

    bf: BotConnector
    place: payloads.Place
    bot: payloads.Member
    facilitator: payloads.Member
    presenter: payloads.Member
    supporters: tuple[payloads.Member, ...]
    thread: str = ""  # the round's header: the reply chain's root activity id
    bot_posts: list[str] = field(default_factory=list)  # the bot's posts in the channel

    @classmethod
    def of(cls, bf: BotConnector, supporters: int = 4) -> World:
        place = dataclasses.replace(payloads.channel(bf.tenant_id), service_url=bf.service_url)
        people = [
            payloads.person(n) for n in ("Fay", "Paul", *(f"S{i}" for i in range(supporters)))
        ]
        for member in people:  # so the listener can look a mention up, as Teams would answer
            assert member.aad is not None
            bf.add_member(member.aad, member.name, id=member.teams_id)
        return cls(bf, place, payloads.bot(bf.client_id), people[0], people[1], tuple(people[2:]))

    def command(self, sender: payloads.Member, words: str, *people: payloads.Member) -> dict:
        return payloads.command(self.place, sender, words, to=self.bot, people=people)

    def signed(self, activity: dict[str, Any], *suffix: str) -> Request:
        key = key_of(activity, *suffix)
        assert key is not None, activity
        body = json.dumps(activity).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {self.bf.sign(activity)}",
        }
        return Request(key, body, headers)

    def mix(self, count: int) -> tuple[list[Request], int]:
        """`count` signed activities of the mix, and how many of them draw a reply."""
        run = next(_run)
        out: list[Request] = []
        replies = 0
        for i in range(count):
            if i % REACTION_EVERY == REACTION_EVERY - 1 and self.bot_posts:
                who = self.supporters[i % len(self.supporters)]
                target = self.bot_posts[i % len(self.bot_posts)]
                activity = payloads.reaction(
                    self.place, who, target, to=self.bot, added=("like",), root=self.thread
                )
                out.append(self.signed(activity, "add", "like"))
                continue
            words = f"Maybe look again at the budget for project {run}-{i} with the team"
            activity = payloads.message(
                self.place, self.presenter, words, to=self.bot, root=self.thread
            )
            out.append(self.signed(activity))
            replies += 1
        return out, replies


def active_session(db: ReadOnlyDb) -> tuple[int, str] | None:
    row = db.conn.execute(
        "SELECT id, state FROM sessions WHERE status = 'active' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return (int(row[0]), str(json.loads(row[1])["phase"])) if row else None


async def settled(db: ReadOnlyDb, what: str, limit: float = 30.0) -> None:
    if await reached(lambda: db.scalar(PENDING) == 0, limit, 0.01) is None:
        raise RuntimeError(f"{what}: the inbox did not drain")


async def set_up_round(world: World, url: str, db: ReadOnlyDb) -> dict[str, Any]:
    """A set in the channel, everyone in it, the clock run by hand (so the Actions phase
    waits for the bench however long it takes), a round with Paul presenting, moved on to
    his Actions phase. Answers what it found, for the report."""
    bf = world.bf

    async def say(sender: payloads.Member, words: str, *people: payloads.Member) -> None:
        status, body = await bf.send(url, world.command(sender, words, *people))
        if status != 200:
            raise RuntimeError(f"`{words}` was answered {status}: {body}")
        await settled(db, words)

    for member in (world.facilitator, world.presenter, *world.supporters):
        await say(member, "join")
    await say(world.facilitator, "settings auto_advance off")
    await say(world.facilitator, f"start <at>{world.presenter.name}</at>", world.presenter)
    moves = 0
    while (found := active_session(db)) is not None and found[1] != "actions" and moves < 10:
        await say(world.facilitator, "next")
        moves += 1
    if found is None or found[1] != "actions":
        texts = [bf.text_of(c.activity_id) for c in bf.posts() if c.activity_id][-5:]
        raise RuntimeError(f"no round reached its Actions phase ({found}); the bot said {texts}")
    handle = f"session:{found[0]}:header"
    sql = "SELECT count(*) FROM posted WHERE handle = ?"
    if await reached(lambda: db.scalar(sql, handle) > 0, 30, 0.01) is None:
        raise RuntimeError("the round's header was never posted")
    key = db.conn.execute("SELECT message_key FROM posted WHERE handle = ?", (handle,)).fetchone()
    world.thread = MessageRef.from_key(str(key[0])).id
    # The set-up's channel posts go out at Teams' pace (1.5/s): all out before any count.
    unsent = "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"
    if await reached(lambda: db.scalar(unsent) == 0, 60, 0.05) is None:
        raise RuntimeError("the set-up's replies were never all delivered")
    world.bot_posts = [c.activity_id for c in bf.posts(world.place.conversation) if c.activity_id]
    return {"setup_moves_to_actions": moves, "bot_posts_reacted_to": len(world.bot_posts)}
