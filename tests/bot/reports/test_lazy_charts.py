"""matplotlib is loaded only when a chart is drawn: starting the bot (the core, every
adapter, the ticker) must not pay its 0.4 s and 40 MB, and nothing on the event loop may
import it (`bot/reports/files.py` loads it in a worker thread)."""

from __future__ import annotations

import subprocess
import sys


def test_starting_the_bot_does_not_load_matplotlib() -> None:
    probe = (
        "import sys; import bot.app, bot.compose, adapters.runtime, adapters.cli, jobs.ticker; "
        "bot.compose.build_router(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'PIL', 'numpy')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert out.strip() == "[]"
