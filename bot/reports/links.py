"""`/als link` and `/als link rotate`: the set's pages online, at links nobody can guess.

A link is a capability: whoever holds it can read the set's toolkit and report (the do's
and the counts, never anyone's private words), and nothing else checks who they are.  So
the token is `secrets.token_urlsafe(24)` (192 bits), made on first use, shown only to a
facilitator and only privately, and rotating it replaces the row: the old links stop
working at the next request, with no list of revoked tokens to keep.

The web server (`adapters/web`) finds a set from a token with `set_for_token`, one lookup
on the unique index; anything that is not shaped like a token is refused before the
database is asked.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.commands.values import Link, LinkRotate
from bot.config import WebConfig
from bot.context import Ctx
from bot.events import CommandInvoked
from bot.replies import Ephemeral, Strong, Text, text
from bot.router import Router
from bot.sets import records as sets
from bot.store.models import WebLink
from bot.store.upsert import insert_ignore

LINKS = WebLink.__table__
TOKEN_BYTES = 24  # 192 bits: far beyond guessing, and 32 characters in a link
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "0.0.0.0", "")

ANYONE_CAN_READ = (
    "Anyone with a link can read its page: the set's saved do's and its counts, never anyone's "
    "private words. Share them with care; `/als link rotate` replaces both, and the old links "
    "stop working at once."
)
PAGES_OFF = (
    "The set's pages online are switched off on this bot. Whoever runs it turns them on with "
    "`enabled = true` (and the public `base_url`) in the `[web]` section of its settings."
)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


async def token_of(conn: AsyncConnection, set_id: int) -> str | None:
    found = await conn.execute(select(LINKS.c.token).where(LINKS.c.set_id == set_id))
    return found.scalar_one_or_none()


async def ensure_token(conn: AsyncConnection, set_id: int, now: datetime) -> str:
    """The set's token, made on first use (two first uses at once keep one of them)."""
    statement = insert_ignore(LINKS, conn.dialect.name, ["set_id"])
    await conn.execute(statement.values(set_id=set_id, token=new_token(), created_at=now))
    token = await token_of(conn, set_id)
    assert token is not None
    return token


async def rotate(conn: AsyncConnection, set_id: int, now: datetime) -> str:
    """A new token for the set; the old one names nothing from this commit on."""
    token = new_token()
    changed = await conn.execute(
        update(LINKS).where(LINKS.c.set_id == set_id).values(token=token, created_at=now)
    )
    if changed.rowcount == 0:
        await conn.execute(LINKS.insert().values(set_id=set_id, token=token, created_at=now))
    return token


async def set_for_token(conn: AsyncConnection, token: str) -> int | None:
    """The set a link's token names, or None (unknown, rotated away, or not a token)."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    found = await conn.execute(select(LINKS.c.set_id).where(LINKS.c.token == token))
    return found.scalar_one_or_none()


def page_urls(web: WebConfig, token: str) -> tuple[str, str]:
    """(toolkit, report) links for `token` under the configured public address."""
    base = web.public_base()
    return f"{base}/s/{token}/toolkit", f"{base}/s/{token}/report"


def _links_text(web: WebConfig, token: str, heading: str) -> Text:
    toolkit, report = page_urls(web, token)
    body = text(Strong(heading), f"\nThe do's toolkit: {toolkit}\nThe report: {report}\n")
    body += ANYONE_CAN_READ
    if not web.base_url and web.host in LOCAL_HOSTS:
        body += (
            "\n(These links name this machine's own address: until whoever runs the bot sets "
            "`base_url` in `[web]`, they work only on the machine itself.)"
        )
    return body


async def link(ctx: Ctx, event: CommandInvoked, _command: Link) -> None:
    web = ctx.config.web
    if not web.enabled:
        ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=text(PAGES_OFF)))
        return
    token = await ensure_token(ctx.conn, sets.command_set(ctx).id, ctx.now)
    body = _links_text(web, token, "The set's pages online")
    ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=body))


async def link_rotate(ctx: Ctx, event: CommandInvoked, _command: LinkRotate) -> None:
    """Works with the pages off too: a link that leaked while they were on must not come
    back to life when they are turned on again."""
    web = ctx.config.web
    token = await rotate(ctx.conn, sets.command_set(ctx).id, ctx.now)
    if web.enabled:
        body = _links_text(web, token, "New links: the old ones no longer work")
    else:
        body = text(
            Strong("Replaced: "),
            "the old links will not work again. ",
            PAGES_OFF,
            " Then `/als link` gives you the new ones.",
        )
    ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=body))


def register(router: Router) -> None:
    router.command(Link, link)
    router.command(LinkRotate, link_rotate)
