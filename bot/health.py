"""What `/healthz` says: each part of a running bot reports whether it is working.

A bot that answers "OK" while its database file is gone, or while its Discord connection
died an hour ago, is worse than one that says it is broken: an operator's monitor trusts
it.  So every part that can fail on its own — the database, each platform's connection,
the ticker — reports here when its state changes, and `/healthz` is healthy only when
every reported part is.  Parts that were never reported are not listed (a Slack-only bot
has no Discord connection to be unhealthy).
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class PartHealth:
    ok: bool
    detail: str
    since: float  # time.time() of the last change of `ok`


class HealthBoard:
    """One per `Alsbot`; adapters and the store report, `/healthz` reads."""

    def __init__(self) -> None:
        self._parts: dict[str, PartHealth] = {}

    def report(self, name: str, ok: bool, detail: str = "") -> bool:
        """Record a part's state; True when `ok` changed (the caller may log the change once)."""
        before = self._parts.get(name)
        changed = before is None or before.ok != ok
        since = time.time() if changed or before is None else before.since
        self._parts[name] = PartHealth(ok, detail, since)
        return changed

    @property
    def ok(self) -> bool:
        return all(part.ok for part in self._parts.values())

    def snapshot(self) -> dict[str, dict[str, object]]:
        return {
            name: {"ok": part.ok, "detail": part.detail, "since": round(part.since, 3)}
            for name, part in sorted(self._parts.items())
        }
