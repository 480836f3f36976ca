"""What a restart needs to RESUME Discord's gateway session, and where to catch up from.

Discord keeps a session's dispatches for a while after its connection drops, and re-sends
those after a given sequence number to whoever RESUMEs it: a new process included. So the
adapter keeps, in the `adapter_state` row `discord:gateway`, the session id, the resume
URL and the highest sequence number *below which every dispatch alsbot cares about is in
the inbox* (the durable watermark, `Progress`), not merely the last one read: a crash after
reading a reaction but before recording it then resumes from before it and gets it again
(the inbox drops the ones it already has by their keys).

When a RESUME is not possible (the session expired or was invalidated, or there is none),
`catch_up` records where the gap began; the catch-up (`catchup.py`) reads the set channels
from there and clears it only once done, so a crash during the catch-up repeats it.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.store.models import AdapterState
from bot.store.upsert import put_adapter_state

log = logging.getLogger(__name__)
STATE = AdapterState.__table__
NAME = "discord:gateway"
# Discord does not say how long a dropped session stays resumable; past this a RESUME is
# not tried (it would only earn an INVALID_SESSION and then an IDENTIFY anyway).
RESUMABLE_FOR = timedelta(minutes=5)


@dataclass(frozen=True)
class CatchUp:
    """A gap to read by REST: from `since` (ISO time), named `anchor` (the last durable
    `session:sequence` before it) so that a repeated catch-up submits the same keys."""

    since: str
    anchor: str


@dataclass(frozen=True)
class GatewayState:
    session_id: str | None = None
    resume_url: str | None = None
    sequence: int | None = None
    seen_at: str | None = None  # ISO time the watermark was last written
    catch_up: CatchUp | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> GatewayState:
        try:
            data: dict[str, Any] = json.loads(raw)
            gap = data.get("catch_up")
            return cls(
                session_id=data.get("session_id"),
                resume_url=data.get("resume_url"),
                sequence=data.get("sequence"),
                seen_at=data.get("seen_at"),
                catch_up=CatchUp(str(gap["since"]), str(gap["anchor"])) if gap else None,
            )
        except (ValueError, TypeError, KeyError):
            log.warning("discord: the stored gateway state is unreadable; starting afresh")
            return cls()

    def resumable(self, now: datetime, updated_at: datetime | None) -> bool:
        if not (self.session_id and self.resume_url and self.sequence is not None):
            return False
        if updated_at is None:
            return False
        if updated_at.tzinfo is None:
            updated_at = updated_at.replace(tzinfo=UTC)
        return now - updated_at <= RESUMABLE_FOR

    @property
    def anchor(self) -> str:
        return f"{self.session_id or 'none'}:{self.sequence or 0}"


class StateStore:
    """The `discord:gateway` row, through the core's store (one small write at a time)."""

    def __init__(self, store: Any) -> None:
        self.store = store

    async def load(self) -> tuple[GatewayState, datetime | None]:
        async with self.store.read() as conn:
            row = (
                await conn.execute(
                    select(STATE.c.value, STATE.c.updated_at).where(STATE.c.name == NAME)
                )
            ).first()
        if row is None:
            return GatewayState(), None
        return GatewayState.from_json(row.value), row.updated_at

    async def save(self, state: GatewayState) -> None:
        now = datetime.now(UTC)  # Discord's time, not the domain clock: a session expires by it
        async with self.store.write() as conn:
            await put_adapter_state(conn, NAME, state.to_json(), now)


class Progress:
    """Which dispatches of the current session are in the inbox yet.

    `begin(seq)` when a dispatch alsbot handles arrives (synchronously, in discord.py's
    parser); `done(seq)` once its handler has recorded it (or decided it is nothing for
    alsbot). Every other dispatch is done when read.
    """

    def __init__(self) -> None:
        self.session_id: str | None = None
        self.resume_url: str | None = None
        self.received = 0
        self._pending: Counter[int] = Counter()
        self.changed = False

    def new_session(self, session_id: str | None, resume_url: str | None, sequence: int) -> None:
        self.session_id, self.resume_url = session_id, resume_url
        self.received = sequence
        self._pending.clear()
        self.changed = True

    def read(self, sequence: int | None) -> None:
        if sequence is not None and sequence > self.received:
            self.received = sequence
            self.changed = True

    def begin(self, sequence: int) -> None:
        self._pending[sequence] += 1

    def done(self, sequence: int | None) -> None:
        if sequence is None or not self._pending.get(sequence):
            return
        self._pending[sequence] -= 1
        if not self._pending[sequence]:
            del self._pending[sequence]
        self.changed = True

    @property
    def durable(self) -> int:
        """Every dispatch up to this sequence number is in the inbox (or needs nothing)."""
        if self._pending:
            return min(self._pending) - 1
        return self.received

    def state(self, base: GatewayState, seen_at: datetime) -> GatewayState:
        if self.session_id is None:
            return base
        return replace(
            base,
            session_id=self.session_id,
            resume_url=self.resume_url,
            sequence=self.durable,
            seen_at=seen_at.isoformat(),
        )
