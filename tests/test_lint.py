"""Style, enforced on every test run like types and import contracts: ruff's lint rules and
its formatter, with the settings in `pyproject.toml`, over the whole project."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ruff_lint_passes() -> None:
    result = ruff("check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied() -> None:
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_would_catch_unsorted_imports(tmp_path: Path) -> None:
    """The check is real: the import order the project's settings ask for is enforced."""
    sample = tmp_path / "unsorted.py"
    sample.write_text("import sys\nimport asyncio\n\nprint(sys, asyncio)\n")
    result = ruff("check", "--config", str(ROOT / "pyproject.toml"), str(sample))
    assert result.returncode != 0 and "I001" in result.stdout
