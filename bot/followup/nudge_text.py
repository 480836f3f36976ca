"""What the bot says between sessions: nudges, their buttons, reminders, the digest.

Kept apart from the logic (as `round_text` is for rounds) so wording can change without
touching behaviour, and every adapter shows the same words.  A nudge is a short header
DM (with Snooze) followed by one DM per open action carrying that action's four status
buttons, so every platform shows buttons next to the action they are about, and a press
edits just that action's message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.dates import sessions
from bot.refs import UserRef
from bot.replies import Button, Mention, Strong, Text, text

STATUS_LABELS = {
    "open": "open",
    "done": "done",
    "partly": "partly done",
    "not_yet": "not yet",
    "dropped": "dropped",
}
BUTTON_STATUSES = (
    ("done", "Done"),
    ("partly", "Partly"),
    ("not_yet", "Not yet"),
    ("dropped", "Dropped"),
)
MAX_ACTION_MESSAGES = 8  # more than this and the rest are listed in the header instead


def when(moment: datetime, tz: ZoneInfo, *, year: bool = False, end: datetime | None = None) -> str:
    """`Monday 9 February, 10:00` (`–12:00` with an end)."""
    local = moment.astimezone(tz)
    day = local.strftime("%A %-d %B %Y" if year else "%A %-d %B")
    return f"{day}, {sessions.hours(moment, end, tz)}"


def due_text(row: Any) -> str:
    return f" (by {row.due.strftime('%a %-d %b')})" if getattr(row, "due", None) else ""


def header_handle(timer_id: int) -> str:
    return f"nudge:{timer_id}"


def action_handle(timer_id: int, action_id: int) -> str:
    return f"nudge:{timer_id}:{action_id}"


def status_buttons(action_id: int, timer_id: int) -> tuple[Button, ...]:
    value = f"{action_id}:{timer_id}"
    return tuple(
        Button(f"nudge:{status}", label, value, "primary" if status == "done" else None)
        for status, label in BUTTON_STATUSES
    )


def snooze_button(timer_id: int) -> Button:
    return Button("nudge:snooze", "Snooze 1 day", str(timer_id))


def nudge_header(
    user: UserRef,
    session_at: datetime | None,
    tz: ZoneInfo,
    actions: list[Any],
    *,
    venue: str | None = None,
    link: str | None = None,
) -> Text:
    out = text("👋 Hi ", Mention(user), " — ")
    if session_at is not None:
        out += text(
            "your set meets next on ",
            Strong(when(session_at, tz)),
            f" ({tz.key} time)",
            place(venue, link),
            ".",
        )
    else:
        out += text("it's been a while since your session.")
    count = len(actions)
    out += text(
        f"\nHow did your action{'s' if count != 1 else ''} go? Give "
        f"{'each' if count != 1 else 'it'} a status with the buttons below, and reply here in a "
        "few words: I'll show you your update first, and it is shared at the start of the "
        "next session only once you press [Share as my update]."
    )
    hidden = actions[MAX_ACTION_MESSAGES:]
    if hidden:
        out += f"\nAlso open ({len(hidden)} more — see `/als actions`):"
        for row in hidden:
            out += text("\n• ", row.text)
    return out


def action_message(row: Any, status: str | None = None, *, marked: bool = False) -> Text:
    status = status or row.status
    out = text("• ", row.text, due_text(row), f" — {STATUS_LABELS.get(status, status)}")
    return out + (" ✓" if marked else "")


def after_status(remaining_open: int) -> Text:
    if remaining_open:
        return text(
            f"Thanks. {remaining_open} action{'s' if remaining_open != 1 else ''} still "
            "without a status — and a few words on how it went are welcome here any time."
        )
    return text(
        "Thanks — every action has a status now. If you'd like to say how it went, just "
        "reply here: I'll show it to you before anything is shared at the next session's "
        "Updates."
    )


def snoozed(header: Text, until: datetime, tz: ZoneInfo) -> Text:
    return header + text(f"\n😴 Snoozed: I'll check in again on {when(until, tz)}.")


def snooze_too_late() -> Text:
    return text(
        "The session starts before then, so I won't nudge you again. You can still reply "
        "here with your update any time before it (I'll show it to you before sharing it)."
    )


def place(venue: str | None, link: str | None) -> str:
    """`, in Room 8 of the Town Hall; join at https://…`: where a session is, if known."""
    out = f", {sessions.where(venue)}" if venue else ""
    return out + (f"; join at {link}" if link else "")


def reminder(
    session_at: datetime,
    tz: ZoneInfo,
    now: datetime,
    *,
    ends_at: datetime | None = None,
    venue: str | None = None,
    link: str | None = None,
) -> Text:
    local, today = session_at.astimezone(tz), now.astimezone(tz).date()
    clock = sessions.hours(session_at, ends_at, tz)
    at = clock if ends_at is not None else f"at {clock}"  # "tomorrow, 10:00–12:00"
    minutes = round((session_at - now).total_seconds() / 60)
    if minutes <= 90:
        soon = f"in {minutes} minutes" if minutes < 60 else "in about an hour"
        lead = f"{soon}, {at}"
    elif local.date() == today:
        lead = f"today{',' if ends_at else ''} {at}"
    elif (local.date() - today).days == 1:
        lead = f"tomorrow{',' if ends_at else ''} {at}"
    else:
        lead = f"on {local.strftime('%A %-d %B')}{',' if ends_at else ''} {at}"
    return text(
        "⏰ ",
        Strong("Reminder"),
        f": the set meets {lead} ({tz.key})",
        place(venue, link),
        ". Previous presenters: the session opens with your updates.",
    )


def digest_line(user_key: str, progress: Any, opted_out: bool, failure: str | None) -> Text:
    who = text("\n• ", Mention(UserRef.from_key(user_key)))
    if progress.updates:
        latest = progress.updates[-1].text
        short = latest if len(latest) <= 140 else latest[:137] + "…"
        out = who + text(" — has updated: “", short, "”")
    elif progress.responded:
        out = who + " — has given every action a status (no written update)"
    else:
        open_count = len(progress.outstanding)
        out = who + f" — no update yet ({open_count} open action{'s' if open_count != 1 else ''})"
    if progress.actions:
        statuses = "; ".join(
            f"{a.text[:60]}: {STATUS_LABELS.get(a.status, a.status)}" for a in progress.actions
        )
        out += text("\n   ", statuses)
    if opted_out:
        out += "\n   (has switched nudges off)"
    if failure:
        out += text(f"\n   ⚠ my nudge could not be delivered ({failure})")
    return out


def digest(
    session_at: datetime,
    tz: ZoneInfo,
    lines: list[Text],
    *,
    venue: str | None = None,
    link: str | None = None,
) -> Text:
    out = text(
        "📋 ",
        Strong("Before the next session"),
        f" ({when(session_at, tz, year=True)}, {tz.key}",
        place(venue, link),
        ")",
    )
    if not lines:
        return out + "\nNobody has open actions from last time."
    out += "\nUpdates from previous presenters so far:"
    for line in lines:
        out += line
    return out
