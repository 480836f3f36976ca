"""Moving a session through its phases from a test, as the facilitator would."""

from __future__ import annotations

from testkit.harness import Harness


async def next_phases(h: Harness, times: int) -> None:
    """Alice presses on `times` phases with `/als next`."""
    for _ in range(times):
        await h.cmd("alice", "next")


async def to_actions(
    h: Harness, *, joining: tuple[str, ...] = ("carol",), schedule: str | None = None
) -> None:
    """Alice starts a session with Bob presenting; `joining` join the set; the session goes
    on to Bob's Actions phase (updates, presenting, questions, summary, actions)."""
    await h.cmd("alice", "start @bob")
    for who in joining:
        await h.cmd(who, "join")
    if schedule:
        await h.cmd("alice", f"schedule {schedule}")
    await next_phases(h, 5)
