"""The health board: unhealthy as soon as any reported part is, and says which."""

from bot.health import HealthBoard


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
