"""The Teams crash run: the real `alsbot run` with `[teams] enabled`, killed with SIGKILL at
seeded moments while this process plays the Bot Framework and Teams' Bot Connector.

The bot runs as an operator runs it — its own process, a SQLite file, real time,
`scheduler.tick_seconds = 0.2` — pointed at `testkit.teams.connector.BotConnector` in this
process (its OpenID metadata and keys, its Entra login over HTTPS with a test CA, its
connector). This process posts a seeded stream of signed activities to `/api/messages`,
each re-sent with the same activity id until it gets a 2xx, as the Bot Framework retries:

- everyone opens the bot's 1:1 chat and types `als help`; a facilitator `@alsbot setup`s
  two channels, people `@alsbot join`;
- in set A a round is driven through every phase: `@alsbot start @Pat`, then "I'm here",
  "Next phase", "Pause" and "Resume" pressed on the round's card (Action.Submit posts
  naming the card's activity id, taken from what the stand-in recorded, with the value the
  card shows now) or `@alsbot next` typed in its reply chain; questions and actions posted
  in the chain, ratings pressed on the Evaluation card, and one question saved as a do
  through the message action ("Save as do", a `composeExtension/fetchTask` invoke);
- in set B people commit actions in the channel and write updates on them to the bot in
  their 1:1 chat, and press [Share as my update] on some of the previews;
- some acknowledged activities are delivered once more, as the Bot Framework does when an
  answer is late or lost.

Meanwhile the process is killed `plan.kills` times at seeded moments (each once the last
restart is up: a kill should find the bot working, not importing) and restarted at once;
`plan.on_accept` of those kills wait from their moment for the connector to accept a post
and land then, inside the at-least-once window before the row's `sent` commit.

`run_teams_crash` returns the figures `tests/reliability/test_crash_teams.py` checks
(`crash_teams_verify.verify`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import random
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testkit.eventually import NeverHappened, eventually
from testkit.teams import payloads
from testkit.teams.connector import BotConnector
from testkit.teams.payloads import Member, Place
from testkit.teams.records import card_in
from testkit.worlds.crash_teams_verify import settle, verify
from testkit.worlds.live import BotProcess, Sent, free_port, write_config
from testkit.worlds.teams_live import (
    TeamsSender,
    button_value,
    card_actions,
    config_sections,
    teams_env,
)


@dataclass
class TeamsCrashPlan:
    kills: int = 6
    duration: float = 20.0  # seconds over which the kills fall and set B's updates flow
    seed: int = 20
    chatters: int = 3
    settle_within: float = 40.0
    step_within: float = 60.0  # a round move waits this long at most for the card
    redeliver: float = 0.15  # the share of acknowledged activities delivered once more
    # Of the kills, how many wait from their moment for the connector to accept a post
    # and land at once: in the at-least-once window, before the row's `sent` commit.
    on_accept: int = 2


# ------------------------------------------------------------------------------ the world


@dataclass
class TeamsRun:
    plan: TeamsCrashPlan
    bf: BotConnector
    bot: BotProcess
    sender: TeamsSender
    db_url: str
    rng: random.Random
    me: Member  # the bot, as activities name it
    set_a: Place
    set_b: Place
    fay: Member  # set A's facilitator
    pat: Member  # its presenter
    supporters: tuple[Member, Member]
    ben: Member  # set B's facilitator
    chatters: list[Member]
    personal: dict[str, Place] = field(default_factory=dict)  # aad → their 1:1 chat
    t0: float = 0.0  # loop time at the start of the stream
    kill_times: list[float] = field(default_factory=list)  # wall time of each SIGKILL
    header: str | None = None  # the round card's activity id
    round_s: float | None = None  # when its last move was acknowledged, from the start
    moves: list[str] = field(default_factory=list)  # the round's moves, in order
    actions: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    ratings: dict[str, int] = field(default_factory=dict)  # aad → rating
    here: list[str] = field(default_factory=list)  # aad of those who pressed "I'm here"
    set_b_actions: list[tuple[str, str]] = field(default_factory=list)  # (aad, text)
    updates: list[tuple[str, str]] = field(default_factory=list)  # (aad, text)
    shared: list[tuple[str, str]] = field(default_factory=list)
    saved_as_do: list[str] = field(default_factory=list)  # names of the invokes
    problems: list[str] = field(default_factory=list)

    @property
    def everyone(self) -> list[Member]:
        return [self.fay, self.pat, *self.supporters, self.ben, *self.chatters]

    async def until(self, seconds: float) -> None:
        delay = self.t0 + seconds - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)

    async def say(self, name: str, who: Member, words: str, place: Place, **kw: Any) -> Sent:
        return await self.sender.send(name, payloads.command(place, who, words, to=self.me, **kw))

    async def post(self, name: str, who: Member, text: str, root: str) -> Sent:
        activity = payloads.message(self.set_a, who, text, to=self.me, root=root)
        return await self.sender.send(name, activity)

    async def press(
        self, name: str, who: Member, place: Place, card: str, action: str, value: str
    ) -> Sent:
        root = self.header if place is self.set_a else None
        activity = payloads.button(place, who, action, value, to=self.me, card=card, root=root)
        return await self.sender.send(name, activity)

    async def card_showing(self, what: str, check: Any) -> Any:
        """Wait until the round card, as it reads now at the stand-in, passes `check`."""

        def ready() -> Any:
            if self.header is None:
                return None
            return check(self.bf.card_of(self.header))

        return await eventually(
            ready, within=self.plan.step_within, every=0.05, what=f"the round card {what}"
        )


def make_world(plan: TeamsCrashPlan, bf: BotConnector) -> dict[str, Any]:
    def place(name: str) -> Place:
        return dataclasses.replace(payloads.channel(bf.tenant_id, name), service_url=bf.service_url)

    def person(name: str) -> Member:
        member = payloads.person(name)
        bf.add_member(member.aad or "", name, id=member.teams_id)
        return member

    chatters = [person(f"Chat {chr(65 + i)}") for i in range(plan.chatters)]
    return {
        "me": payloads.bot(bf.client_id),
        "set_a": place("Set A"),
        "set_b": place("Set B"),
        "fay": person("Fay Ng"),
        "pat": person("Pat Lee"),
        "supporters": (person("Sam Roe"), person("Sue Kay")),
        "ben": person("Ben Ode"),
        "chatters": chatters,
    }


# ------------------------------------------------------------------------------ the stream


async def first_contact(run: TeamsRun) -> None:
    """The app installed in the team; everyone types `als help` in the bot's 1:1 chat
    (the chat Teams opens for them: its id is where private answers go); the sets set up
    and joined, each command acknowledged before the next that depends on it."""
    install = payloads.installation_update(run.set_a, run.fay, to=run.me)
    await run.sender.send("install", install)

    async def hello(who: Member) -> None:
        chat = dataclasses.replace(
            payloads.personal_chat(run.bf.tenant_id), service_url=run.bf.service_url
        )
        run.personal[who.aad or ""] = chat
        await run.say(f"help-{who.name}", who, "help", chat)

    await asyncio.gather(*(hello(who) for who in run.everyone))
    await run.say("setup-a", run.fay, "setup", run.set_a)
    await run.say("setup-b", run.ben, "setup", run.set_b)
    await asyncio.gather(
        *(run.say(f"join-a-{p.name}", p, "join", run.set_a) for p in (run.pat, *run.supporters)),
        *(run.say(f"join-b-{p.name}", p, "join", run.set_b) for p in run.chatters),
    )


def _header_in(bf: BotConnector, conversation: str) -> str | None:
    """The round card's activity id: the last new post in the channel with a Next button
    (should a kill have doubled the post, the copy the bot kept is the later one)."""
    found = [
        c.activity_id
        for c in bf.posts(conversation)
        if c.root is None and button_value(card_in(c.body), "round:next") is not None
    ]
    return found[-1] if found else None


def _card_with(bf: BotConnector, conversation: str, action: str) -> str | None:
    for call in bf.posts(conversation):
        if call.activity_id and button_value(bf.card_of(call.activity_id), action) is not None:
            return call.activity_id
    return None


async def round_script(run: TeamsRun) -> None:
    """Set A's round through every phase, each move made once the card shows the last."""
    fay, pat = run.fay, run.pat
    sam, sue = run.supporters
    a = run.set_a
    await run.say("r-start", fay, "start <at>Pat Lee</at>", a, people=(pat,))
    run.moves.append("start")
    run.header = await eventually(
        lambda: _header_in(run.bf, a.conversation),
        within=run.plan.step_within,
        every=0.05,
        what="the round card being posted",
    )
    header = run.header
    sid = str(button_value(run.bf.card_of(header), "round:next")).split(":")[0]
    here_card = await eventually(
        lambda: _card_with(run.bf, a.conversation, "attend:here"),
        within=run.plan.step_within,
        every=0.05,
        what="the Opening's [I'm here]",
    )
    for who in (sam, sue):
        await run.press(f"r-here-{who.name}", who, a, here_card, "attend:here", sid)
        run.here.append(who.aad or "")

    async def at_phase(phase: str) -> str:
        def token(card: Any) -> str | None:
            value = button_value(card, "round:next")
            return value if value and value.split(":")[1].split(".")[0] == phase else None

        return str(await run.card_showing(f"in {phase}", token))

    async def press_next(phase: str) -> None:
        value = await at_phase(phase)
        await run.press(f"r-next-{phase}", fay, a, header, "round:next", value)
        run.moves.append(f"next from {phase} (button)")

    async def type_next(phase: str) -> None:
        await at_phase(phase)
        await run.say(f"r-next-{phase}", fay, "next", a, root=header)
        run.moves.append(f"next from {phase} (typed)")

    await press_next("opening")
    await type_next("updates")
    await at_phase("presenting")
    await run.press("r-pause", fay, a, header, "round:pause", sid)
    await run.card_showing("paused", lambda card: button_value(card, "round:resume"))
    await run.press("r-resume", fay, a, header, "round:resume", sid)
    await run.card_showing("resumed", lambda card: button_value(card, "round:pause"))
    await press_next("presenting")
    await at_phase("questions")
    asked: list[Sent] = []
    for i in range(4):
        who = (sam, sue)[i % 2]
        question = f"What would success look like for you, question {i}?"
        asked.append(await run.post(f"r-q{i}", who, question, header))
        run.questions.append(question)
    # Sue saves Sam's first question as a do, through the message action.
    said = payloads.message_payload(
        asked[0].payload["id"], f"<p>{run.questions[0]}</p>", sam, reply_to=header
    )
    saving = payloads.save_as_do(a, sue, said, to=run.me, root=header)
    answer = await run.sender.send("r-save-as-do", saving)
    run.saved_as_do.append(answer.name)
    if "task" not in answer.answer:
        run.problems.append(f"save as do answered {answer.status} {answer.answer[:80]!r}")
    await type_next("questions")
    await press_next("summary")
    await at_phase("actions")
    for i in range(3):
        action = f"Phone the trustees about plan {i}"
        await run.post(f"r-a{i}", pat, action, header)
        run.actions.append(action)
    await press_next("actions")
    evaluation = await run.card_showing(
        "offering ratings", lambda card: card if button_value(card, "round:rate") else None
    )
    rates = [d for d in card_actions(evaluation) if d.get("als_action") == "round:rate"]
    for n, who in enumerate((sam, sue)):
        value = str(rates[3 + n]["als_value"])  # 4 and 5
        await run.press(f"r-rate-{who.name}", who, a, header, "round:rate", value)
        run.ratings[who.aad or ""] = int(value.rsplit(":", 1)[1])
    await type_next("evaluation")
    run.round_s = asyncio.get_running_loop().time() - run.t0


async def chatter(run: TeamsRun, who: Member, rng: random.Random) -> None:
    """Actions committed in set B's channel, and updates on them written to the bot in the
    1:1 chat (an update needs an open action); some shared from their preview card."""
    loop = asyncio.get_running_loop()
    chat = run.personal[who.aad or ""]
    n = 0
    while loop.time() < run.t0 + run.plan.duration:
        n += 1
        if n == 1 or rng.random() < 0.3:
            action = f"Call supplier {who.name} about order {n}"
            await run.say(f"act-{who.name}-{n}", who, f"action {action}", run.set_b)
            run.set_b_actions.append((who.aad or "", action))
            continue
        text = f"Update {n} from {who.name}: spoke to them, it is moving"
        message = payloads.message(chat, who, text, to=run.me)
        await run.sender.send(f"dm-{who.name}-{n}", message)
        run.updates.append((who.aad or "", text))
        if rng.random() < 0.5:
            card = await _preview(run, chat, text)
            value = str(button_value(run.bf.card_of(card), "upd:share"))
            await run.press(f"share-{who.name}-{n}", who, chat, card, "upd:share", value)
            run.shared.append((who.aad or "", text))
        await asyncio.sleep(rng.uniform(0.05, 0.4))


async def _preview(run: TeamsRun, chat: Place, text: str) -> str:
    def found() -> str | None:
        for call in run.bf.posts(chat.conversation):
            card = card_in(call.body)
            if text in json.dumps(card) and button_value(card, "upd:share") is not None:
                return call.activity_id
        return None

    return await eventually(
        found, within=run.plan.step_within, every=0.05, what=f"the preview of {text!r}"
    )


async def noting(run: TeamsRun, actor: Awaitable[None]) -> None:
    """An actor whose next step waits for an effect that never comes (a lost event) stops,
    and says so among the problems, rather than end the run before it is verified."""
    try:
        await actor
    except NeverHappened as missing:
        run.problems.append(f"stopped waiting: {missing}")


async def supervisor(run: TeamsRun, moments: list[tuple[float, bool]]) -> None:
    for moment, on_accept in moments:
        await run.until(moment)
        if on_accept:
            await _next_post(run.bf)
        run.kill_times.append(time.time())
        await run.bot.kill()
        await run.bot.start()
        # Each kill finds the bot up and working, not still importing after the last: on
        # a loaded machine a start takes seconds, and a moment missed is taken at once.
        await run.bot.wait_healthy()


async def _next_post(bf: BotConnector, within: float = 3.0) -> None:
    """Until the connector accepts a new post (or `within` passes): the stand-in wakes its
    waiters as it records the call, before its answer is on the way back."""
    seen = len(bf.posts())
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(within):
            await bf.wait_for(lambda connector: len(connector.posts()) > seen)


def kill_moments(plan: TeamsCrashPlan, rng: random.Random) -> list[tuple[float, bool]]:
    """Seeded moments, apart; `plan.on_accept` of them (chosen at random) wait there for
    the next post to be accepted."""
    moments: list[float] = []
    while len(moments) < plan.kills:
        candidate = rng.uniform(1.0, plan.duration)
        if all(abs(candidate - m) > 0.8 for m in moments):
            moments.append(candidate)
    accepting = set(rng.sample(range(plan.kills), min(plan.on_accept, plan.kills)))
    return [(m, i in accepting) for i, m in enumerate(sorted(moments))]


# ------------------------------------------------------------------------------ the run


async def run_teams_crash(workdir: Path, plan: TeamsCrashPlan | None = None) -> dict[str, Any]:
    plan = plan or TeamsCrashPlan()
    rng = random.Random(plan.seed)
    db_url = f"sqlite+aiosqlite:///{workdir / 'alsbot.db'}"
    port, health = free_port(), free_port()
    async with BotConnector() as bf:
        sections = config_sections(bf, db_url, port, health)
        config = write_config(workdir / "alsbot.toml", sections)
        env = teams_env(bf)
        logdir = workdir / "logs"
        logdir.mkdir()
        bot = BotProcess(config, env, logdir, port, path="/api/messages", health_port=health)
        sender = TeamsSender(bf, bot.url, redeliver=plan.redeliver, rng=random.Random(rng.random()))
        run = TeamsRun(plan, bf, bot, sender, db_url, rng, **make_world(plan, bf))
        started = time.monotonic()
        moments = kill_moments(plan, rng)
        try:
            await bot.start()
            await bot.wait_healthy()
            run.t0 = asyncio.get_running_loop().time()

            async def stream() -> None:
                await first_contact(run)
                await asyncio.gather(
                    noting(run, round_script(run)),
                    *(noting(run, chatter(run, who, rng)) for who, rng in chatting),
                )

            chatting = [(who, random.Random(rng.random())) for who in run.chatters]
            await asyncio.gather(supervisor(run, moments), stream())
            stream_s = asyncio.get_running_loop().time() - run.t0
            await bot.wait_healthy()
            settle_s = await settle(db_url, within=plan.settle_within)
        finally:
            await sender.close()
            exit_code = await bot.stop()
        figures = await verify(run, exit_code, bot.logs())
        figures["stream_s"] = round(stream_s, 1)
        figures["round_moves_done_after_s"] = run.round_s and round(run.round_s, 1)
        figures["settle_after_stream_s"] = round(settle_s, 1)
        figures["wall_s"] = round(time.monotonic() - started, 1)
    return figures
