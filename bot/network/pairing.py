"""Who is paired with whom between sessions: pure, seeded, and never the same pair twice
within two rounds when that can be helped.

Everyone willing is placed in exactly one group: pairs, and one trio when the count is odd
(three people are one trio; one person is nobody's pair). A group "repeats" for each two of
its people who already met in one of the previous two rounds; the search minimises that
count and stops at the first grouping with none.

The search is a small branch-and-bound: the first person not yet placed is given a partner
(or, once per odd round, two), candidates tried in the order the injected `random.Random`
shuffled them, cheapest first. The shuffle is the only randomness, so a round seeded from
the set and the round number (`seed_for`) comes out the same when a timer is retried. A
node budget keeps a large set's worst case bounded; whatever is best by then is used, and
`Grouping.repeats` says how many meetings were repeated, so the caller can say so.

Why not only shuffle and retry: a set of 7 pairs as a trio and two pairs (5 meetings a
round out of 21), and after two rounds only 11 meetings are left to choose from; random
shuffles find one of the few groupings that fit rarely, while the search finds one at once
or proves there is none.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

Group = tuple[str, ...]
Meeting = frozenset[str]

# Enough for a few hundred people to be paired within a second, and far more than a
# set of ten ever needs (it finds a grouping without repeats within a few dozen nodes).
NODE_BUDGET = 5_000
# A trio's other two members are looked for among this many of the people not yet placed
# (every one of them in a set of up to 13): all pairs of 400 people would be 80,000
# options at each step, and the order is random anyway.
TRIO_REACH = 12


@dataclass(frozen=True)
class Grouping:
    groups: tuple[Group, ...]
    repeats: int  # meetings that already happened in the rounds the caller passed as recent

    @property
    def has_trio(self) -> bool:
        return any(len(group) == 3 for group in self.groups)


def seed_for(set_id: int, round_no: int) -> int:
    """A stable seed per set and round (not `hash()`, which is salted per process)."""
    return set_id * 1_000_003 + round_no


def meetings(groups: Iterable[Sequence[str]]) -> set[Meeting]:
    """Every two people who were in one group."""
    return {frozenset(two) for group in groups for two in combinations(group, 2)}


def cost(group: Sequence[str], recent: set[Meeting]) -> int:
    return sum(frozenset(two) in recent for two in combinations(group, 2))


def make_groups(
    people: Sequence[str],
    recent: Iterable[Iterable[Sequence[str]]],
    rng: random.Random,
    *,
    budget: int = NODE_BUDGET,
) -> Grouping:
    """Group `people` (distinct keys) into pairs and, when their count is odd, one trio,
    with as few meetings from `recent` (the previous rounds' groups, one iterable of
    groups per round) as can be found."""
    seen = set(people)
    if len(seen) != len(people):
        raise ValueError("each person once")
    if len(people) < 2:
        return Grouping((), 0)
    met: set[Meeting] = set()
    for round_groups in recent:
        met |= meetings(round_groups)
    order = list(people)
    rng.shuffle(order)
    search = _Search(order, met, budget)
    search.run()
    assert search.best is not None  # the first leaf is always reached within the budget
    return Grouping(tuple(search.best), search.best_cost)


class _Search:
    def __init__(self, order: list[str], met: set[Meeting], budget: int) -> None:
        self.order = order
        self.met = met
        self.nodes = budget
        self.best: list[Group] | None = None
        self.best_cost = len(order) * len(order)
        self.trio_needed = len(order) % 2 == 1

    def run(self) -> None:
        self._place([], set(), 0, self.trio_needed)

    def _place(self, groups: list[Group], placed: set[str], spent: int, trio_left: bool) -> None:
        self.nodes -= 1
        if spent >= self.best_cost:
            return
        free = [key for key in self.order if key not in placed]
        if not free:
            self.best, self.best_cost = list(groups), spent
            return
        first, others = free[0], free[1:]
        options: list[tuple[int, int, Group]] = []
        if not trio_left or len(free) > 3:  # three left with the trio still owed: a trio
            for i, other in enumerate(others):
                pair: Group = (first, other)
                options.append((cost(pair, self.met), i, pair))
        if trio_left:  # the trio's other two from the next few (all of them in a small set)
            nearby = others[:TRIO_REACH]
            for (i, second), (j, third) in combinations(enumerate(nearby), 2):
                trio: Group = (first, second, third)
                options.append((cost(trio, self.met), i * len(nearby) + j, trio))
        options.sort(key=lambda option: (option[0], option[1]))
        for extra, _tiebreak, group in options:
            if self.best_cost == 0 or (self.nodes <= 0 and self.best is not None):
                return
            self._place(
                [*groups, group],
                placed | set(group),
                spent + extra,
                trio_left and len(group) == 2,
            )
