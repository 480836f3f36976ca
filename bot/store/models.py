"""The schema, as SQLAlchemy 2 declarative models.

Identities are stored as the `key` strings of `bot.refs` (`slack:T1:U2`), so a row can never
mix up two workspaces.  No table holds a transcript of a round: only what people choose to
commit (actions, updates, ratings, do's) and what the bot must remember to work (state,
timers, the inbox and outbox).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Always aware UTC in Python, whatever the database keeps (SQLite keeps naive text).

    Without this, SQLite hands back naive datetimes and every comparison with the clock's
    aware `now` would be a bug waiting to happen.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use the injected clock")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }
    # Every model here is mapped to one real table, and the code reads its columns through
    # `Model.__table__.c`; SQLAlchemy types it as the wider FromClause.
    __table__: ClassVar[Table]


class Set(Base):
    """An Action Learning Set: one per channel."""

    __tablename__ = "sets"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_key: Mapped[str] = mapped_column(String(200), index=True)
    channel_key: Mapped[str] = mapped_column(String(300), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("set_id", "user_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"))
    user_key: Mapped[str] = mapped_column(String(300), index=True)
    is_facilitator: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime]


class Person(Base):
    """Per-person preferences that follow someone across sets (time zone, nudges)."""

    __tablename__ = "people"
    user_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    nudges: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_hours: Mapped[str | None] = mapped_column(String(20))
    pairs: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # 0009


class Session(Base):
    """One meeting of a set; `state` is the round engine's JSON state."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # active | closed
    state: Mapped[str] = mapped_column(Text)
    started_by: Mapped[str | None] = mapped_column(String(300))
    started_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Transient round data (the questions to hand the presenter); emptied once delivered.
    scratch: Mapped[dict[str, Any]] = mapped_column(default=dict)


Index(
    "one_active_session_per_set",
    Session.set_id,
    unique=True,
    sqlite_where=text("status = 'active'"),
    postgresql_where=text("status = 'active'"),
)


class Round(Base):
    """One presenter's turn within a session."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("session_id", "presenter_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    presenter_key: Mapped[str | None] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime | None]


class Action(Base):
    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    owner_key: Mapped[str | None] = mapped_column(String(300), index=True)
    text: Mapped[str] = mapped_column(Text)
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OutcomeUpdate(Base):
    """What a past presenter reports about their actions before the next session."""

    __tablename__ = "outcome_updates"
    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), index=True)
    user_key: Mapped[str] = mapped_column(String(300), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Draft(Base):
    """Something a person said that the bot will not treat as theirs to share until they say
    yes: a DM that may be an outcome update, a round message that may be an action, a status
    read from their words. Only its author ever sees it; it expires (`bot.retention`)."""

    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), index=True)
    user_key: Mapped[str] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # update | action | status
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Evaluation(Base):
    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("session_id", "user_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    user_key: Mapped[str] = mapped_column(String(300), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    word: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]


class ScheduleRow(Base):
    """A set's next session and how it recurs (see bot.dates.recurrence)."""

    __tablename__ = "schedules"
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), primary_key=True)
    first_at: Mapped[datetime]
    recurrence: Mapped[dict[str, Any] | None]
    next_at: Mapped[datetime | None]
    # The first session's end (later ones keep its length), where it is and how to join.
    ends_at: Mapped[datetime | None]
    venue: Mapped[str | None] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(500))


class Timer(Base):
    """Everything timed: phase deadlines, nudges, reminders, digests, do undo windows.

    A tick claims due rows atomically; the handler's effect and `status = 'done'` commit
    together, so several processes never act on the same row twice.  `dedupe` stops the
    same timer being scheduled twice.
    """

    __tablename__ = "timers"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    subject: Mapped[str] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe: Mapped[str | None] = mapped_column(String(300), unique=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


Index(
    "timers_due_pending",
    Timer.due_at,
    sqlite_where=text("status = 'pending'"),
    postgresql_where=text("status = 'pending'"),
)


class Inbox(Base):
    """Every accepted event, written before the platform is acknowledged.

    `key` is the idempotency key: a second delivery of the same event finds it here and
    has no second effect.  Rows stay as the record of processed keys until pruned.
    """

    __tablename__ = "inbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    # Not before this time: its preparation failed for now (migration 0006).
    not_before: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")


Index(
    "inbox_pending",
    Inbox.id,
    sqlite_where=text("status = 'pending'"),
    postgresql_where=text("status = 'pending'"),
)


class Outbox(Base):
    """Replies waiting to be delivered, in order per channel; failures stay visible."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    lane: Mapped[str] = mapped_column(String(300))
    cause: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    set_id: Mapped[int | None] = mapped_column(Integer, index=True)
    handle: Mapped[str | None] = mapped_column(String(300), index=True)


Index(
    "outbox_pending",
    Outbox.platform,
    Outbox.id,
    sqlite_where=text("status IN ('pending', 'sending')"),
    postgresql_where=text("status IN ('pending', 'sending')"),
)


class Posted(Base):
    """Which platform message a reply's `handle` became."""

    __tablename__ = "posted"
    handle: Mapped[str] = mapped_column(String(300), primary_key=True)
    message_key: Mapped[str] = mapped_column(String(400), index=True)
    created_at: Mapped[datetime]


class Do(Base):
    """A small, practical tip saved from chat into the set's toolkit."""

    __tablename__ = "dos"
    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    norm_text: Mapped[str] = mapped_column(Text)  # indexed with set_id (migration 0003)
    author_key: Mapped[str | None] = mapped_column(String(300), index=True)
    saved_by: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="saved")
    created_at: Mapped[datetime]
    featured_at: Mapped[datetime | None]  # last "do of the week" (migration 0002)


Index("ix_dos_set_id_norm_text", Do.set_id, Do.norm_text)  # the merge lookup on save


class DoSource(Base):
    """A message a do came from; merged do's keep every source."""

    __tablename__ = "do_sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    do_id: Mapped[int | None] = mapped_column(ForeignKey("dos.id", ondelete="CASCADE"), index=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"))
    message_key: Mapped[str] = mapped_column(String(400), unique=True)
    author_key: Mapped[str | None] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    permalink: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="counting")
    created_at: Mapped[datetime]
    saved_at: Mapped[datetime | None]  # when it became (part of) a do (migration 0002)


class DoReaction(Base):
    """Who reacted to which candidate message: thresholds count distinct people."""

    __tablename__ = "do_reactions"
    __table_args__ = (UniqueConstraint("message_key", "user_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_key: Mapped[str] = mapped_column(String(400), index=True)
    user_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
    emoji: Mapped[str | None] = mapped_column(String(100))  # as normalised (migration 0002)
    # The variants this person still has on the message (skin tones, burst), migration 0006.
    variants: Mapped[str | None] = mapped_column(String(400))


class AdapterState(Base):
    """A small named value an adapter keeps across restarts (migration 0006): Discord's
    gateway session and last durable sequence, so a restart can RESUME and catch up."""

    __tablename__ = "adapter_state"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class Lease(Base):
    """A named lease one process holds until `until` (migration 0007): the Discord gateway
    is held by exactly one process, and taken over when its holder stops renewing."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    until: Mapped[datetime]
    acquired_at: Mapped[datetime]


class ReplyHandle(Base):
    """How a private answer reaches the person who caused an event, whichever process
    delivers it (migration 0007): a Slack `response_url` or a Discord interaction token.
    Short-lived by nature; retention deletes a row once `expires_at` has passed."""

    __tablename__ = "reply_handles"
    cause: Mapped[str] = mapped_column(String(400), primary_key=True)  # the event's key
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(100))  # the platform's own id
    secret: Mapped[str] = mapped_column(Text)  # the response_url, or the interaction token
    application_id: Mapped[str | None] = mapped_column(String(100))  # Discord
    thinking: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    deferred: Mapped[bool | None]  # Discord: None until tried
    original_used: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    uses: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Attendance(Base):
    """Who took part in a session (migration 0008): one row per person, the first way they
    showed up (`spoke`, `pressed`, `rated`, `here`).  Theirs: exported and forgotten."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    user_key: Mapped[str] = mapped_column(String(300), index=True)
    how: Mapped[str] = mapped_column(String(16))
    first_at: Mapped[datetime]


class WebLink(Base):
    """The unguessable token in a set's toolkit and report links (migration 0008); rotating
    replaces it, so old links answer 404."""

    __tablename__ = "web_links"

    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class DisplayName(Base):
    """A person's name as their platform gave it, cached for the web pages, which never
    show platform ids (migration 0008).  Forgotten with the person."""

    __tablename__ = "display_names"

    user_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    fetched_at: Mapped[datetime]


class NetworkItem(Base):
    """An offer ("I can help with grant applications") or a want ("I'd like to learn to run a
    focus group") in a set (migration 0009, issue 18).  Its author's: visible to the set,
    changed or removed only by them, exported and forgotten with them.  `status`: `open`,
    `removed`, `expired`."""

    __tablename__ = "network_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # offer | want
    author_key: Mapped[str] = mapped_column(String(300), index=True)
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]


class MatchProposal(Base):
    """One want paired with one offer, proposed privately to both people (migration 0009).
    A pair is proposed at most once (the unique key): declined is never proposed again.
    `want_answer`/`offer_answer`: None, `yes`, `no`; `status`: `proposed`, `declined`,
    `opened` (both said yes: one conversation opened), `lapsed`; `outcome`: None, `talked`,
    `not_yet` (asked a week after opening)."""

    __tablename__ = "match_proposals"
    __table_args__ = (UniqueConstraint("want_id", "offer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), index=True)
    want_id: Mapped[int] = mapped_column(ForeignKey("network_items.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(
        ForeignKey("network_items.id", ondelete="CASCADE"), index=True
    )
    wanter_key: Mapped[str] = mapped_column(String(300), index=True)
    offerer_key: Mapped[str] = mapped_column(String(300), index=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    want_answer: Mapped[str | None] = mapped_column(String(8))
    offer_answer: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    created_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_at: Mapped[datetime | None]


class SetPrompt(Base):
    """A prompt of the week a set added to the bank (migration 0009); the bot's own prompts
    are in the code.  `status`: `active`, `removed`."""

    __tablename__ = "set_prompts"

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str | None] = mapped_column(String(300), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]


class PromptPost(Base):
    """Which prompt was posted in which local week (migration 0009): the rotation through
    the bank, and at most one a week.  Replies are the platform's; none is stored."""

    __tablename__ = "prompt_posts"
    __table_args__ = (UniqueConstraint("set_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))  # the set's local ISO week, "2026-W49"
    prompt_key: Mapped[str] = mapped_column(String(40))  # "bank:0", "set:12"
    posted_at: Mapped[datetime]


class Pairing(Base):
    """One pair (or trio) introduced between sessions (migration 0009). `round_no` counts a
    set's pairing rounds, so "not the previous two rounds' pairs" is a query."""

    __tablename__ = "pairings"

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), index=True)
    round_no: Mapped[int]
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    starter: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class PairMember(Base):
    """A person in a pairing, and what they answered a week later (`met`, `not_yet`, or None)
    (migration 0009).  Theirs: exported and forgotten with them."""

    __tablename__ = "pair_members"
    __table_args__ = (UniqueConstraint("pairing_id", "user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    user_key: Mapped[str] = mapped_column(String(300), index=True)
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None]


class DepartedWorkspace(Base):
    """A workspace the app was removed from (uninstalled, or its tokens revoked; migration
    0010): nothing more is sent there, and its data is deleted at `purge_at` unless the
    app is installed again first (`bot.workspaces`)."""

    __tablename__ = "departed_workspaces"

    workspace_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
    departed_at: Mapped[datetime]
    purge_at: Mapped[datetime]
    purged_at: Mapped[datetime | None]


# Slack's OAuth tables, in the shape of slack_sdk's SQLAlchemy installation and state
# stores (migration 0010): `adapters/slack/installations.py` runs slack_sdk's store code
# over them.  Declared here so that the migrations and the models are checked to agree;
# the core never reads them.  Times are naive UTC, as slack_sdk writes them.
_SLACK_BOT_COLUMNS = (
    ("bot_token", String(200)),
    ("bot_id", String(32)),
    ("bot_user_id", String(32)),
    ("bot_scopes", String(1000)),
    ("bot_refresh_token", String(200)),
)

SLACK_INSTALLATIONS = Table(
    "slack_installations",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("enterprise_url", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    *(Column(name, kind) for name, kind in _SLACK_BOT_COLUMNS),
    Column("bot_token_expires_at", DateTime),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False),
    Index(
        "slack_installations_idx",
        "client_id",
        "enterprise_id",
        "team_id",
        "user_id",
        "installed_at",
    ),
)

SLACK_BOTS = Table(
    "slack_bots",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    *(Column(name, kind) for name, kind in _SLACK_BOT_COLUMNS),
    Column("bot_token_expires_at", DateTime),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("installed_at", DateTime, nullable=False),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

SLACK_OAUTH_STATES = Table(
    "slack_oauth_states",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)
