"""Offers and wants (issue 18): `/als offer I can help with grant applications #funding`,
`/als want I'd like to learn to run a focus group`, their lists and searches, edits and
removals, and what `export-me`, `forget-me` and `/als leave` do to them.

An item is its author's: only they change it; they or a facilitator of the set remove it.
Every member of the set can list the set's open items (newest first, numbered by the item's
own id, which is what `edit` and `remove` take). Answers are private to the person. Each
saved or changed item is handed to the matcher through `ITEM_SAVED`, and each that goes
(removed, expired, its author left) through `ITEM_GONE` (`bot.network.hooks`); this module
never proposes anything itself. How long an item lasts and its reminder: `item_expiry.py`;
its words, tags, search and lines: `item_words.py`.

A member who leaves the set (`/als leave`) has their open items there removed (status
`removed`, `ITEM_GONE` called): nobody is matched with someone no longer in the set. Lists
also show only items of active members, in case a membership ended some other way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, insert, select, update

from bot.commands.values import (
    OfferAdd,
    OfferEdit,
    OfferList,
    OfferRemove,
    WantAdd,
    WantEdit,
    WantList,
    WantRemove,
)
from bot.context import Ctx, Refusal
from bot.events import CommandInvoked
from bot.network import item_expiry, item_words
from bot.network.handles import forget_handles
from bot.refs import UserRef
from bot.replies import Direct, Ephemeral, Mention, Text, text
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.sets.hooks import MEMBER_LEAVING, PERSON_EXPORT, PERSON_FORGET
from bot.store.models import Member, NetworkItem
from bot.store.plain import plain
from bot.store.upsert import inserted_id

ITEMS = NetworkItem.__table__
MEMBERS = Member.__table__


def _reply(event: CommandInvoked, body: Text) -> Ephemeral:
    return Ephemeral(channel=event.channel, user=event.user, text=body)


def _words(raw: str) -> item_words.Words:
    words = item_words.split_tags(raw)
    why_not = item_words.problem(words)
    if why_not:
        raise Refusal(why_not)
    return words


async def _expiry_words(
    ctx: Ctx, event: CommandInvoked, set_info: SetInfo, row_expires: Any
) -> str:
    tz = await sets.timezone_for(ctx, event.user, set_info)
    return item_words.day(row_expires, tz, ctx.now)


# --------------------------------------------------------------------------- add


async def add(ctx: Ctx, event: CommandInvoked, command: OfferAdd | WantAdd) -> None:
    set_info = sets.command_set(ctx)
    kind = noun = command.kind
    words = _words(command.text)
    mine = await ctx.conn.execute(
        select(ITEMS.c.id, ITEMS.c.text).where(
            ITEMS.c.set_id == set_info.id,
            ITEMS.c.kind == kind,
            ITEMS.c.author_key == event.user.key,
            ITEMS.c.status == "open",
        )
    )
    open_ones = list(mine)
    same = next((r.id for r in open_ones if r.text.casefold() == words.text.casefold()), None)
    if same is not None:
        raise Refusal(
            f"You already have that {noun} in this set: {noun} {same}. "
            f"`/als {noun} edit {same} …` changes its words or tags."
        )
    if len(open_ones) >= item_words.MAX_OPEN:
        raise Refusal(
            f"You have {item_words.MAX_OPEN} open {noun}s in this set, the most one person can "
            f"have: remove one first (`/als {noun}s` shows their numbers, then "
            f"`/als {noun} remove <n>`)."
        )
    expires_at = item_expiry.expires_from(ctx, set_info)
    result = await ctx.conn.execute(
        insert(ITEMS).values(
            set_id=set_info.id,
            kind=kind,
            author_key=event.user.key,
            text=words.text,
            tags=list(words.tags),
            status="open",
            created_at=ctx.now,
            updated_at=ctx.now,
            expires_at=expires_at,
            reminded_at=None,
        )
    )
    item_id = inserted_id(result)
    await item_expiry.plan(ctx, item_id, set_info.id, event.user.key, expires_at)
    until = await _expiry_words(ctx, event, set_info, expires_at)
    ctx.emit(_reply(event, item_words.saved(kind, item_id, words, until)))
    await item_expiry.saved(ctx, set_info, item_id)  # the matcher's words come after ours


# --------------------------------------------------------------------------- edit, remove


async def _item(ctx: Ctx, set_info: SetInfo, kind: str, number: int) -> Any:
    """The set's item of this kind numbered `number`, or a refusal that says how to find one."""
    row = await item_expiry.item_row(ctx, number)
    noun = kind
    if row is None or row.set_id != set_info.id or row.kind != kind:
        raise Refusal(
            f"There's no {noun} {number} in this set: `/als {noun}s` lists them with their numbers."
        )
    if row.status != "open":
        gone = "has expired" if row.status == "expired" else "was removed"
        raise Refusal(f"{noun.capitalize()} {number} {gone}; add it again with `/als {noun} …`.")
    return row


async def edit(ctx: Ctx, event: CommandInvoked, command: OfferEdit | WantEdit) -> None:
    set_info = sets.command_set(ctx)
    kind = noun = command.kind
    row = await _item(ctx, set_info, kind, command.item)
    if not sets.same_person(ctx, event.user, row.author_key):
        raise Refusal(
            f"{noun.capitalize()} {row.id} is someone else's: only its author can change it."
        )
    words = _words(command.text)
    changed = await ctx.conn.execute(
        update(ITEMS)
        .where(ITEMS.c.id == row.id, ITEMS.c.status == "open")
        .values(text=words.text, tags=list(words.tags), updated_at=ctx.now)
        .returning(ITEMS.c.id)
    )
    if changed.first() is None:  # closed by a timer or a press in the same moment
        raise Refusal(
            f"{noun.capitalize()} {row.id} has just closed; add it again with `/als {noun} …`."
        )
    until = await _expiry_words(ctx, event, set_info, row.expires_at)
    ctx.emit(_reply(event, item_words.saved(kind, row.id, words, until, edited=True)))
    await item_expiry.saved(ctx, set_info, row.id)


async def remove(ctx: Ctx, event: CommandInvoked, command: OfferRemove | WantRemove) -> None:
    set_info = sets.command_set(ctx)
    kind = noun = command.kind
    row = await _item(ctx, set_info, kind, command.item)
    own = sets.same_person(ctx, event.user, row.author_key)
    if not own and not await sets.is_facilitator(ctx, set_info.id, event.user):
        raise Refusal(
            f"{noun.capitalize()} {row.id} is someone else's: only its author or a facilitator "
            "of the set can remove it."
        )
    if not await item_expiry.close(ctx, set_info, row, "removed"):
        raise Refusal(f"{noun.capitalize()} {row.id} has just closed.")
    words = item_words.quoted(row.text, row.tags)
    ctx.emit(_reply(event, text(f"Removed {noun} {row.id}: ", words, ".")))
    if not own:
        ctx.emit(
            Direct(
                user=UserRef.from_key(row.author_key),
                text=text(
                    f"Your {noun} {row.id}, ",
                    words,
                    ", was removed by ",
                    Mention(event.user),
                    ", a facilitator of your set.",
                ),
            )
        )


# --------------------------------------------------------------------------- list


async def open_items(ctx: Ctx, set_id: int, kind: str | None = None) -> list[Any]:
    """The set's open, unexpired items (of one kind, or both) whose authors are still
    members, newest first: what `/als offers` lists and what the matcher ranks."""
    of_kind = [ITEMS.c.kind == kind] if kind is not None else []
    c = ITEMS.c
    rows = await ctx.conn.execute(
        select(c.id, c.kind, c.author_key, c.text, c.tags, c.expires_at)
        .join(
            MEMBERS,
            and_(
                MEMBERS.c.set_id == ITEMS.c.set_id,
                MEMBERS.c.user_key == ITEMS.c.author_key,
                MEMBERS.c.active.is_(True),
            ),
        )
        .where(
            ITEMS.c.set_id == set_id,
            *of_kind,
            ITEMS.c.status == "open",
            ITEMS.c.expires_at > ctx.now,
        )
        .order_by(ITEMS.c.created_at.desc(), ITEMS.c.id.desc())
    )
    return list(rows)


async def list_items(ctx: Ctx, event: CommandInvoked, command: OfferList | WantList) -> None:
    set_info = sets.command_set(ctx)
    terms = item_words.terms_of(command.terms)
    found = [
        item_words.Shown(
            r.id, UserRef.from_key(r.author_key), r.text, tuple(r.tags or ()), r.expires_at
        )
        for r in await open_items(ctx, set_info.id, command.kind)
        if item_words.matches(terms, r.text, r.tags or ())
    ]
    tz = await sets.timezone_for(ctx, event.user, set_info)
    asked = " ".join(command.terms.split())
    ctx.emit(_reply(event, item_words.listing(command.kind, found, asked, tz, ctx.now)))


# --------------------------------------------------------------------------- people


async def on_leaving(ctx: Ctx, set_info: SetInfo, user: UserRef) -> None:
    """Their open items in this set are removed: a match would introduce someone who left."""
    rows = await ctx.conn.execute(
        select(ITEMS).where(
            ITEMS.c.set_id == set_info.id, ITEMS.c.author_key == user.key, ITEMS.c.status == "open"
        )
    )
    for row in list(rows):
        await item_expiry.close(ctx, set_info, row, "removed")


async def export_person(ctx: Ctx, key: str) -> dict[str, Any]:
    """Section `offers_and_wants`: every item they wrote, open or not."""
    rows = await ctx.conn.execute(
        select(ITEMS).where(ITEMS.c.author_key == key).order_by(ITEMS.c.id)
    )
    return {"offers_and_wants": [plain(r) for r in rows]}


async def forget_person(ctx: Ctx, key: str) -> None:
    """Their offers and wants go (proposals naming them cascade; their timers, whose subject
    is the author, are deleted by `bot.sets.privacy`)."""
    mine = select(ITEMS.c.id).where(ITEMS.c.author_key == key)
    await forget_handles(
        ctx, (item_expiry.handle_prefix(r.id) for r in await ctx.conn.execute(mine))
    )
    await ctx.conn.execute(delete(ITEMS).where(ITEMS.c.author_key == key))


def register(router: Router) -> None:
    router.command(OfferAdd, add)
    router.command(WantAdd, add)
    router.command(OfferEdit, edit)
    router.command(WantEdit, edit)
    router.command(OfferRemove, remove)
    router.command(WantRemove, remove)
    router.command(OfferList, list_items)
    router.command(WantList, list_items)
    router.hook(MEMBER_LEAVING, on_leaving)
    router.hook(PERSON_EXPORT, export_person)
    router.hook(PERSON_FORGET, forget_person)
    item_expiry.register(router)
