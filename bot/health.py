"""What `/healthz` says: each part of a running bot reports whether it is working.

A bot that answers "OK" while its database file is gone, or while its Discord connection
died an hour ago, is worse than one that says it is broken: an operator's monitor trusts
it.  So every part that can fail on its own — the database, each platform's connection,
the ticker — reports here when its state changes, and `/healthz` is healthy only when
every reported part is.  Parts that were never reported are not listed (a Slack-only bot
has no Discord connection to be unhealthy).

A part that reports by beating (the ticker) cannot report that it stopped: a report may
carry `fresh_for`, and the part is judged stale when it is read after that long without
a new report.  Every change of a part's state — pushed, or noticed at a read — is logged
once (WARNING when it goes bad, INFO when it recovers), never once per report or poll.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartHealth:
    ok: bool
    detail: str
    since: float  # the time of the last change of `ok`
    at: float = 0.0  # the time of the last report
    last_ok: float | None = None  # the time of the last healthy report
    fresh_for: float | None = None  # stale when not reported again within this many seconds


class HealthBoard:
    """One per `Alsbot`; adapters, the store and the ticker report, `/healthz` reads.

    `now` returns seconds since the epoch (the core's clock); tests pass their own.
    """

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self.now = now
        self._parts: dict[str, PartHealth] = {}
        self._seen: dict[str, bool] = {}  # each part's last judged state, to log changes
        self._warned: set[str] = set()
        self._stopping = False

    def report(
        self, name: str, ok: bool, detail: str = "", *, fresh_for: float | None = None
    ) -> bool:
        """Record a part's state; True when its judged state changed.

        A healthy report of a part that had gone stale is a change (it recovered), though
        the last stored report was healthy too.
        """
        now = self.now()
        before = self._parts.get(name)
        was = self._judge(before, now)[0] if before is not None else None
        changed = was is None or was != ok
        since = now if changed or before is None else before.since
        last_ok = now if ok else (before.last_ok if before is not None else None)
        self._parts[name] = PartHealth(ok, detail, since, now, last_ok, fresh_for)
        self._observe(name, ok, detail)
        return changed

    def stopping(self) -> None:
        """The bot is stopping: its parts going down now are expected, not worth a warning."""
        self._stopping = True

    def part(self, name: str) -> PartHealth | None:
        return self._parts.get(name)

    @property
    def ok(self) -> bool:
        return all(part["ok"] for part in self.snapshot().values())

    def snapshot(self) -> dict[str, dict[str, object]]:
        """Every part as judged now: a stale part is unhealthy from the moment it went stale."""
        now = self.now()
        out: dict[str, dict[str, object]] = {}
        for name, part in sorted(self._parts.items()):
            ok, detail, since = self._judge(part, now)
            self._observe(name, ok, detail)
            out[name] = {"ok": ok, "detail": detail, "since": round(since, 3)}
        return out

    def _judge(self, part: PartHealth, now: float) -> tuple[bool, str, float]:
        if part.ok and part.fresh_for is not None and now - part.at > part.fresh_for:
            return (
                False,
                f"stale: last reported {now - part.at:.0f} s ago "
                f"(expected within {part.fresh_for:.0f} s)",
                part.at + part.fresh_for,
            )
        return part.ok, part.detail, part.since

    def _observe(self, name: str, ok: bool, detail: str) -> None:
        """Log a change of judged state once.  A part's first state is not a change (its
        adapter logs its own start), and a recovery is logged only after a warning, so a
        connection's "connecting" → "connected" at start says nothing."""
        was = self._seen.get(name)
        self._seen[name] = ok
        if was is None or was == ok or self._stopping:
            return
        if not ok:
            self._warned.add(name)
            log.warning("health: %s is unhealthy: %s", name, detail or "no detail")
        elif name in self._warned:
            self._warned.discard(name)
            log.info("health: %s is healthy again: %s", name, detail or "ok")
