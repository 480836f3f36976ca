"""Two workspaces in one core: `GONE` (the harness's own, which the app leaves) and
`STAYS`. `fill` puts one row about a workspace in every table that can hold one, so a
purge is checked table by table; `snapshot` reads the whole database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.events import AppInstalled, AppRemoved
from bot.refs import ChannelRef, Platform, UserRef, WorkspaceRef
from bot.store.models import (
    SLACK_BOTS,
    SLACK_INSTALLATIONS,
    SLACK_OAUTH_STATES,
    Action,
    AdapterState,
    Attendance,
    Base,
    DisplayName,
    Do,
    DoReaction,
    DoSource,
    Draft,
    Evaluation,
    Inbox,
    Lease,
    MatchProposal,
    Member,
    NetworkItem,
    OutcomeUpdate,
    Pairing,
    PairMember,
    Person,
    Posted,
    PromptPost,
    ReplyHandle,
    Round,
    ScheduleRow,
    Session,
    SetPrompt,
    Timer,
    WebLink,
)
from bot.store.models import Set as SetRow
from bot.workspaces import scope
from testkit.harness import WS, Harness

GONE = WS
STAYS = WorkspaceRef(Platform.CONSOLE, "stays")
STAYS_GENERAL = ChannelRef(STAYS, "general")
# Tables that never name a workspace: nothing of one is kept there.
UNBOUND = {"slack_oauth_states", "departed_workspaces"}
FAR = timedelta(days=100)  # beyond every test's window: a filled timer never fires
_n = iter(range(1, 10_000))


async def remove(h: Harness, ws: WorkspaceRef = GONE, reason: str = "uninstalled") -> None:
    await h.app.handle(
        AppRemoved(key=f"removed:{next(_n)}", user=UserRef(ws, "UBOT"), reason=reason)
    )


async def install(h: Harness, ws: WorkspaceRef = GONE) -> None:
    await h.app.handle(AppInstalled(key=f"installed:{next(_n)}", user=UserRef(ws, "UADMIN")))


def _value(value: Any) -> Any:
    return (
        json.dumps(value, sort_keys=True, default=str) if isinstance(value, (dict, list)) else value
    )


async def snapshot(h: Harness) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with h.app.store.read() as conn:
        for name, table in Base.metadata.tables.items():
            rows = [tuple(_value(v) for v in row) for row in await conn.execute(select(table))]
            out[name] = sorted(rows, key=repr)
    return out


def changed_tables(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


async def _insert(conn: AsyncConnection, model: Any, **values: Any) -> int:
    table = model if hasattr(model, "c") else model.__table__
    result = await conn.execute(insert(table).values(**values))
    key = result.inserted_primary_key
    return int(key[0]) if key and isinstance(key[0], int) else 0


async def fill(h: Harness, ws: WorkspaceRef, *, lease: bool = True, tag: str = "") -> None:
    """One row about `ws` in every table that can hold one (its own set, `C{ws.id}`), and a
    pending timer of every kind, each named as its kind names its subject."""
    now = h.clock.now()
    naive = now.replace(tzinfo=None)
    person, other = UserRef(ws, f"UFILL{tag}").key, UserRef(ws, f"UOTHER{tag}").key
    channel = ChannelRef(ws, f"C{ws.id}{tag}").key
    async with h.app.store.write() as conn:
        inbox_key = (
            await conn.execute(
                select(Inbox.__table__.c.key).where(Inbox.__table__.c.body.contains(f'"{ws.key}:'))
            )
        ).scalar()
        set_id = await _insert(
            conn,
            SetRow,
            workspace_key=ws.key,
            channel_key=channel,
            timezone="Europe/London",
            settings={},
            created_at=now,
        )
        await _insert(
            conn,
            Member,
            set_id=set_id,
            user_key=person,
            is_facilitator=True,
            active=True,
            joined_at=now,
        )
        await _insert(conn, Person, user_key=person, nudges=True, pairs=True)
        await _insert(conn, DisplayName, user_key=person, name="Fill", fetched_at=now)
        session_id = await _insert(
            conn,
            Session,
            set_id=set_id,
            status="closed",
            state=json.dumps({"presenters": [person]}),
            started_by=person,
            started_at=now,
            closed_at=now,
            version=0,
            scratch={},
        )
        await _insert(
            conn, Round, session_id=session_id, presenter_key=person, position=0, started_at=now
        )
        for model in (Action, OutcomeUpdate, Draft):
            extra: dict[str, Any] = {
                Action: {
                    "owner_key": person,
                    "status": "open",
                    "updated_at": now,
                    "session_id": session_id,
                },
                OutcomeUpdate: {"user_key": person, "session_id": session_id},
                Draft: {"user_key": person, "kind": "update", "data": {}},
            }[model]
            await _insert(conn, model, set_id=set_id, text="words", created_at=now, **extra)
        await _insert(
            conn, Evaluation, session_id=session_id, user_key=person, rating=4, created_at=now
        )
        await _insert(
            conn, Attendance, session_id=session_id, user_key=person, how="spoke", first_at=now
        )
        await _insert(conn, ScheduleRow, set_id=set_id, first_at=now + FAR, next_at=now + FAR)
        await _insert(conn, WebLink, set_id=set_id, token=f"token-{ws.id}{tag}", created_at=now)
        do_id = await _insert(
            conn, Do, set_id=set_id, text="Do it", norm_text="do it", author_key=person,
            saved_by=[other], tags=[], status="saved", created_at=now,
        )  # fmt: skip
        source_id = await _insert(
            conn, DoSource, do_id=do_id, set_id=set_id, message_key=f"{channel}:m1",
            author_key=person, text="Do it", status="saved", created_at=now,
        )  # fmt: skip
        await _insert(
            conn,
            DoReaction,
            message_key=f"{channel}:m1",
            user_key=other,
            created_at=now,
            emoji="white_check_mark",
        )
        items = {}
        for kind in ("want", "offer"):
            items[kind] = await _insert(
                conn, NetworkItem, set_id=set_id, kind=kind, author_key=person if kind == "want" else other,
                text=kind, tags=[], status="open", created_at=now, updated_at=now, expires_at=now + FAR,
            )  # fmt: skip
        proposal_id = await _insert(
            conn, MatchProposal, set_id=set_id, want_id=items["want"], offer_id=items["offer"],
            wanter_key=person, offerer_key=other, score=1.0, status="proposed", created_at=now,
        )  # fmt: skip
        await _insert(
            conn,
            SetPrompt,
            set_id=set_id,
            text="Ask",
            added_by=person,
            status="active",
            created_at=now,
        )
        await _insert(
            conn, PromptPost, set_id=set_id, week="2026-W03", prompt_key="bank:0", posted_at=now
        )
        pairing_id = await _insert(
            conn,
            Pairing,
            set_id=set_id,
            round_no=1,
            session_id=session_id,
            starter="Hi",
            created_at=now,
        )
        await _insert(conn, PairMember, pairing_id=pairing_id, user_key=person)
        await _insert(
            conn, Posted, handle=f"fill:{ws.id}{tag}", message_key=f"{channel}:m2", created_at=now
        )
        await _insert(
            conn,
            AdapterState,
            name=f"{ws.platform.value}:events-seen:{ws.id}:A1{tag}",
            value="1",
            updated_at=now,
        )
        if lease:
            await _insert(
                conn, Lease, name=f"{ws.platform.value}:gateway:{ws.id}", holder="p1",
                until=now + FAR, acquired_at=now,
            )  # fmt: skip
        if inbox_key is not None and not tag:
            await _insert(
                conn, ReplyHandle, cause=inbox_key, platform=ws.platform.value, user_id="UFILL",
                secret="https://hooks.example/x", created_at=now, expires_at=now + FAR,
            )  # fmt: skip
        for table in (SLACK_INSTALLATIONS, SLACK_BOTS):
            extra = {"user_id": "UADMIN"} if table is SLACK_INSTALLATIONS else {}
            await _insert(
                conn, table, client_id="1.2", app_id="A1", team_id=ws.id, bot_token=f"xoxb-{ws.id}",
                is_enterprise_install=False, installed_at=naive, **extra,
            )  # fmt: skip
        subjects = {
            scope.PERSON: person,
            scope.SET: f"set:{set_id}",
            scope.SET_ID: str(set_id),
            scope.SESSION_ID: str(session_id),
            scope.SOURCE_ID: str(source_id),
            scope.PROPOSAL: f"match:{proposal_id}",
        }
        for kind, form in scope.TIMER_SUBJECTS.items():
            if form in subjects:
                await _insert(
                    conn, Timer, kind=kind, due_at=now + FAR, status="pending", subject=subjects[form],
                    payload={}, dedupe=f"fill:{ws.key}:{kind}{tag}",
                )  # fmt: skip


async def fill_unbound(h: Harness) -> None:
    """Rows of the tables no workspace owns: they must survive any purge."""
    async with h.app.store.write() as conn:
        await _insert(
            conn, SLACK_OAUTH_STATES, state="s1", expire_at=h.clock.now().replace(tzinfo=None) + FAR
        )


async def pending_timers(h: Harness) -> list[Any]:
    t = Timer.__table__
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(t).where(t.c.status == "pending").order_by(t.c.id)))


def mentions(rows: list[tuple[Any, ...]], ws: WorkspaceRef) -> list[tuple[Any, ...]]:
    """Rows naming the workspace: its key, or its id as a segment of a key (`…:local:…`)."""
    found = []
    for row in rows:
        words = " ".join(str(v) for v in row)
        if ws.key in words or f":{ws.id}:" in words or f"-{ws.id}" in words or ws.id in row:
            found.append(row)
    return found


def at(h: Harness) -> datetime:
    return h.clock.now()
