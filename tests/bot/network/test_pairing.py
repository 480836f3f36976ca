"""Pairing people between sessions (pure): everyone once, a trio when odd, seeded, and no
pair again within two rounds wherever that is possible — checked round after round against
an exhaustive search of every grouping."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from itertools import combinations

import pytest

from bot.network.pairing import Group, cost, make_groups, meetings, seed_for


def all_groupings(people: Sequence[str]) -> Iterator[list[Group]]:
    """Every way of cutting `people` into pairs and (when odd) one trio."""
    if not people:
        yield []
        return
    first, rest = people[0], list(people[1:])
    if len(people) % 2 == 1:
        for a, b in combinations(rest, 2):
            left = [x for x in rest if x not in (a, b)]
            for tail in _pairings(left):
                yield [(first, a, b), *tail]
        if len(people) > 3:
            for a in rest:
                for tail in all_groupings([x for x in rest if x != a]):
                    yield [(first, a), *tail]
    else:
        yield from _pairings(list(people))


def _pairings(people: list[str]) -> Iterator[list[Group]]:
    if not people:
        yield []
        return
    first, rest = people[0], people[1:]
    for a in rest:
        for tail in _pairings([x for x in rest if x != a]):
            yield [(first, a), *tail]


def fewest_repeats(people: Sequence[str], recent: list[tuple[Group, ...]]) -> int:
    met = set().union(*(meetings(r) for r in recent)) if recent else set()
    return min(sum(cost(g, met) for g in grouping) for grouping in all_groupings(people))


def run_rounds(n: int, rounds: int, set_id: int) -> list[tuple[Group, ...]]:
    people = [f"console:local:p{i}" for i in range(n)]
    history: list[tuple[Group, ...]] = []
    for round_no in range(1, rounds + 1):
        recent = history[-2:]
        got = make_groups(people, recent, random.Random(seed_for(set_id, round_no)))
        placed = [key for group in got.groups for key in group]
        assert sorted(placed) == sorted(people), "everyone exactly once"
        sizes = sorted(len(g) for g in got.groups)
        assert sizes == ([2] * (n // 2 - 1) + [3] if n % 2 else [2] * (n // 2))
        assert got.has_trio == (n % 2 == 1)
        assert got.repeats == fewest_repeats(people, recent), "the fewest repeats possible"
        history.append(got.groups)
    return history


@pytest.mark.parametrize("set_id", range(1, 9))
def test_pairs_never_repeat_within_two_rounds_for_a_set_of_7(set_id: int) -> None:
    history = run_rounds(7, 30, set_id)
    for window in zip(history, history[1:], history[2:], strict=False):
        seen: list[frozenset[str]] = [m for groups in window for m in meetings(groups)]
        assert len(seen) == len(set(seen)) == 15, "a trio and two pairs, three rounds, no repeat"


@pytest.mark.parametrize("n", [4, 6, 8, 9])
def test_no_repeat_within_any_three_rounds_for_other_sizes(n: int) -> None:
    for set_id in range(1, 5):
        history = run_rounds(n, 20, set_id)
        for window in zip(history, history[1:], history[2:], strict=False):
            seen = [m for groups in window for m in meetings(groups)]
            assert len(seen) == len(set(seen))


def test_five_cannot_avoid_a_repeat_and_meets_the_minimum() -> None:
    """A trio and a pair meet 4 times a round; three rounds need 12 meetings of only 10."""
    for set_id in range(1, 5):
        history = run_rounds(5, 20, set_id)  # asserts the exhaustive minimum every round
        repeats = [
            make_groups(
                [f"console:local:p{i}" for i in range(5)],
                history[i - 2 : i],
                random.Random(seed_for(set_id, i + 1)),
            ).repeats
            for i in range(2, 20)
        ]
        assert set(repeats) == {1}, "one repeat each round: the fewest possible"


def test_three_are_always_one_trio() -> None:
    history = run_rounds(3, 5, 1)
    assert all(len(groups) == 1 and len(groups[0]) == 3 for groups in history)
    again = make_groups(list(history[-1][0]), [history[-1]], random.Random(1))
    assert again.repeats == 3, "said so: all three met last round"


def test_fewer_than_two_are_nobody_s_pair() -> None:
    assert make_groups([], [], random.Random(1)).groups == ()
    assert make_groups(["a"], [], random.Random(1)).groups == ()
    assert make_groups(["a", "b"], [[("a", "b")]], random.Random(1)).repeats == 1


def test_the_same_seed_gives_the_same_pairs_and_another_seed_may_not() -> None:
    people = [f"p{i}" for i in range(10)]
    first = make_groups(people, [], random.Random(seed_for(3, 4)))
    assert make_groups(people, [], random.Random(seed_for(3, 4))) == first
    others = {make_groups(people, [], random.Random(seed_for(3, r))).groups for r in range(5, 15)}
    assert len(others) > 1, "the rounds are random, not one fixed order"


def test_a_person_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError):
        make_groups(["a", "a", "b"], [], random.Random(1))


def test_a_large_set_is_paired_quickly() -> None:
    people = [f"p{i}" for i in range(401)]
    history: list[tuple[Group, ...]] = []
    started = time.perf_counter()
    for round_no in range(1, 4):
        got = make_groups(people, history[-2:], random.Random(round_no))
        assert got.repeats == 0
        history.append(got.groups)
    assert time.perf_counter() - started < 5
