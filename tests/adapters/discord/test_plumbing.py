"""Small pieces: endpoint rewriting, command comparison, emoji names, interaction tokens."""

from __future__ import annotations

from adapters.discord.emoji import character, same_emoji, short_code
from adapters.discord.interactions import TOKEN_LIFETIME, InteractionTokens
from adapters.discord.sync import same_commands
from adapters.discord.transport import DISCORD_API, Endpoints, normalise_api_base


def test_api_base_urls_are_normalised() -> None:
    for given in ("http://h:1", "http://h:1/", "http://h:1/api", "http://h:1/api/v10"):
        assert normalise_api_base(given) == "http://h:1/api/v10"
    assert normalise_api_base("https://proxy/api/v9") == "https://proxy/api/v9"
    assert normalise_api_base("") is None and normalise_api_base(None) is None


def test_endpoints_rewrite_discord_urls_only() -> None:
    ends = Endpoints.from_config("http://h:1", "ws://h:1/gateway")
    assert ends.custom
    assert ends.rest(DISCORD_API + "/users/@me") == "http://h:1/api/v10/users/@me"
    assert ends.rest("https://cdn.discordapp.com/x.png") == "https://cdn.discordapp.com/x.png"
    assert (
        ends.websocket("wss://gateway.discord.gg/?v=10&encoding=json&compress=zlib-stream")
        == "ws://h:1/gateway?v=10&encoding=json&compress=zlib-stream"
    )
    resume = "ws://elsewhere:2/resume?v=10"
    assert ends.websocket(resume) == resume  # the server's own resume URL is kept
    plain = Endpoints.from_config("", "")
    assert not plain.custom and plain.rest(DISCORD_API + "/x") == DISCORD_API + "/x"


def test_registered_commands_compare_by_what_matters() -> None:
    wanted = [{"name": "als", "description": "d", "type": 1, "options": [
        {"name": "next", "description": "n", "type": 1, "options": []}]}]  # fmt: skip
    registered = [{**wanted[0], "id": "9", "version": "3", "application_id": "1",
                   "options": [{**wanted[0]["options"][0], "required": False}]}]  # fmt: skip
    assert same_commands(wanted, registered)
    changed = [{**wanted[0], "description": "new"}]
    assert not same_commands(changed, registered) and not same_commands(wanted, [])


def test_one_do_emoji_on_both_platforms() -> None:
    assert short_code("✅") == short_code("✅\ufe0f") == "white_check_mark"
    assert short_code("👍🏽") == short_code("👍") == "thumbsup"  # Slack drops skin tones too
    assert short_code("blob", 42) == "custom:blob:42" and short_code(None) == ""
    # A custom emoji is never a Unicode one, whatever the server named it.
    assert short_code("white_check_mark", 7) != short_code("✅")
    assert character("custom:blob:42") == "<:blob:42>"
    assert character("white_check_mark") == character(":white_check_mark:") == "✅"
    assert character("✅") == "✅" and character("partyblob") == "partyblob"
    assert same_emoji("✅", "white_check_mark") and not same_emoji("✅", "x")


def test_interaction_tokens_expire_before_discord_does() -> None:
    now = [0.0]
    tokens = InteractionTokens(clock=lambda: now[0])
    tokens.remember("discord:interaction:1", object(), thinking=True)
    assert tokens.usable("discord:interaction:1") is not None
    assert tokens.usable("discord:interaction:2") is None and tokens.usable(None) is None
    now[0] = TOKEN_LIFETIME - 10  # inside Discord's 15 minutes, but too close to start
    assert tokens.usable("discord:interaction:1") is None
