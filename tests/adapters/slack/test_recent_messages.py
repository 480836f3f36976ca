"""What the source read lately is kept for the undo window only, and a bounded number."""

from __future__ import annotations

from adapters.slack.recent_messages import KEEP, RecentMessages
from bot.ports import FetchedMessage


class Seconds:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def said(words: str) -> FetchedMessage:
    return FetchedMessage(author=None, text=words)


def test_a_message_read_is_kept_for_the_undo_window_and_no_longer() -> None:
    t = Seconds()
    recent = RecentMessages(t)
    recent.put("slack:T1:C1:1.1", said("Ask before advising"))
    t.now = KEEP - 1
    assert recent.get("slack:T1:C1:1.1") == said("Ask before advising")
    t.now = KEEP + 1  # reading it again did not extend its stay
    assert recent.get("slack:T1:C1:1.1") is None
    assert len(recent) == 0, "people's words are not kept past the window"
    assert KEEP == 600.0


def test_the_least_recently_read_go_first_when_full() -> None:
    t = Seconds()
    recent = RecentMessages(t, size=3)
    for n in range(3):
        recent.put(f"m{n}", said(f"tip {n}"))
    assert recent.get("m0") is not None  # m0 read again: m1 is now the oldest
    recent.put("m3", said("tip 3"))
    assert recent.get("m1") is None and len(recent) == 3
    assert all(recent.get(k) is not None for k in ("m0", "m2", "m3"))


def test_thread_replies_are_remembered_as_such_for_the_window() -> None:
    t = Seconds()
    recent = RecentMessages(t)
    recent.note_reply("m1")
    assert recent.is_reply("m1") and not recent.is_reply("m2")
    t.now = KEEP + 1
    assert not recent.is_reply("m1")


def test_a_message_read_again_is_kept_from_its_second_reading() -> None:
    t = Seconds()
    recent = RecentMessages(t, size=3)
    recent.put("m0", said("first"))
    t.now = KEEP / 2
    recent.put("m0", said("again"))  # read from Slack again (e.g. after an undo)
    for n in range(1, 20):  # others come and go by size; m0's first reading expires
        recent.put(f"m{n}", said(f"tip {n}"))
        recent.get("m0")
    t.now = KEEP + 1
    assert recent.get("m0") == said("again"), "the older reading's expiry is not this one's"
    t.now = KEEP * 1.5 + 1
    assert recent.get("m0") is None and len(recent) == 0
