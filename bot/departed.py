"""Workspaces the app was removed from: nothing more is done or sent there.

`bot.workspaces` records a departure (`departed_workspaces`) when the app is uninstalled
or its token revoked. Two checks here keep the promise that all work stops at once,
wherever the work comes from: the processor gives no effect to an event from a departed
workspace (one still in the inbox, or arriving late), and the deliverer drops a reply to
one at claim — whoever wrote it (a timer that was already running, an event applied by
another process at the same moment), since a claim is the last step before the platform.
Each check rides on a statement that runs anyway (`ANY_DEPARTED`), and only while a
departure is pending looks up the workspaces at hand, one primary-key lookup each.

A departure ends when the app is installed again (`AppInstalled` deletes the row) or when
the workspace's data has been deleted (`purged_at`): the row stays as the record, and
nothing is left to stop — an event arriving after that (the app installed again with no
`AppInstalled`, as in single-token mode) starts the workspace afresh.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.events import AppInstalled, AppRemoved, Event
from bot.outbox_rows import DM_LANE, FILE_LANE, GROUP_LANE, PRIVATE_LANE
from bot.store.lean import Lean
from bot.store.models import DepartedWorkspace

DEPARTED = DepartedWorkspace.__table__
LANE_PREFIXES = (FILE_LANE, PRIVATE_LANE, DM_LANE, GROUP_LANE)
SKIPPED = "skipped: the app was removed from this workspace"
DROPPED = "dropped: the app was removed from this workspace"

# One primary-key lookup per workspace, compiled once (`bot.store.lean`): a slice or a
# delivery pass names one workspace or a few.
_ONE = Lean(
    select(DEPARTED.c.workspace_key).where(
        DEPARTED.c.workspace_key == bindparam("b_key"), DEPARTED.c.purged_at.is_(None)
    )
)
# Whether any workspace is departed at all, as a column of a statement that runs anyway
# (the processor's claim of its slice, the deliverer's claim of its rows): in the usual
# case, none, the checks cost no statement of their own.
ANY_DEPARTED = exists(select(DEPARTED.c.workspace_key).where(DEPARTED.c.purged_at.is_(None))).label(
    "any_departed"
)


def lane_workspace(lane: str) -> str | None:
    """The workspace key of an outbox lane (`slack:T1` for `dm:slack:T1:U2`, for a
    channel's `slack:T1:C1`, for `group:slack:T1:U1+slack:T1:U2`); None if it names none."""
    for prefix in LANE_PREFIXES:
        if lane.startswith(prefix):
            lane = lane[len(prefix) :]
            break
    platform, _, rest = lane.partition(":")
    ident, colon, _ = rest.partition(":")
    return f"{platform}:{ident}" if platform and ident and colon else None


def lane_prefixes(workspace_key: str) -> tuple[str, ...]:
    """How every lane of the workspace begins."""
    inside = workspace_key + ":"
    return (inside, *(prefix + inside for prefix in LANE_PREFIXES))


def gated(event: Event) -> str | None:
    """The workspace whose departure would stop `event`; None for the events that record
    or call off a departure themselves."""
    if isinstance(event, (AppRemoved, AppInstalled)):
        return None
    return event.workspace.key


async def departed_among(conn: AsyncConnection, keys: Iterable[str]) -> set[str]:
    """Which of these workspaces the app was removed from."""
    gone: set[str] = set()
    for key in sorted(set(keys)):
        if (await _ONE.run(conn, {"b_key": key})).first() is not None:
            gone.add(key)
    return gone
