"""The fixed moment tests start at, and a core configuration on a given database.

Shared by the fixtures in `tests/conftest.py`, the harnesses here and the benches, so a
bench reproducing a test starts from the same instant with the same settings.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.config import Config, load_config

START_OF_TESTS = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)


def make_config(url: str, **env: str) -> Config:
    """The defaults, on database `url`, with `env` as ALSBOT_* style overrides."""
    return load_config(None, {"ALSBOT_DATABASE_URL": url, **env})
