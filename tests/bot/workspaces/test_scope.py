"""Every timer kind says what its subject names, so a departure finds every timer."""

from __future__ import annotations

from bot.compose import build_router
from bot.workspaces import scope


def test_every_registered_timer_kind_is_known_to_the_departure() -> None:
    assert set(build_router().timers) == set(scope.TIMER_SUBJECTS)


def test_keys_inside_a_workspace_are_found_by_a_prefix_that_no_other_shares() -> None:
    assert scope.inside("slack:T1") == "slack:T1:"
    assert not "slack:T10:U2".startswith(scope.inside("slack:T1"))
