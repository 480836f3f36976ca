"""One message cut into the actions it holds, each with its own date."""

from __future__ import annotations

from datetime import date

import pytest

from bot.rounds.action_items import MAX_ITEMS, Item, pieces, read_items

TODAY = date(2026, 1, 5)  # a Monday


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("Write up notes by Friday, and share with the team by Monday",
         ["Write up notes by Friday", "Share with the team by Monday"]),
        ("Write up notes by Friday and share them by Monday",
         ["Write up notes by Friday", "Share them by Monday"]),
        ("- Book the venue\n- Ring the council\n- Thanks all!",
         ["Book the venue", "Ring the council", "Thanks all!"]),
        ("1. Book the venue\n2) Ring the council", ["Book the venue", "Ring the council"]),
        ("• Book the venue • Ring the council", ["Book the venue", "Ring the council"]),
        ("Draft the rota. Then ask Sam to check it.", ["Draft the rota.", "Then ask Sam to check it."]),
        ("Call Sam; email Jo", ["Call Sam", "Email Jo"]),
        ("Thanks all, I'll call Sam tomorrow", ["Thanks all", "I'll call Sam tomorrow"]),
        ("Talk to Sam and Alex by Friday", ["Talk to Sam and Alex by Friday"]),
        ("Draft the rota and share it with Sam by Friday",
         ["Draft the rota and share it with Sam by Friday"]),
        ("Ask @everyone and @here, tell the team", ["Ask @everyone and @here, tell the team"]),
        ("Thanks everyone, that was really helpful!", ["Thanks everyone, that was really helpful!"]),
        ("Book the venue, and iPad setup with Sam by Friday",
         ["Book the venue, and iPad setup with Sam by Friday"]),
        ("Book the venue by Friday and ring the council by Monday",
         ["Book the venue by Friday", "Ring the council by Monday"]),
        ("Oh and one more, check the budget", ["Check the budget"]),
        ("One more thing: call Sam by Friday", ["Call Sam by Friday"]),
        ("Check the budget, and one more, call Sam", ["Check the budget", "Call Sam"]),
        ("one more", ["one more"]),
        ("", []),
    ],
)  # fmt: skip
def test_pieces(said: str, expected: list[str]) -> None:
    assert pieces(said) == expected


def test_each_piece_has_its_own_date() -> None:
    said = "Write up notes by Friday, and share with the team by Monday"
    assert read_items(said, today=TODAY, next_session=None) == [
        Item("Write up notes", date(2026, 1, 9), "by Friday"),
        Item("Share with the team", date(2026, 1, 12), "by Monday"),
    ]


def test_a_long_list_is_never_cut_short() -> None:
    said = "\n".join(f"- Call person {n}" for n in range(15))
    found = pieces(said)
    assert len(found) == MAX_ITEMS and "Call person 14" in found[-1]
