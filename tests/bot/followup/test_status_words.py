"""Status in words: which status a message says, and which of the person's actions it names."""

from __future__ import annotations

import pytest

from bot.followup.status_words import DONE, DROPPED, NOT_YET, PARTLY, match, read, unmatched

ACTIONS = [
    (1, "Ask three long-standing volunteers what keeps them coming"),
    (2, "Draft a shared rota with the team leader"),
    (3, "Review the budget with finance"),
]


@pytest.mark.parametrize(
    ("body", "status", "action"),
    [
        ("the rota one is done", DONE, 2),
        ("dropped the budget one", DROPPED, 3),
        ("I've done the rota", DONE, 2),
        ("the volunteers one is partly done", PARTLY, 1),
        ("not yet started the budget one", NOT_YET, 3),
        ("Haven't done the rota yet", NOT_YET, 2),
        ("I finished asking the volunteer team", DONE, 1),
        ("gave up on the budget review", DROPPED, 3),
    ],
)
def test_a_status_names_one_action(body: str, status: str, action: int) -> None:
    reading = read(body)
    assert [s.status for s in reading.statuses] == [status]
    assert match(reading.statuses[0], ACTIONS) == [action]
    assert not reading.more


def test_several_statuses_in_one_message() -> None:
    reading = read("Done the rota, and dropped the budget one.")
    assert [(s.status, match(s, ACTIONS)) for s in reading.statuses] == [
        (DONE, [2]),
        (DROPPED, [3]),
    ]


def test_a_bare_status_names_every_action_and_a_tie_names_both() -> None:
    (bare,) = read("all done!").statuses
    assert match(bare, ACTIONS) == [1, 2, 3]
    (tie,) = read("the team one is done").statuses
    assert match(tie, [(1, "Meet the team"), (2, "Write to the team")]) == [1, 2]


def test_words_about_something_else_name_no_action() -> None:
    (said,) = read("I did some thinking about my career").statuses
    assert match(said, ACTIONS) == []


def test_more_than_a_status() -> None:
    assert read("The rota one is done, and the team leader loved it").more
    (said,) = read("Done the rota with help from Samira and Joe").statuses
    assert unmatched(said, [ACTIONS[1][1]]) >= 2
    (said,) = read("the rota one is done").statuses
    assert unmatched(said, [ACTIONS[1][1]]) == 0


@pytest.mark.parametrize("body", ["I asked four volunteers", "Thanks!", "what time is it?"])
def test_no_status(body: str) -> None:
    assert read(body).statuses == ()
