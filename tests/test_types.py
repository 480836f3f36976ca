"""Types, enforced on every test run the way the import contracts are: mypy, strict, over
`bot`, `adapters` and `jobs` with the settings in `pyproject.toml`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_mypy_would_catch_a_wrong_hook_handler(tmp_path: Path) -> None:
    """The check is real: a handler of the wrong shape for a typed hook is an error."""
    sample = tmp_path / "wrong_hook.py"
    sample.write_text(
        "from bot.router import Router\n"
        "from bot.rounds.hooks import OPENING\n\n\n"
        "async def opening(ctx: object) -> None:\n"
        "    return None\n\n\n"
        "def register(router: Router) -> None:\n"
        "    router.hook(OPENING, opening)\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(sample)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "wrong_hook.py:10: error" in result.stdout
