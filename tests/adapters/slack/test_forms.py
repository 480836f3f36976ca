"""Forms on Slack: `/als offer` with no words opens a modal; its submission is the command.

Through the real HTTP endpoint, signed as Slack signs, against the Web API stand-in: the
modal is opened with the command's own trigger before the command is acknowledged, and
nothing is recorded until the form comes back; then its answers become the command's text
in one inbox row, keyed by the view, and the modal closes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.slack import translate
from adapters.slack.bolt_app import NO_FORM, SORRY
from adapters.slack.translate import FILL_IN
from bot.clock import FakeClock
from bot.commands.network_commands import OfferAdd
from bot.events import CommandInvoked, event_from_json
from bot.store.models import Inbox
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import CORPUS, CORPUS_BACKEND, IDENTITY, SET, SlackWorld


async def commands(world: SlackWorld) -> list[CommandInvoked]:
    async with world.bot.store.read() as conn:
        bodies = (await conn.execute(select(Inbox.body).order_by(Inbox.id))).scalars().all()
    events = [event_from_json(body) for body in bodies]
    return [e for e in events if isinstance(e, CommandInvoked)]


@pytest.mark.asyncio
async def test_offer_with_no_words_opens_its_form_and_records_nothing(
    http_world: SlackWorld,
) -> None:
    answer = await http_world.command("UALICE", "offer", trigger_id="trig.form1")
    assert answer.status == 200 and answer.body == ""
    [call] = http_world.api.calls_to("views.open")
    assert call.args["trigger_id"] == "trig.form1"
    [view] = http_world.api.modals
    assert view["type"] == "modal" and view["callback_id"] == "als_form:offer add"
    assert json.loads(view["private_metadata"]) == {"channel": SET}
    assert view["title"]["text"] == "Offer help" and view["submit"]["text"] == "Save"
    text, tags = view["blocks"]
    assert (text["block_id"], text["optional"]) == ("text", False)
    assert text["element"]["type"] == "plain_text_input" and text["element"]["multiline"]
    assert text["element"]["max_length"] == 500
    assert text["label"]["text"] == "What can you offer the set?"
    assert (tags["block_id"], tags["optional"], tags["element"]["multiline"]) == (
        "tags",
        True,
        False,
    )
    assert await http_world.inbox_count() == 0
    # `/als want add` opens the want's form; words after the verb are the command as ever.
    assert (await http_world.command("UALICE", "want add")).status == 200
    assert http_world.api.modals[-1]["callback_id"] == "als_form:want add"
    await http_world.command("UALICE", "offer I can help with bids")
    assert len(http_world.api.modals) == 2
    assert [c.text for c in await commands(http_world)] == ["offer I can help with bids"]


@pytest.mark.asyncio
async def test_the_submitted_form_is_the_command_recorded_once_before_the_modal_closes(
    http_world: SlackWorld,
) -> None:
    await http_world.command("UALICE", "offer")
    answers = {"text": "I can help with grant\napplications", "tags": "funding, #writing"}
    answer = await http_world.submit_form("UALICE", answers)
    assert answer.status == 200 and answer.body == ""  # no errors: the modal closes
    [command] = await commands(http_world)
    assert command.text == "offer I can help with grant applications #funding #writing"
    assert command.user.id == "UALICE" and command.channel.id == SET
    assert command.user.workspace.id == sign.TEAM
    view = http_world.api.modals[-1]
    assert command.key == f"slack:view:{view['id']}:{view['hash']}"
    # Slack sending the same submission again changes nothing.
    assert (await http_world.submit_form("UALICE", answers)).status == 200
    assert len(await commands(http_world)) == 1


@pytest.mark.asyncio
async def test_an_empty_required_answer_is_shown_beside_its_field_and_nothing_is_kept(
    http_world: SlackWorld,
) -> None:
    await http_world.command("UALICE", "want")
    answer = await http_world.submit_form("UALICE", {"text": "   ", "tags": "research"})
    assert answer.status == 200
    assert answer.json == {"response_action": "errors", "errors": {"text": FILL_IN}}
    assert await http_world.inbox_count() == 0


@pytest.mark.asyncio
async def test_a_view_that_is_not_an_alsbot_form_gets_a_clean_200_and_nothing_is_written(
    http_world: SlackWorld,
) -> None:
    view = {
        "id": "V0OTHER",
        "hash": "1767225600.000001",
        "type": "modal",
        "callback_id": "someone_elses_form",
        "private_metadata": json.dumps({"channel": SET}),
        "blocks": [
            {
                "type": "input",
                "block_id": "text",
                "element": {"type": "plain_text_input", "action_id": "text"},
            }
        ],
    }
    answer = await http_world.submit_form("UALICE", {"text": "hello"}, view=view)
    assert answer.status == 200 and answer.body == ""
    assert await http_world.inbox_count() == 0
    assert [c.method for c in http_world.api.calls] == ["auth.test"]
    # Nor a forged form naming no channel.
    forged = {**view, "callback_id": "als_form:offer add", "private_metadata": "{}"}
    assert (await http_world.submit_form("UALICE", {"text": "x"}, view=forged)).status == 200
    assert await http_world.inbox_count() == 0


@pytest.mark.asyncio
async def test_a_form_slack_will_not_open_says_how_to_type_the_command(
    http_world: SlackWorld,
) -> None:
    http_world.api.expired_triggers.add("trig.old")
    answer = await http_world.command("UALICE", "offer", trigger_id="trig.old")
    assert answer.status == 200
    assert answer.body == NO_FORM.format(usage=OfferAdd.spec.usage)
    assert await http_world.inbox_count() == 0


@pytest.mark.asyncio
async def test_forms_work_in_socket_mode_too(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock, socket_server
) -> None:
    world = await SlackWorld.open(web_api, sqlite_url, clock, mode="socket", socket=socket_server)
    try:
        await world.command("UBOB", "want")
        assert world.api.modals[-1]["callback_id"] == "als_form:want add"
        await world.submit_form("UBOB", {"text": "I'd like to learn to chair"})
        [command] = await commands(world)
    finally:
        await world.close()
    assert command.text == "want I'd like to learn to chair"


@pytest.mark.skipif(not CORPUS.exists(), reason="payload corpus not present")
@pytest.mark.parametrize("path", CORPUS_BACKEND, ids=lambda p: p.stem)
def test_every_blanked_backend_shape_is_no_form_submission(path: Path) -> None:
    payload = json.loads(path.read_text())
    outcome = translate.from_view_submission(payload, IDENTITY)
    assert isinstance(outcome, translate.Ignored) and outcome.reason


@pytest.mark.asyncio
async def test_a_form_that_cannot_be_recorded_stays_open_with_a_sorry(
    http_world: SlackWorld,
) -> None:
    await http_world.command("UALICE", "offer")

    class Broken:
        async def submit(self, event, handle=None):  # the inbox write failed
            raise RuntimeError("disk I/O error")

    listeners = http_world.service.listeners
    listeners.submitter, real = Broken(), listeners.submitter
    try:
        answer = await http_world.submit_form("UALICE", {"text": "I can help"})
    finally:
        listeners.submitter = real
    assert answer.status == 200
    assert answer.json == {"response_action": "errors", "errors": {"text": SORRY}}
    await http_world.service.background.drain()
    assert await http_world.inbox_count() == 0
