"""Reading the deployment files as their tools do, and alsbot's own stop-time budget.

Shared by the tests in this folder: a systemd unit reader (systemd's format allows a key
several times, which configparser does not), systemd's time spans, and how long
`alsbot run` can take to stop on SIGTERM, summed from the code's own limits.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from adapters.discord.client import STOP_WITHIN
from adapters.slack.service import STOP_GRACE
from bot.app import Alsbot
from bot.config import SlackConfig

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
Unit = dict[str, dict[str, list[str]]]


def read_unit(path: Path) -> Unit:
    """Sections → key → every value given, in order (comments and blank lines dropped;
    a trailing backslash continues a line)."""
    unit: Unit = {}
    section: dict[str, list[str]] | None = None
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = unit.setdefault(line[1:-1], {})
            continue
        assert section is not None, f"{path.name}: {line!r} before any section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: {line!r} is not key=value"
        section.setdefault(key.strip(), []).append(value.strip())
    return unit


def seconds(span: str) -> float:
    """A systemd (or compose) time span: `90`, `90s`, `1min 30s`, `2m`."""
    units = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    total = 0.0
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", span.strip())
    assert parts, f"{span!r} is not a time span"
    for number, unit in parts:
        total += float(number) * units[unit]
    return total


def stop_budget() -> float:
    """The longest `alsbot run` takes from SIGTERM to exit (adapters/runtime.py `_run`):
    the core's loops after their current pass and the files being sent (each up to
    `Alsbot.stop`'s grace), the Slack HTTP server's requests in flight (a body has
    `[slack] body_timeout` to arrive), Slack's background work (`STOP_GRACE`) and the
    Discord gateway (`STOP_WITHIN`)."""
    grace = inspect.signature(Alsbot.stop).parameters["grace"].default
    return 2 * grace + SlackConfig().body_timeout + STOP_GRACE + STOP_WITHIN
