"""The health board: unhealthy as soon as any reported part is, and says which; a part
that reports by beating is judged stale at read time; every change is logged once."""

import logging

import pytest

from bot.clock import FakeClock
from bot.health import HealthBoard
from testkit.health import board_on, wait


def test_a_board_with_nothing_reported_is_healthy() -> None:
    assert HealthBoard().ok


def test_one_failing_part_makes_the_board_unhealthy_and_says_which() -> None:
    board = HealthBoard()
    assert board.report("database", True)
    assert board.report("discord", False, "reconnecting")
    assert not board.ok
    assert board.snapshot()["discord"]["detail"] == "reconnecting"
    assert not board.report("discord", False, "still reconnecting")  # no change of state
    assert board.report("discord", True)
    assert board.ok


def test_a_part_that_stops_reporting_is_judged_stale_when_read(clock: FakeClock) -> None:
    board = board_on(clock)
    board.report("ticker", True, "ticking", fresh_for=60)
    wait(clock, 60)
    assert board.ok, "exactly at the limit it is still fresh"
    now = wait(clock, 1)
    part = board.snapshot()["ticker"]
    assert part["ok"] is False and "61 s ago" in str(part["detail"])
    assert part["since"] == round(now - 1, 3), "unhealthy from the moment it went stale"
    assert not board.ok
    # The next report is a recovery, though the stored report was healthy too.
    assert board.report("ticker", True, "ticking", fresh_for=60)
    assert board.ok and board.snapshot()["ticker"]["since"] == now
    last = board.part("ticker")
    assert last is not None and last.last_ok == now


def test_the_time_of_the_last_good_report_survives_bad_ones(clock: FakeClock) -> None:
    board = board_on(clock)
    board.report("ticker", True, fresh_for=60)
    good = clock.now().timestamp()
    wait(clock, 5)
    board.report("ticker", False, "the last tick failed (OperationalError)", fresh_for=60)
    part = board.part("ticker")
    assert part is not None and part.last_ok == good and not board.ok


def test_each_change_is_logged_once_and_never_per_read(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.health")
    board = board_on(clock)
    board.report("discord", False, "connecting")  # a start, not a change
    board.report("discord", True, "connected")  # not worth a line: it never went bad
    board.report("ticker", True, "ticking", fresh_for=60)
    assert not caplog.records
    wait(clock, 120)
    for _ in range(5):  # a monitor polling
        board.snapshot()
        assert not board.ok
    board.report("discord", False, "reconnecting")
    board.report("discord", False, "reconnecting")
    board.report("ticker", True, "ticking", fresh_for=60)
    board.report("discord", True, "resumed")
    board.snapshot()
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert lines == [
        (
            "WARNING",
            "health: ticker is unhealthy: stale: last reported 120 s ago (expected within 60 s)",
        ),
        ("WARNING", "health: discord is unhealthy: reconnecting"),
        ("INFO", "health: ticker is healthy again: ticking"),
        ("INFO", "health: discord is healthy again: resumed"),
    ]


def test_parts_going_down_while_the_bot_stops_are_not_warnings(
    caplog: pytest.LogCaptureFixture,
) -> None:
    board = HealthBoard()
    board.report("discord", True, "connected")
    board.stopping()
    board.report("discord", False, "stopped")
    assert not board.ok
    assert not [r for r in caplog.records if r.name == "bot.health"]
