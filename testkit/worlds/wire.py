"""Matching what the database says was sent with what Slack actually received.

Every outbox row that is a message has one shape on the wire: a post is (channel, text);
a DM or a private answer is (person, text) — an ephemeral may legitimately arrive as a
response_url answer, a chat.postEphemeral or, when that is impossible, a DM. Counting both sides per
shape shows a lost reply (a row marked sent that never reached Slack) and a doubled one
(Slack received it more often than there are rows behind it).

A chat.postMessage also names its row: the outlet sends the row's delivery key as message
metadata, so a post that reached Slack twice is found exactly (`posted_twice`), not by
shape and time.  With `once_per_key` the shapes count each such key once, leaving them to
the doubles that cannot be looked up (ephemerals, response_url answers).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from adapters.slack import render
from bot.replies import Direct, Ephemeral, Post, reply_from_json
from testkit.slack.web_api import SlackWebApi

Shape = tuple[str, str, str]


def wire_key(reply: Any) -> Shape | None:
    """What one outbox row looks like at Slack (None for edits and files)."""
    if isinstance(reply, Post):
        return ("post", reply.channel.id, render.fallback(reply.text))
    if isinstance(reply, Direct | Ephemeral):  # an ephemeral may fall back to a DM
        return ("person", reply.user.id, render.fallback(reply.text))
    return None


def post_key(args: dict[str, Any]) -> str | None:
    """The outbox row a chat.postMessage was sent for (its metadata), if it says."""
    metadata = args.get("metadata")
    payload = metadata.get("event_payload") if isinstance(metadata, dict) else None
    key = payload.get("key") if isinstance(payload, dict) else None
    return key if isinstance(key, str) else None


def posted_twice(api: SlackWebApi) -> dict[str, int]:
    """Rows whose chat.postMessage Slack accepted more than once, with how often."""
    counts = Counter(post_key(args) for args in api.posted())
    return {key: n for key, n in counts.items() if key is not None and n > 1}


def observed(
    api: SlackWebApi, askers: dict[str, str] | None = None, *, once_per_key: bool = False
) -> dict[Shape, list[float]]:
    """Every message Slack accepted, with the stand-in's loop time when it arrived."""
    askers = askers or {}
    seen: dict[Shape, list[float]] = {}
    keys: set[str] = set()
    for call in api.calls:
        if call.status != 200 or call.error is not None:
            continue
        key: Shape | None = None
        text = call.args.get("text", "")
        if call.method == "chat.postMessage" and once_per_key:
            row = post_key(call.args)
            if row is not None and row in keys:
                continue  # reported by `posted_twice`
            if row is not None:
                keys.add(row)
        if call.method == "chat.postMessage":
            where = str(call.args.get("channel", ""))
            if where.startswith("D"):
                key = ("person", "U" + where[1:], text)
            else:
                key = ("post", where, text)
        elif call.method == "chat.postEphemeral":
            key = ("person", call.args.get("user", ""), text)
        elif call.method == "response_url":
            key = ("person", askers.get(call.args["key"], "?"), text)
        if key is not None:
            seen.setdefault(key, []).append(call.at)
    return seen


@dataclass
class Reconciled:
    expected: Counter[Shape] = field(default_factory=Counter)
    missing: dict[Shape, int] = field(default_factory=dict)  # sent rows Slack never got
    extra: dict[Shape, list[float]] = field(default_factory=dict)  # first arrival of doubles
    unexplained: list[Shape] = field(default_factory=list)  # at Slack, no row behind it
    repeated_rows: list[Any] = field(default_factory=list)  # one cause enqueued it twice
    posted_twice: dict[str, int] = field(default_factory=dict)  # row key → posts accepted


def reconcile(
    rows: list[Any],
    api: SlackWebApi,
    askers: dict[str, str] | None = None,
    *,
    once_per_key: bool = False,
) -> Reconciled:
    """Compare `sent` outbox rows with what reached the stand-in."""
    out = Reconciled(posted_twice=posted_twice(api))
    per_cause: Counter[tuple[Any, Shape]] = Counter()
    for row in rows:
        if row.status != "sent":
            continue
        key = wire_key(reply_from_json(row.body))
        if key is not None:
            out.expected[key] += 1
            per_cause[(row.cause, key)] += 1
    out.repeated_rows = [k for k, n in per_cause.items() if n > 1]
    seen = observed(api, askers, once_per_key=once_per_key)
    for key, n in out.expected.items():
        if len(seen.get(key, [])) < n:
            out.missing[key] = n - len(seen.get(key, []))
    for key, times in seen.items():
        surplus = len(times) - out.expected.get(key, 0)
        if surplus <= 0:
            continue
        if key not in out.expected:
            out.unexplained.append(key)
        else:
            out.extra[key] = sorted(times)[:surplus]
    return out
