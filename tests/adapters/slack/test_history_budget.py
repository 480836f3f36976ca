"""The history budget: one read a minute per workspace and method for a distributed app,
slots promised in turn, Slack's `Retry-After` held per workspace; no budget of its own for
internal and Marketplace apps.  Time is a number the test moves."""

from __future__ import annotations

import pytest

from adapters.slack.history_budget import (
    DISTRIBUTED_PAGE,
    GRACE,
    HISTORY,
    REPLIES,
    HistoryBudget,
    steady,
)


class Seconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def t() -> Seconds:
    return Seconds()


def distributed(t: Seconds) -> HistoryBudget:
    return HistoryBudget.for_distribution("distributed", t)


def test_one_read_a_minute_per_workspace(t: Seconds) -> None:
    budget = distributed(t)
    assert budget.take("T1", HISTORY, "m1") == 0.0
    assert budget.take("T1", HISTORY, "m2") == pytest.approx(60.0)
    t.now += 59.0
    assert budget.take("T1", HISTORY, "m2") == pytest.approx(1.0), "its slot, a second away"
    t.now += 1.0
    assert budget.take("T1", HISTORY, "m2") == 0.0
    assert [at for _, _, at in budget.granted] == [1000.0, 1060.0]


def test_a_second_workspace_and_the_other_method_have_their_own_budgets(t: Seconds) -> None:
    """Slack counts "per API method per workspace per app"."""
    budget = distributed(t)
    assert budget.take("T1", HISTORY, "m1") == 0.0
    assert budget.take("T2", HISTORY, "m2") == 0.0, "another workspace is not held"
    assert budget.take("T1", REPLIES, "m3") == 0.0, "nor the other method"
    assert budget.take("T1", HISTORY, "m4") > 0


def test_callers_who_wait_are_promised_slots_in_turn(t: Seconds) -> None:
    budget = distributed(t)
    assert budget.take("T1", HISTORY, "a") == 0.0
    assert budget.take("T1", HISTORY, "b") == pytest.approx(60.0)
    assert budget.take("T1", HISTORY, "c") == pytest.approx(120.0)
    assert budget.take("T1", HISTORY, "b") == pytest.approx(60.0), "asking again keeps it"
    t.now += 60.0
    assert budget.take("T1", HISTORY, "c") > 0, "b's slot is not c's"
    assert budget.take("T1", HISTORY, "newcomer") == pytest.approx(120.0), "after c"
    assert budget.take("T1", HISTORY, "b") == 0.0
    t.now += 60.0
    assert budget.take("T1", HISTORY, "c") == 0.0


def test_a_slot_its_caller_did_not_come_back_for_is_given_up(t: Seconds) -> None:
    budget = distributed(t)
    budget.take("T1", HISTORY, "a")
    assert budget.take("T1", HISTORY, "b") == pytest.approx(60.0)
    t.now += 60.0 + GRACE + 1
    assert budget.take("T1", HISTORY, "c") == 0.0


def test_retry_after_holds_that_workspace_and_method_only(t: Seconds) -> None:
    budget = distributed(t)
    budget.hold("T1", HISTORY, 90.0)
    assert budget.take("T1", HISTORY, "m1") == pytest.approx(90.0)
    assert budget.take("T2", HISTORY, "m2") == 0.0
    assert budget.take("T1", REPLIES, "m3") == 0.0
    t.now += 90.0
    assert budget.take("T1", HISTORY, "m1") == 0.0


def test_a_hold_moves_promised_slots_along_in_order(t: Seconds) -> None:
    budget = distributed(t)
    budget.take("T1", HISTORY, "a")
    budget.take("T1", HISTORY, "b")  # promised +60
    budget.take("T1", HISTORY, "c")  # promised +120
    budget.hold("T1", HISTORY, 100.0)
    assert budget.take("T1", HISTORY, "b") == pytest.approx(100.0)
    assert budget.take("T1", HISTORY, "c") == pytest.approx(160.0)


def test_internal_and_marketplace_apps_have_no_budget_but_slacks_holds(t: Seconds) -> None:
    for distribution in ("internal", "marketplace"):
        budget = HistoryBudget.for_distribution(distribution, t)
        assert all(budget.take("T1", HISTORY, f"m{n}") == 0.0 for n in range(100))
        assert budget.limit(200) == 200
        budget.hold("T1", HISTORY, 30.0)
        assert budget.take("T1", HISTORY, "x") == pytest.approx(30.0)
        assert budget.take("T2", HISTORY, "x") == 0.0
        t.now += 30.0
        assert budget.take("T1", HISTORY, "x") == 0.0


def test_a_distributed_app_asks_for_15_messages_at_most(t: Seconds) -> None:
    budget = distributed(t)
    assert budget.limit(200) == DISTRIBUTED_PAGE == 15
    assert budget.limit(2) == 2 and budget.limit(0) == 1


def test_the_clock_never_runs_backwards() -> None:
    readings = iter([10.0, 5.0, 12.0])
    clock = steady(lambda: next(readings))
    assert [clock(), clock(), clock()] == [10.0, 10.0, 12.0]
